package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/boundary"
	"crimemap/server"
)

// cityKML is a neighbourhood-style boundary over the bundled Hampshire
// month: Southampton with a hole, and Portsmouth. It is written in the
// data.police.uk layout, <force>/<neighbourhood>.kml, so its id has a slash.
const cityKML = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark><name>Two cities</name><MultiGeometry>
<Polygon>
  <outerBoundaryIs><LinearRing><coordinates>-1.45,50.88,0 -1.35,50.88,0 -1.35,50.95,0 -1.45,50.95,0 -1.45,50.88,0</coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>-1.41,50.90,0 -1.39,50.90,0 -1.39,50.91,0 -1.41,50.91,0 -1.41,50.90,0</coordinates></LinearRing></innerBoundaryIs>
</Polygon>
<Polygon><outerBoundaryIs><LinearRing><coordinates>-1.10,50.78,0 -1.05,50.78,0 -1.05,50.82,0 -1.10,50.82,0 -1.10,50.78,0</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark></Document></kml>`

// cityGeoJSON is the same area written by hand as GeoJSON, for the POST
// body path.
const cityGeoJSON = `{"type":"MultiPolygon","coordinates":[
 [[[-1.45,50.88],[-1.35,50.88],[-1.35,50.95],[-1.45,50.95],[-1.45,50.88]],
  [[-1.41,50.90],[-1.41,50.91],[-1.39,50.91],[-1.39,50.90],[-1.41,50.90]]],
 [[[-1.10,50.78],[-1.05,50.78],[-1.05,50.82],[-1.10,50.82],[-1.10,50.78]]]]}`

func newBoundaryServer(t testing.TB) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "hampshire", "two-cities.kml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(cityKML), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := boundary.Load(dir, "../testdata/boundaries/south-wales.kml")
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Boundaries: set})
	s.SetDataset(dataset(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// getJSON GETs path and decodes a 200 answer.
func getJSON[T any](t testing.TB, ts *httptest.Server, path string) T {
	t.Helper()
	status, body := get(t, ts, path)
	var v T
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

type countsJSON struct {
	Total      int `json:"total"`
	ByCategory []struct {
		Category string `json:"category"`
		Count    int    `json:"count"`
	} `json:"by_category"`
}

func TestBoundaryList(t *testing.T) {
	ts := newBoundaryServer(t)
	list := getJSON[struct {
		Boundaries []struct {
			ID       string     `json:"id"`
			Name     string     `json:"name"`
			BBox     [4]float64 `json:"bbox"`
			Vertices int        `json:"vertices"`
		} `json:"boundaries"`
	}](t, ts, "/v1/boundaries")
	bs := list.Boundaries
	if len(bs) != 2 || bs[0].ID != "hampshire/two-cities" || bs[1].ID != "south-wales" {
		t.Fatalf("boundaries %+v", bs)
	}
	if bs[0].Name != "Two cities" || bs[0].BBox != [4]float64{-1.45, 50.78, -1.05, 50.95} || bs[0].Vertices != 15 {
		t.Errorf("two-cities listed as %+v", bs[0])
	}
	if bs[1].Name != "South Wales Police" || bs[1].Vertices != 26503 {
		t.Errorf("south-wales listed as %+v", bs[1])
	}

	// Without --boundaries the list is empty, not missing.
	status, body := get(t, newServer(t), "/v1/boundaries")
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"boundaries":[]}` {
		t.Errorf("no boundaries: %d %s", status, body)
	}
}

