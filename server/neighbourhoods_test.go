package server_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/internal/testsupport"
	"crimemap/neighbourhood"
)

const teamDir = "../neighbourhood/testdata/api"

// portswoodKML is a neighbourhood boundary with no boundary.json: north of
// the SO14 team data's box, with a hole.
const portswoodKML = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark><name>Portswood</name><Polygon>
<outerBoundaryIs><LinearRing><coordinates>-1.42,50.92 -1.38,50.92 -1.38,50.95 -1.42,50.95 -1.42,50.92</coordinates></LinearRing></outerBoundaryIs>
<innerBoundaryIs><LinearRing><coordinates>-1.41,50.93 -1.40,50.93 -1.40,50.94 -1.41,50.94 -1.41,50.93</coordinates></LinearRing></innerBoundaryIs>
</Polygon></Placemark></Document></kml>`

// newTeamServer serves the Hampshire month with the team data fixtures, the
// postcode sample and boundaries from both sources.
func newTeamServer(t testing.TB) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	teams, _, err := neighbourhood.LoadDir(ctx, teamDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kml := filepath.Join(dir, "hampshire", "SO17.kml")
	if err := os.MkdirAll(filepath.Dir(kml), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kml, []byte(portswoodKML), 0o644); err != nil {
		t.Fatal(err)
	}
	kmls, err := boundary.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := serveTeams(t, teams, kmls, false)
	return ts
}

// TestNeighbourhoodAPIMatchesFixtures fetches every file of the team data
// folder from its API path and compares the JSON values.
func TestNeighbourhoodAPIMatchesFixtures(t *testing.T) {
	ts := newTeamServer(t)
	n := 0
	err := filepath.WalkDir(teamDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(teamDir, p)
		rel = filepath.ToSlash(rel)
		if rel == "forces.json" {
			return nil // /api/forces lists the dataset's forces
		}
		// File names are the ids path-escaped, as a URL carries them.
		path := "/api/" + strings.TrimSuffix(rel, ".json")
		status, body := get(t, ts, path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, status, body)
			return nil
		}
		var got any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		want := readJSON(t, p)
		if strings.HasSuffix(rel, "/neighbourhoods.json") {
			// The list goes on with the neighbourhoods that have a detail
			// file but are not listed (the package's rule).
			got = unlistedLeftOut(t, got, want, filepath.Dir(p))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s:\n got %s\nwant %s", path, body, mustJSON(t, want))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d fixtures compared", n)
	}
}

// TestNeighbourhoodShapesMatchDataPoliceUK compares the keys and types of
// our answers with data.police.uk's saved responses.
func TestNeighbourhoodShapesMatchDataPoliceUK(t *testing.T) {
	ts := newTeamServer(t)
	fixtures := testsupport.Shared(t, "api-json-fixtures", "policeuk-net")
	for _, tc := range []struct{ path, fixture string }{
		{"/api/hampshire/neighbourhoods", "Neighbourhoods.Multiple.json"},
		{"/api/hampshire/SO14/boundary", "NeighbourhoodBoundary.Multiple.json"},
		{"/api/locate-neighbourhood?q=50.90,-1.40", "LocateNeighbourhood.json"},
	} {
		_, body := get(t, ts, tc.path)
		var got any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		want := shapesOf(readJSON(t, filepath.Join(fixtures, tc.fixture)))
		for s := range shapesOf(got) {
			if !want[s] {
				t.Errorf("GET %s: shape %s not among the fixture's %v", tc.path, s, want)
			}
		}
	}
}

func TestNeighbourhoodAPIStatuses(t *testing.T) {
	ts := newTeamServer(t)
	bare := newServer(t) // no team data at all
	tests := []struct {
		ts     *httptest.Server
		method string
		path   string
		status int
		body   string // a part of the body
	}{
		{ts, "GET", "/api/hampshire/Bargate%20Ward/people", 200, `"name"`},
		{ts, "GET", "/api/hampshire/Bargate%20Ward", 200, `"id":"Bargate Ward"`},
		{ts, "GET", "/api/hampshire/SO17", 404, `"error":"force \"hampshire\" neighbourhood \"SO17\": no detail for neighbourhood"`},
		{ts, "GET", "/api/hampshire/SO17/people", 200, `[]`},
		{ts, "GET", "/api/hampshire/NOPE", 404, `no such neighbourhood`},
		{ts, "GET", "/api/hampshire/NOPE/events", 404, `no such neighbourhood`},
		{ts, "GET", "/api/nowhere/neighbourhoods", 404, `no such force`},
		{ts, "GET", "/api/forces/hampshire", 200, `"id":"hampshire"`},
		{ts, "GET", "/api/forces/nowhere", 404, `no such force`},
		{ts, "GET", "/api/forces/hampshire/people", 200, `[]`},
		{ts, "GET", "/api/forces/nowhere/people", 404, `no such force`},
		{ts, "POST", "/api/hampshire/SO14", 405, `method not allowed`},
		{ts, "GET", "/api/hampshire/SO14/nothing", 404, `no such endpoint`},
		{bare, "GET", "/api/hampshire/neighbourhoods", 404, `no such force`},
		{bare, "GET", "/api/locate-neighbourhood?q=50.9,-1.4", 404, `no neighbourhood holds this point`},
	}
	for _, tc := range tests {
		resp, body := do(t, http.DefaultClient, mustRequest(t, tc.method, tc.ts.URL+tc.path))
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("%s %s: %d %s, want %d with %s", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
	}
}

// TestExistingAPIRoutesNotShadowed asks every route that was there before
// the {force}/{id} routes and checks it still answers itself.
func TestExistingAPIRoutesNotShadowed(t *testing.T) {
	ts := newTeamServer(t)
	ds := dataset(t)
	var withID string
	for c := 0; c < ds.Len() && withID == ""; c++ {
		withID = ds.PersistentID(geo.CrimeID(c))
	}
	for _, path := range []string{
		"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044",
		"/api/crimes-street/burglary?lat=50.9097&lng=-1.4044",
		"/api/crimes-at-location?lat=50.9097&lng=-1.4044",
		"/api/crimes-no-location?force=hampshire",
		"/api/crime-categories",
		"/api/crimes-street-dates",
		"/api/crime-last-updated",
		"/api/forces",
		"/api/outcomes-for-crime/" + withID,
		"/api/outcomes-at-location?lat=50.9097&lng=-1.4044",
	} {
		status, body := get(t, ts, path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
}

func TestLocateNeighbourhood(t *testing.T) {
	ts := newTeamServer(t)
	tests := []struct {
		q      string
		status int
		body   string
	}{
		{"50.90,-1.40", 200, `{"force":"hampshire","neighbourhood":"SO14"}`},
		{"50.912,-1.40", 200, `{"force":"hampshire","neighbourhood":"SO14"}`},                  // on the edge
		{"50.925,-1.39", 200, `{"force":"hampshire","neighbourhood":"SO17"}`},                  // KML only
		{"50.935,-1.405", 404, `{"error":"50.935,-1.405: no neighbourhood holds this point"}`}, // in SO17's hole
		{"51.5,-0.1", 404, `no neighbourhood holds this point`},
		{"", 400, `parameter \"q\"`},
		{"50.9", 400, `parameter \"q\"`},
		{"91,0", 400, `parameter \"q\"`},
		{"NaN,0", 400, `parameter \"q\"`},
	}
	for _, tc := range tests {
		status, body := get(t, ts, "/api/locate-neighbourhood?q="+tc.q)
		if status != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("q=%s: %d %s, want %d with %s", tc.q, status, body, tc.status, tc.body)
		}
	}
}

