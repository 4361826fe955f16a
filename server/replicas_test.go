package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/server"
)

// replica loads the bundled month on its own, with workers loaders, and
// serves it as a server of its own would behind a load balancer.
func replica(t *testing.T, workers int) *httptest.Server {
	t.Helper()
	ds, _, err := ingest.Load(context.Background(), []string{testsupport.HampshireDir(t)},
		ingest.Options{Workers: workers, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// tileOf is the slippy-map tile holding lng, lat at zoom z.
func tileOf(lng, lat float64, z int) (x, y int) {
	n := math.Exp2(float64(z))
	r := lat * math.Pi / 180
	return int((lng + 180) / 360 * n), int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
}

// TestReplicasAgree loads the same files into two servers with different
// worker counts and asks both the same requests: a load balancer may send
// a client's requests to either, so versions, ETags and bytes must match or
// caches and conditional requests would see the data change under them.
func TestReplicasAgree(t *testing.T) {
	a, b := replica(t, 1), replica(t, 4)
	// The raw bytes, gzip included, not what the transport decodes.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}

	get := func(base, path string, gzip bool) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		return do(t, client, req)
	}

	// The versioned tile template of TileJSON, as a map page would use it.
	_, tj := get(a.URL, "/tiles.json", false)
	var meta struct {
		Tiles []string `json:"tiles"`
	}
	if err := json.Unmarshal(tj, &meta); err != nil || len(meta.Tiles) == 0 {
		t.Fatalf("tiles.json: %v %s", err, tj)
	}
	tmpl := meta.Tiles[0]
	if i := strings.Index(tmpl, "/tiles/"); i > 0 {
		tmpl = tmpl[i:]
	}

	paths := []string{"/tiles.json", "/tiles/hex.json", "/v1/meta",
		"/v1/counts?group_by=category,month",
		"/v1/counts?lat=50.9097&lng=-1.4044&radius_m=2000&group_by=category",
		"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=1609&limit=50",
		"/v1/crimes?bbox=-1.5,50.8,-1.0,51.0&limit=100&format=csv",
		"/v1/hex?res=7",
		"/v1/hex?res=9&lat=50.8198&lng=-1.0880&radius_m=3000&group_by=category",
		"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044",
		"/api/crimes-street/burglary?lat=50.8198&lng=-1.0880",
	}
	// Southampton, Portsmouth, Basingstoke and Winchester, from the whole
	// county down to single streets.
	for _, p := range [][2]float64{{-1.4044, 50.9097}, {-1.0880, 50.8198}, {-1.0875, 51.2665}, {-1.3103, 51.0632}} {
		for _, z := range []int{0, 5, 8, 10, 12, 14, 16} {
			x, y := tileOf(p[0], p[1], z)
			paths = append(paths, fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, x, y), fmt.Sprintf("/tiles/hex/%d/%d/%d.mvt", z, x, y))
			v := strings.NewReplacer("{z}", fmt.Sprint(z), "{x}", fmt.Sprint(x), "{y}", fmt.Sprint(y)).Replace(tmpl)
			paths = append(paths, v)
		}
	}

	nonEmpty, tagged := 0, 0
	for _, p := range paths {
		for _, gz := range []bool{false, true} {
			ra, ba := get(a.URL, p, gz)
			rb, bb := get(b.URL, p, gz)
			name := fmt.Sprintf("%s (gzip %v)", p, gz)
			if ra.StatusCode != rb.StatusCode {
				t.Errorf("%s: status %d and %d", name, ra.StatusCode, rb.StatusCode)
				continue
			}
			if ra.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d: %s", name, ra.StatusCode, ba)
				continue
			}
			if ea, eb := ra.Header.Get("ETag"), rb.Header.Get("ETag"); ea != eb {
				t.Errorf("%s: ETag %q and %q", name, ea, eb)
			} else if ea != "" {
				tagged++
			}
			if ca, cb := ra.Header.Get("Content-Encoding"), rb.Header.Get("Content-Encoding"); ca != cb {
				t.Errorf("%s: Content-Encoding %q and %q", name, ca, cb)
			}
			if !bytes.Equal(ba, bb) {
				t.Errorf("%s: bodies differ (%d and %d bytes)", name, len(ba), len(bb))
			}
			if len(ba) > 64 {
				nonEmpty++
			}
		}
	}
	// Agreeing on empty answers proves nothing.
	if nonEmpty < len(paths) || tagged < len(paths) {
		t.Errorf("of %d answers only %d hold data and %d an ETag", 2*len(paths), nonEmpty, tagged)
	}
	t.Logf("%d answers: %d with data, %d with an ETag", 2*len(paths), nonEmpty, tagged)
}
