package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/server"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// rawGet sends a GET without the transport's transparent gzip handling, so
// the test sees exactly what the server sent.
func rawGet(t *testing.T, ts *httptest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := mustRequest(t, http.MethodGet, ts.URL+path)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	return do(t, &http.Client{Transport: tr}, req)
}

// denseTile is the zoom-z tile of the dataset's busiest snap point, found
// with orb's tile maths.
func denseTile(ds *geo.Dataset, z int) maptile.Tile {
	best, most := geo.PointID(0), -1
	for p := 0; p < ds.NumPoints(); p++ {
		s, e := ds.PartCrimes(0, geo.PointID(p))
		if int(e-s) > most {
			best, most = geo.PointID(p), int(e-s)
		}
	}
	lon, lat := ds.PointLonLat(best)
	return maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
}

func TestTileHTTP(t *testing.T) {
	ds := dataset(t)
	ts := newServer(t)
	dense := denseTile(ds, 15)
	densePath := fmt.Sprintf("/tiles/15/%d/%d.mvt", dense.X, dense.Y)

	tests := []struct {
		name, path string
		header     []string
		status     int
		encoding   string
	}{
		{"plain", densePath, nil, http.StatusOK, ""},
		{"gzip", densePath, []string{"Accept-Encoding", "br, gzip"}, http.StatusOK, "gzip"},
		{"gzip refused", densePath, []string{"Accept-Encoding", "gzip;q=0"}, http.StatusOK, ""},
		{"world", "/tiles/0/0/0.mvt", nil, http.StatusOK, ""},
		{"empty", "/tiles/14/0/0.mvt", nil, http.StatusNoContent, ""},
		{"zoom too deep", "/tiles/19/0/0.mvt", nil, http.StatusBadRequest, ""},
		{"x out of range", "/tiles/2/4/0.mvt", nil, http.StatusBadRequest, ""},
		{"not a number", "/tiles/2/a/0.mvt", nil, http.StatusBadRequest, ""},
		{"leading zero", "/tiles/02/1/0.mvt", nil, http.StatusBadRequest, ""},
		{"bad month", "/tiles/0/0/0.mvt?from=2017-13", nil, http.StatusBadRequest, ""},
		{"bad category", "/tiles/0/0/0.mvt?category=nope", nil, http.StatusBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawGet(t, ts, tc.path, tc.header...)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: status %d, want %d (%s)", tc.path, resp.StatusCode, tc.status, body)
			}
			switch tc.status {
			case http.StatusBadRequest:
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
					t.Errorf("400 body %q is not a JSON error", body)
				}
				return
			case http.StatusNoContent:
				if len(body) != 0 {
					t.Errorf("204 with %d bytes", len(body))
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if tc.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
				t.Fatalf("tile does not decode to one non-empty layer: %v", err)
			}
			if resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("missing ETag or Vary: %v", resp.Header)
			}
		})
	}
}

func TestTileConditionalAndCaching(t *testing.T) {
	ds := dataset(t)
	ts := newServer(t)
	dense := denseTile(ds, 12)
	path := fmt.Sprintf("/tiles/12/%d/%d.mvt?category=burglary", dense.X, dense.Y)
	r1, b1 := rawGet(t, ts, path)
	r2, b2 := rawGet(t, ts, path)
	if r1.StatusCode != http.StatusOK || !bytes.Equal(b1, b2) || r1.Header.Get("ETag") != r2.Header.Get("ETag") {
		t.Fatalf("two fetches differ: %d, %d bytes vs %d, ETag %q vs %q", r1.StatusCode, len(b1), len(b2), r1.Header.Get("ETag"), r2.Header.Get("ETag"))
	}
	etag := r1.Header.Get("ETag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		r, b := rawGet(t, ts, path, "If-None-Match", inm)
		if r.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("If-None-Match %s: status %d with %d bytes, want 304", inm, r.StatusCode, len(b))
		}
	}
	gz, _ := rawGet(t, ts, path, "Accept-Encoding", "gzip")
	if g := gz.Header.Get("ETag"); g == etag || g == "" {
		t.Errorf("gzip ETag %q must differ from identity ETag %q", g, etag)
	}
	if r, _ := rawGet(t, ts, path, "If-None-Match", gz.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
		t.Errorf("the gzip ETag does not validate: %d", r.StatusCode)
	}
	if r, _ := rawGet(t, ts, path, "If-None-Match", `"nope"`); r.StatusCode != http.StatusOK {
		t.Errorf("a foreign ETag gave %d", r.StatusCode)
	}
	other, _ := rawGet(t, ts, fmt.Sprintf("/tiles/12/%d/%d.mvt?category=drugs", dense.X, dense.Y))
	if other.Header.Get("ETag") == etag {
		t.Errorf("different filters, same ETag")
	}
	cfg := server.DefaultConfig()
	if cc := r1.Header.Get("Cache-Control"); cc != cfg.CacheControl {
		t.Errorf("unversioned Cache-Control %q, want %q", cc, cfg.CacheControl)
	}
	rv, _ := rawGet(t, ts, path+"&v="+ds.Version())
	if cc := rv.Header.Get("Cache-Control"); cc != cfg.TileCacheControl || !strings.Contains(cc, "immutable") {
		t.Errorf("versioned Cache-Control %q, want %q", cc, cfg.TileCacheControl)
	}
}