type locateJSON struct {
	Q     string `json:"q"`
	Match string `json:"match"`
	Point *struct {
		Lat, Lng float64
	} `json:"point"`
	Force         *string `json:"force"`
	Neighbourhood *struct {
		ID, Name string
	} `json:"neighbourhood"`
	LSOA     *string `json:"lsoa"`
	Postcode *struct {
		Postcode        string `json:"postcode"`
		Terminated      bool   `json:"terminated"`
		TerminatedMonth string `json:"terminated_month"`
	} `json:"postcode"`
	Street     string `json:"street"`
	Ambiguous  bool   `json:"ambiguous"`
	Candidates []struct {
		Street        string `json:"street"`
		Neighbourhood *struct{ ID string }
	} `json:"candidates"`
}

func TestLocate(t *testing.T) {
	ts := newTeamServer(t)
	str := func(s string) *string { return &s }
	tests := []struct {
		q                 string
		match             string
		force, hood       *string
		lsoa              *string
		terminated        string
		street            string
		ambiguous         bool
		noPoint           bool
		candidatesAtLeast int
	}{
		{q: "SO14 7LY", match: "postcode", force: str("hampshire"), hood: str("SO14"), lsoa: str("E01017140")},
		{q: "so147ly", match: "postcode", force: str("hampshire"), hood: str("SO14"), lsoa: str("E01017140")},
		{q: "SO14 9ZZ", match: "postcode", force: str("hampshire"), hood: str("SO14"), lsoa: str("E01017140"), terminated: "1989-12"},
		{q: "SO14 9ZY", match: "postcode", lsoa: str("E01017140"), terminated: "1994-02", noPoint: true},
		{q: "PO1 2EE", match: "postcode", lsoa: str("E01017043")}, // lsoa11, no lsoa21
		{q: "50.925, -1.39", match: "latlng", force: str("hampshire"), hood: str("SO17")},
		{q: "51.5,-0.1", match: "latlng"},
		{q: "Compton Walk", match: "street", force: str("hampshire"), hood: str("SO14"), street: "On or near Compton Walk"},
		{q: "on or near compton walk", match: "street", force: str("hampshire"), hood: str("SO14"), street: "On or near Compton Walk"},
		{q: "High Street", match: "street", ambiguous: true, noPoint: true, candidatesAtLeast: 2},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			got := getJSON[locateJSON](t, ts, "/v1/locate?q="+url.QueryEscape(tc.q))
			if got.Match != tc.match || !reflect.DeepEqual(got.Force, tc.force) || !reflect.DeepEqual(got.LSOA, tc.lsoa) ||
				got.Street != tc.street || got.Ambiguous != tc.ambiguous || (got.Point == nil) != tc.noPoint {
				t.Errorf("got %+v", got)
			}
			if id := ""; got.Neighbourhood != nil || tc.hood != nil {
				if got.Neighbourhood != nil {
					id = got.Neighbourhood.ID
				}
				if tc.hood == nil || id != *tc.hood {
					t.Errorf("neighbourhood %q, want %v", id, tc.hood)
				}
			}
			if tc.terminated != "" && (got.Postcode == nil || !got.Postcode.Terminated || got.Postcode.TerminatedMonth != tc.terminated) {
				t.Errorf("postcode %+v, want terminated %s", got.Postcode, tc.terminated)
			}
			if len(got.Candidates) < tc.candidatesAtLeast {
				t.Errorf("%d candidates, want at least %d", len(got.Candidates), tc.candidatesAtLeast)
			}
		})
	}
	// The neighbourhood's name comes from the team data.
	got := getJSON[locateJSON](t, ts, "/v1/locate?q=SO14+7LY")
	if got.Neighbourhood == nil || got.Neighbourhood.Name != "Southampton City Centre" {
		t.Errorf("neighbourhood %+v", got.Neighbourhood)
	}
}

