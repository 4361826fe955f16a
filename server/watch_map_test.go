package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/server"
	"crimemap/store/sqlite"
	"crimemap/watch"
)

func TestWatchSchemesGeoJSON(t *testing.T) {
	f := newWatchFixture(t)
	ctx := context.Background()
	// A polygon scheme too, drawn off the grid.
	poly, err := f.st.CreateScheme(ctx, watch.Scheme{Name: "Mill Lane Watch", Force: "kent", Status: watch.SchemeActive,
		Area: watch.Area{Polygon: orb.MultiPolygon{{{{0.5301, 51.2701}, {0.5399, 51.2701}, {0.5399, 51.2799}, {0.5301, 51.2701}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := wfetch(t, browser(t), "GET", f.ts.URL+"/v1/watch/schemes?bbox=0.5,51.2,0.6,51.3&format=geojson", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var fc struct {
		Type     string
		Features []struct {
			ID       int64
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(body), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2 {
		t.Fatalf("want the two active schemes: %s", body)
	}
	for _, ft := range fc.Features {
		p := ft.Properties
		if p["url"] != "/watch/schemes/"+itoa(ft.ID) || p["name"] == "" {
			t.Errorf("feature %d: %+v", ft.ID, ft)
		}
		switch ft.ID {
		case f.active.ID: // a circle of radius 200 m about (0.52, 51.27)
			var rings [][][2]float64
			if err := json.Unmarshal(ft.Geometry.Coordinates, &rings); err != nil || ft.Geometry.Type != "Polygon" {
				t.Fatalf("circle: %s %s", ft.Geometry.Type, ft.Geometry.Coordinates)
			}
			if ring := rings[0]; p["shape"] != "circle" || p["radius_m"] != 200.0 || len(ring) != 65 || ring[0] != ring[64] {
				t.Errorf("circle: %v, %d vertices", p, len(ring))
			}
		case poly.ID:
			var polys [][][][2]float64
			if err := json.Unmarshal(ft.Geometry.Coordinates, &polys); err != nil || ft.Geometry.Type != "MultiPolygon" {
				t.Fatalf("polygon: %s %s", ft.Geometry.Type, ft.Geometry.Coordinates)
			}
			ring := polys[0][0]
			want := [][2]float64{{0.53, 51.27}, {0.54, 51.27}, {0.54, 51.28}, {0.53, 51.27}}
			if p["shape"] != "polygon" || len(ring) != len(want) {
				t.Fatalf("polygon: %v %v", p, ring)
			}
			for i := range want {
				if ring[i] != want[i] {
					t.Errorf("vertex %d: %v, want it on the grid at %v", i, ring[i], want[i])
				}
			}
		}
	}
	for _, leak := range []string{"coord@example.org", "Hidden Close", "coordinators", "0.5301"} {
		if strings.Contains(body, leak) {
			t.Errorf("leaks %q: %s", leak, body)
		}
	}
	if resp, _ := wfetch(t, browser(t), "GET", f.ts.URL+"/v1/watch/schemes?bbox=0.5,51.2,0.6,51.3&format=kml", nil); resp.StatusCode != 400 {
		t.Errorf("format=kml: %d, want 400", resp.StatusCode)
	}
}

// A scheme centred on a coordinator's house is shown, searched and
// measured only by its rounded area.
func TestWatchSchemesPublicArea(t *testing.T) {
	f := newWatchFixture(t)
	ctx := context.Background()
	home := orb.Point{0.61237, 51.31418}
	sc, err := f.st.CreateScheme(ctx, watch.Scheme{Name: "Home Watch", Force: "kent", Status: watch.SchemeActive,
		Area: watch.Area{Centre: home, RadiusM: 150}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"lat=51.3&lng=0.6", "bbox=0.6,51.3,0.62,51.32"} {
		_, body := wfetch(t, browser(t), "GET", f.ts.URL+"/v1/watch/schemes?"+q, nil)
		var got struct {
			Schemes []struct {
				ID        int64
				Centre    struct{ Lat, Lng float64 }
				RadiusM   float64  `json:"radius_m"`
				DistanceM *float64 `json:"distance_m"`
			}
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range got.Schemes {
			if s.ID != sc.ID {
				continue
			}
			found = true
			if s.Centre.Lat != 51.314 || s.Centre.Lng != 0.612 || s.RadiusM != 200 {
				t.Errorf("%s: centre %v radius %v, want (51.314, 0.612) 200", q, s.Centre, s.RadiusM)
			}
			public := watch.Area{Centre: orb.Point{0.612, 51.314}, RadiusM: 200}
			if s.DistanceM != nil && *s.DistanceM != public.DistanceM(orb.Point{0.6, 51.3}) {
				t.Errorf("%s: distance %v measured from the true area", q, *s.DistanceM)
			}
		}
		if !found || strings.Contains(body, "0.61237") || strings.Contains(body, "51.31418") {
			t.Errorf("%s: %s", q, body)
		}
	}
}

// listFails is a store whose scheme list is down.
type listFails struct{ watch.Store }

func (listFails) ListSchemes(context.Context, watch.SchemeFilter) ([]watch.Scheme, error) {
	return nil, errors.New("database is locked")
}

func TestNeighbourhoodPageSchemes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// SO14's boundary is the box -1.415..-1.39, 50.895..50.912.
	for _, sc := range []watch.Scheme{
		{Name: "Bargate Watch", Area: watch.Area{Centre: orb.Point{-1.404, 50.903}, RadiusM: 200}},
		{Name: "Named Watch", Area: watch.Area{Centre: orb.Point{-1.30, 50.95}, RadiusM: 100, Neighbourhood: "SO14"}},
		{Name: "Near <b>Watch</b>", Area: watch.Area{Centre: orb.Point{-1.380, 50.903}, RadiusM: 100}},
		{Name: "Far Watch", Area: watch.Area{Centre: orb.Point{-1.30, 50.903}, RadiusM: 100}},
		{Name: "Pending Watch", Area: watch.Area{Centre: orb.Point{-1.404, 50.904}, RadiusM: 100}, Status: watch.SchemePending},
		{Name: "Other Force Watch", Force: "kent", Area: watch.Area{Centre: orb.Point{0.5, 51.2}, RadiusM: 100, Neighbourhood: "SO14"}},
	} {
		sc.Force = cmpOr(sc.Force, "hampshire")
		sc.Status = watch.SchemeStatus(cmpOr(string(sc.Status), string(watch.SchemeActive)))
		if _, err := st.CreateScheme(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	teams, _, err := neighbourhood.LoadDir(ctx, teamDir)
	if err != nil {
		t.Fatal(err)
	}
	loc, _, err := locate.Build(teams, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := func(store watch.Store) string {
		s := server.New(server.DefaultConfig(), server.Deps{Neighbourhoods: teams, Locator: loc, Watch: store})
		s.SetDataset(dataset(t))
		ts := httptest.NewServer(s)
		defer ts.Close()
		status, body := get(t, ts, "/neighbourhoods/hampshire/SO14")
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		return string(body)
	}
	body := page(st)
	section := body[strings.Index(body, `id="watch"`):]
	section = section[:strings.Index(section, "</section>")]
	var names []string
	for _, part := range strings.Split(section, `<a href="/watch/schemes/`)[1:] {
		names = append(names, part[strings.Index(part, ">")+1:strings.Index(part, "</a>")])
	}
	want := []string{"Bargate Watch", "Named Watch", "Near &lt;b&gt;Watch&lt;/b&gt;"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("schemes %q, want %q", names, want)
	}
	// Near Watch's edge is 600 m from the boundary, its public one (moved
	// 111 m north onto the grid, the radius grown to 300 m) 400 m.
	for _, w := range []string{"In this neighbourhood", "About 400 m outside it", `<a href="/watch">`} {
		if !strings.Contains(section, w) {
			t.Errorf("the list lacks %q: %s", w, section)
		}
	}
	// The page stands without its list when the store fails, and without
	// a store there is no list.
	for _, store := range []watch.Store{listFails{st}, nil} {
		if body := page(store); strings.Contains(body, `id="watch"`) || !strings.Contains(body, "Southampton City Centre") {
			t.Errorf("store %T: %.300s", store, body)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
