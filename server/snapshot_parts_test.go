package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"crimemap/geo"
	"crimemap/server"
)

// TestSnapshotPartsServe serves a dataset from its CSVs and from a
// snapshot holding the stored indexes: every answer is the same bytes.
func TestSnapshotPartsServe(t *testing.T) {
	ds := dataset(t)
	cfg := server.DefaultConfig()
	path := filepath.Join(t.TempDir(), "d.snap")
	if err := geo.WriteSnapshotFile(path, ds, server.SnapshotParts(ds, cfg.Tiles)...); err != nil {
		t.Fatal(err)
	}
	snap, err := geo.OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(ds *geo.Dataset) *httptest.Server {
		s := server.New(cfg, server.Deps{})
		s.SetDataset(ds)
		ts := httptest.NewServer(s)
		t.Cleanup(ts.Close)
		return ts
	}
	fromCSV, fromSnap := serve(ds), serve(snap)

	paths := []string{"/", "/v1/streets?q=road&limit=100", "/v1/streets?q=high", "/v1/streets?q=on+or+near+st", "/v1/streets?q=zz"}
	dense := denseTile(ds, 9)
	for z := 0; z <= 15; z += 3 {
		x, y := dense.X>>(9-min(z, 9))<<max(z-9, 0), dense.Y>>(9-min(z, 9))<<max(z-9, 0)
		paths = append(paths, fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, x, y), fmt.Sprintf("/tiles/%d/%d/%d.mvt?category=burglary", z, x, y),
			fmt.Sprintf("/tiles/%d/%d/%d.mvt?force=hampshire", z, x, y))
	}
	_, body := rawGet(t, fromCSV, fmt.Sprintf("/tiles/9/%d/%d.mvt", dense.X, dense.Y))
	layers, err := mvt.Unmarshal(body)
	if err != nil || len(layers) == 0 || len(layers[0].Features) == 0 {
		t.Fatalf("no clusters in the dense tile: %v", err)
	}
	for _, ft := range layers[0].Features {
		id := int64(ft.Properties["cluster_id"].(float64))
		paths = append(paths, fmt.Sprintf("/v1/clusters/%d/leaves?limit=1000", id), fmt.Sprintf("/v1/clusters/%d/expansion-zoom?category=shoplifting", id))
	}
	ok := 0
	for _, p := range paths {
		ra, a := rawGet(t, fromCSV, p)
		if ra.StatusCode == http.StatusOK {
			ok++
		}
		rb, b := rawGet(t, fromSnap, p)
		if ra.StatusCode >= 500 {
			t.Fatalf("%s: status %d %s", p, ra.StatusCode, a)
		}
		if ra.StatusCode != rb.StatusCode || !bytes.Equal(a, b) || ra.Header.Get("ETag") != rb.Header.Get("ETag") {
			t.Fatalf("%s: %d %q from the CSVs, %d %q from the snapshot", p, ra.StatusCode, a, rb.StatusCode, b)
		}
	}
	if ok < len(paths)/2 {
		t.Fatalf("only %d of %d answers were 200", ok, len(paths))
	}
}