func TestBoundaryFeature(t *testing.T) {
	ts := newBoundaryServer(t)
	type feature struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Properties struct {
			Name     string `json:"name"`
			Detail   string `json:"detail"`
			Vertices int    `json:"vertices"`
		} `json:"properties"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	simple := getJSON[feature](t, ts, "/v1/boundaries/south-wales")
	full := getJSON[feature](t, ts, "/v1/boundaries/south-wales?detail=full")
	count := func(f feature) int {
		n := 0
		for _, p := range f.Geometry.Coordinates {
			for _, r := range p {
				n += len(r)
			}
		}
		return n
	}
	if full.Type != "Feature" || full.ID != "south-wales" || full.Geometry.Type != "MultiPolygon" || count(full) != 26503 || full.Properties.Detail != "full" {
		t.Errorf("full: %s %s %s, %d vertices, detail %q", full.Type, full.ID, full.Geometry.Type, count(full), full.Properties.Detail)
	}
	if n := count(simple); n < 1000 || n > 5000 || n != simple.Properties.Vertices || simple.Properties.Detail != "simplified" {
		t.Errorf("simplified: %d vertices (property %d), detail %q", n, simple.Properties.Vertices, simple.Properties.Detail)
	}
	slash := getJSON[feature](t, ts, "/v1/boundaries/hampshire/two-cities")
	if slash.ID != "hampshire/two-cities" || len(slash.Geometry.Coordinates) != 2 || len(slash.Geometry.Coordinates[0]) != 2 {
		t.Errorf("two-cities: id %q, %d polygons", slash.ID, len(slash.Geometry.Coordinates))
	}

	for _, tt := range []struct {
		path   string
		status int
		naming string
	}{
		{"/v1/boundaries/gwent", http.StatusNotFound, "gwent"},
		{"/v1/boundaries/hampshire/nowhere", http.StatusNotFound, "hampshire/nowhere"},
		{"/v1/boundaries/south-wales?detail=most", http.StatusBadRequest, "detail"},
	} {
		status, body := get(t, ts, tt.path)
		if status != tt.status || !strings.Contains(string(body), tt.naming) {
			t.Errorf("%s: %d %s, want %d naming %s", tt.path, status, body, tt.status, tt.naming)
		}
	}
}

// TestBoundaryArea checks boundary=ID against the same polygon POSTed as
// GeoJSON, and against bbox counts: the outer box, less its hole, plus the
// second polygon (every side is axis-aligned, so boxes are exact).
func TestBoundaryArea(t *testing.T) {
	ts := newBoundaryServer(t)
	id := url.QueryEscape("hampshire/two-cities")
	byID := getJSON[countsJSON](t, ts, "/v1/counts?group_by=category&boundary="+id)

	resp, err := http.Post(ts.URL+"/v1/counts?group_by=category", "application/geo+json", strings.NewReader(cityGeoJSON))
	if err != nil {
		t.Fatal(err)
	}
	var posted countsJSON
	if err := json.NewDecoder(resp.Body).Decode(&posted); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: status %d", resp.StatusCode)
	}
	whole := getJSON[countsJSON](t, ts, "/v1/counts")
	if byID.Total == 0 || byID.Total >= whole.Total {
		t.Fatalf("boundary holds %d of %d crimes; want some, not all", byID.Total, whole.Total)
	}
	if byID.Total != posted.Total || len(byID.ByCategory) != len(posted.ByCategory) {
		t.Fatalf("boundary=: %+v\nGeoJSON body: %+v", byID, posted)
	}
	for i := range byID.ByCategory {
		if byID.ByCategory[i] != posted.ByCategory[i] {
			t.Errorf("category %d: boundary= %+v, GeoJSON %+v", i, byID.ByCategory[i], posted.ByCategory[i])
		}
	}
	box := func(b string) int {
		return getJSON[countsJSON](t, ts, "/v1/counts?bbox="+b).Total
	}
	if want := box("-1.45,50.88,-1.35,50.95") - box("-1.41,50.90,-1.39,50.91") + box("-1.10,50.78,-1.05,50.82"); byID.Total != want {
		t.Errorf("boundary= total %d, boxes %d", byID.Total, want)
	}

	// The other area endpoints take it too.
	crimes := getJSON[struct {
		Features []json.RawMessage `json:"features"`
	}](t, ts, "/v1/crimes?limit=10000&boundary="+id)
	if len(crimes.Features) != byID.Total {
		t.Errorf("/v1/crimes: %d features, counts %d", len(crimes.Features), byID.Total)
	}
	hex := getJSON[struct {
		Features []struct {
			Properties struct {
				Count int `json:"count"`
			} `json:"properties"`
		} `json:"features"`
	}](t, ts, "/v1/hex?res=8&boundary="+id)
	n := 0
	for _, f := range hex.Features {
		n += f.Properties.Count
	}
	if n != byID.Total {
		t.Errorf("/v1/hex: %d crimes, counts %d", n, byID.Total)
	}
	if status, body := get(t, ts, "/v1/hotspots?res=8&boundary="+id); status != http.StatusOK {
		t.Errorf("/v1/hotspots: %d %s", status, body)
	}
	// South Wales holds none of Hampshire's crimes.
	if sw := getJSON[countsJSON](t, ts, "/v1/counts?boundary=south-wales"); sw.Total != 0 {
		t.Errorf("south-wales holds %d Hampshire crimes", sw.Total)
	}
}

func TestBoundaryParamErrors(t *testing.T) {
	ts := newBoundaryServer(t)
	plain := newServer(t)
	for _, tt := range []struct {
		ts     *httptest.Server
		path   string
		naming string
	}{
		{ts, "/v1/counts?boundary=gwent", `parameter \"boundary\"`},
		{ts, "/v1/crimes?boundary=gwent", `parameter \"boundary\"`},
		{ts, "/v1/hex?res=7&boundary=hampshire", `parameter \"boundary\"`},
		{ts, "/v1/counts?boundary=south-wales&bbox=-1,50,0,51", `parameter \"area\"`},
		{plain, "/v1/counts?boundary=south-wales", `parameter \"boundary\"`},
	} {
		status, body := get(t, tt.ts, tt.path)
		if status != http.StatusBadRequest || !strings.Contains(string(body), tt.naming) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.path, status, body, tt.naming)
		}
	}
}