func TestLocateErrors(t *testing.T) {
	ts := newTeamServer(t)
	bare := newServer(t)
	tests := []struct {
		ts     *httptest.Server
		q      string
		status int
		body   string
	}{
		{ts, "", 400, `parameter \"q\"`},
		{ts, " ", 400, `parameter \"q\"`},
		{ts, "91,0", 400, `parameter \"q\"`},
		{ts, "ZZ99 9ZZ", 404, `ZZ99 9ZZ: postcode not found`},
		{ts, "Nowhere Street Whatsoever", 404, `"\"Nowhere Street Whatsoever\": no postcode, lat,lng or street name matches"`},
		{bare, "SO14 7LY", 404, `no postcode directory is loaded`},
	}
	for _, tc := range tests {
		status, body := get(t, tc.ts, "/v1/locate?q="+url.QueryEscape(tc.q))
		if status != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("q=%q: %d %s, want %d with %s", tc.q, status, body, tc.status, tc.body)
		}
	}
}

// unlistedLeftOut returns got without the entries after want's that name a
// neighbourhood with a detail file in dir.
func unlistedLeftOut(t testing.TB, got, want any, dir string) any {
	t.Helper()
	g, _ := got.([]any)
	w, _ := want.([]any)
	if len(g) < len(w) {
		return got
	}
	for _, e := range g[len(w):] {
		id, _ := e.(map[string]any)["id"].(string)
		if _, err := os.Stat(filepath.Join(dir, neighbourhood.EscapeID(id)+".json")); err != nil {
			t.Errorf("unlisted %q without a detail file", id)
		}
	}
	return g[:len(w)]
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
