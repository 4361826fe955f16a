package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
	"crimemap/server"
)

// twoForces is Hampshire's February 2017 at Southampton and a later,
// larger month of the City of London, which sets the dataset's latest
// month.
func twoForces(t *testing.T) *httptest.Server {
	t.Helper()
	batch := func(force, name string, m geo.Month, lon, lat float64, n int) *geo.StreetBatch {
		sb := geo.NewStreetBatch(geo.Unit{Force: force, Month: m}, 0, "test")
		for range n {
			sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: lon, Lat: lat, FallsWithin: []byte(name),
				Location: []byte("On or near Above Bar Street"), LSOAName: []byte("Southampton 032A"), CrimeType: []byte("Burglary")})
		}
		return sb
	}
	ds := datasets.Build(t,
		batch("hampshire", "Hampshire Constabulary", geo.MakeMonth(2017, 2), -1.4044, 50.9097, 100),
		batch("city-of-london", "City of London Police", geo.MakeMonth(2017, 5), -0.09, 51.515, 200))
	s := server.New(server.DefaultConfig(), server.Deps{})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func TestEmbedWithoutMonthUsesThePointsForce(t *testing.T) {
	ts := twoForces(t)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"southampton counts hampshire's latest month", "lat=50.9097&lng=-1.4044",
			[]string{"100 crimes in", `datetime="2017-02"`, "Hampshire Constabulary&#39;s data"}},
		{"london counts its own month", "lat=51.515&lng=-0.09",
			[]string{"200 crimes in", `datetime="2017-05"`}},
		{"a month asked for is kept", "lat=50.9097&lng=-1.4044&from=2017-05&to=2017-05",
			[]string{"0 crimes in", `datetime="2017-05"`}},
		{"no data near says so", "lat=57.48&lng=-4.22",
			[]string{"No crimes recorded near here", "no crimes within 10 km"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, ts, "/embed?"+tc.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("embed lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestMetaDefaultView(t *testing.T) {
	ts := twoForces(t)
	_, body := fetch(t, ts, "/v1/meta")
	var m struct {
		From   string     `json:"default_from"`
		To     string     `json:"default_to"`
		Bounds [4]float64 `json:"data_bounds"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	// Two forces: one covering May is half of them, which is most.
	if m.From != "2017-02" || m.To != "2017-05" {
		t.Errorf("default months %s..%s, want 2017-02..2017-05", m.From, m.To)
	}
	if m.Bounds[0] > -1.40 || m.Bounds[2] < -0.09 {
		t.Errorf("data bounds %v miss the crimes", m.Bounds)
	}
}

// tileLayers fetches a tile and decodes it.
func tileLayers(t *testing.T, ts *httptest.Server, path string) mvt.Layers {
	t.Helper()
	resp, body := fetch(t, ts, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	ls, err := mvt.Unmarshal([]byte(body))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return ls
}

func TestBasemapTiles(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	soton := orb.Point{-1.4044, 50.9097}
	at := func(z maptile.Zoom) maptile.Tile { return maptile.At(soton, z) }
	tilePath := func(layer string, tl maptile.Tile) string {
		return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, tl.Z, tl.X, tl.Y)
	}

	for _, z := range []maptile.Zoom{0, 5, 9, 12} {
		ls := tileLayers(t, ts, tilePath("land", at(z)))
		if len(ls) != 1 || ls[0].Name != "land" || len(ls[0].Features) == 0 {
			t.Errorf("land tile at z%d: %d layers", z, len(ls))
		}
	}
	// Mid-Atlantic: sea, an empty tile.
	if resp, _ := fetch(t, ts, "/tiles/land/6/20/20.mvt"); resp.StatusCode != http.StatusNoContent {
		t.Errorf("a tile of open sea answered %d, want 204", resp.StatusCode)
	}

	names := func(path string) []string {
		var out []string
		for _, l := range tileLayers(t, ts, path) {
			for _, f := range l.Features {
				out = append(out, f.Properties.MustString("name"))
			}
		}
		return out
	}
	if got := names(tilePath("labels", at(8))); !slices.Contains(got, "Southampton") {
		t.Errorf("labels at z8 name %v, not Southampton", got)
	}
	streets := names(tilePath("labels", at(16)))
	if len(streets) < 3 || !slices.Contains(streets, "Civic Centre Road") {
		t.Errorf("street labels at z16 are %v", streets)
	}
	for _, s := range streets {
		if strings.HasPrefix(s, "On or near") {
			t.Errorf("street label %q keeps the prefix", s)
		}
	}
}

func TestGlyphs(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	tests := []struct {
		path   string
		status int
	}{
		{"/fonts/Noto%20Sans%20Regular/0-255.pbf", http.StatusOK},
		{"/fonts/Noto%20Sans%20Regular/256-511.pbf", http.StatusOK},
		// MapLibre's default font for a layer naming none gets ours.
		{"/fonts/Open%20Sans%20Regular,Arial%20Unicode%20MS%20Regular/0-255.pbf", http.StatusOK},
		{"/fonts/Noto%20Sans%20Regular/1-256.pbf", http.StatusNotFound},
		{"/fonts/Noto%20Sans%20Regular/65536-65791.pbf", http.StatusNotFound},
	}
	for _, tc := range tests {
		resp, body := fetch(t, ts, tc.path)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.status == http.StatusOK && strings.HasSuffix(tc.path, "0-255.pbf") && len(body) < 10000 {
			t.Errorf("GET %s: %d bytes", tc.path, len(body))
		}
	}
}