func TestTileJSON(t *testing.T) {
	ds := dataset(t)
	ts := newServer(t)
	status, body := get(t, ts, "/tiles.json?from=2017-02&category=burglary,drugs")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var tj struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		Attribution  string    `json:"attribution"`
		Bounds       []float64 `json:"bounds"`
		Center       []float64 `json:"center"`
		MinZoom      *int      `json:"minzoom"`
		MaxZoom      *int      `json:"maxzoom"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(body, &tj); err != nil {
		t.Fatal(err)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.MinZoom == nil || tj.MaxZoom == nil || *tj.MaxZoom != 18 {
		t.Fatalf("not a TileJSON 3.0.0 document for z0-18: %s", body)
	}
	u := tj.Tiles[0]
	for _, want := range []string{"/tiles/{z}/{x}/{y}.mvt?", "v=" + ds.Version(), "from=2017-02", "category=burglary%2Cdrugs"} {
		if !strings.Contains(u, want) {
			t.Errorf("tile URL %q lacks %q", u, want)
		}
	}
	if !strings.HasPrefix(u, "/tiles/") {
		t.Errorf("tile URL %q not root-relative", u)
	}
	if tj.Attribution != "Contains public sector information licensed under the Open Government Licence v3.0." {
		t.Errorf("attribution %q", tj.Attribution)
	}
	b := ds.Bound()
	if len(tj.Bounds) != 4 || tj.Bounds[0] > b.Min[0]+1e-6 || tj.Bounds[2] < b.Max[0]-1e-6 || len(tj.Center) != 3 {
		t.Errorf("bounds %v centre %v for data in %v", tj.Bounds, tj.Center, b)
	}
	layers := map[string]map[string]string{}
	for _, l := range tj.VectorLayers {
		layers[l.ID] = l.Fields
	}
	for layer, fields := range map[string][]string{
		"crimes":   {"location_id", "street", "count", "burglary"},
		"clusters": {"cluster_id", "point_count", "point_count_abbreviated", "burglary"},
	} {
		for _, f := range fields {
			if _, ok := layers[layer][f]; !ok {
				t.Errorf("layer %q lacks field %q", layer, f)
			}
		}
	}
	// Following the template must give a tile.
	tile := strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(u)
	if r, _ := rawGet(t, ts, tile); r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", tile, r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if status, _ := get(t, ts, "/tiles.json?to=2017-99"); status != http.StatusBadRequest {
		t.Errorf("bad filter gave %d", status)
	}
}

// TestClusterEndpoints takes every cluster of a zoom-9 tile and checks that
// its leaves add up to its point_count, counted from the leaves' own
// crimes, and that the expansion zoom is a zoom where it has split.
func TestClusterEndpoints(t *testing.T) {
	ds := dataset(t)
	ts := newServer(t)
	dense := denseTile(ds, 9)
	resp, body := rawGet(t, ts, fmt.Sprintf("/tiles/9/%d/%d.mvt?category=shoplifting", dense.X, dense.Y))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := ds.Categories().BySlug("shoplifting")
	checked := 0
	for _, ft := range layers[0].Features {
		id := int64(ft.Properties["cluster_id"].(float64))
		want := int(ft.Properties["point_count"].(float64))
		status, lb := get(t, ts, fmt.Sprintf("/v1/clusters/%d/leaves?category=shoplifting&limit=10000", id))
		if status != http.StatusOK {
			t.Fatalf("leaves of %d: %d %s", id, status, lb)
		}
		var fc struct {
			Total    int `json:"total"`
			Features []struct {
				Properties struct {
					LocationID int64 `json:"location_id"`
					Count      int   `json:"count"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(lb, &fc); err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, l := range fc.Features {
			n := 0
			p, ok := ds.PointByLocationID(l.Properties.LocationID)
			if !ok {
				t.Fatalf("leaf location_id %d: no such point", l.Properties.LocationID)
			}
			s, e := ds.PartCrimes(0, p)
			for c := s; c < e; c++ {
				if int(ds.Category(c)) == shop {
					n++
				}
			}
			if n != l.Properties.Count || n == 0 {
				t.Errorf("leaf %d count %d, its crimes say %d", l.Properties.LocationID, l.Properties.Count, n)
			}
			got += n
		}
		if got != want || fc.Total != len(fc.Features) {
			t.Errorf("cluster %d: leaves hold %d crimes (total %d, %d listed), point_count %d", id, got, fc.Total, len(fc.Features), want)
		}
		status, eb := get(t, ts, fmt.Sprintf("/v1/clusters/%d/expansion-zoom?category=shoplifting", id))
		var ez struct {
			Zoom int `json:"expansion_zoom"`
		}
		if status != http.StatusOK || json.Unmarshal(eb, &ez) != nil || ez.Zoom <= 9 || ez.Zoom > 14 {
			t.Errorf("expansion zoom of %d: %d %s", id, status, eb)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no clusters checked")
	}
	for _, path := range []string{"/v1/clusters/999999999/leaves", "/v1/clusters/x/expansion-zoom"} {
		if status, _ := get(t, ts, path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}
