package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport"
	"crimemap/internal/testsupport/datasets"
	"crimemap/server"
	"crimemap/stopsearch"
)

func stopsServer(t testing.TB) *httptest.Server {
	t.Helper()
	return serveDataset(t, datasets.SharedStops(t))
}

// serveDataset serves ds until the test ends.
func serveDataset(t testing.TB, ds *geo.Dataset) *httptest.Server {
	s := server.New(server.DefaultConfig(), server.Deps{})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// stopCSVRow is one row of a stop-and-search file read with encoding/csv,
// with the force and month its file's name gives it.
type stopCSVRow struct {
	force, month string
	f            map[string]string
}

var stopFileName = regexp.MustCompile(`^(\d{4}-\d{2})-(.+)-stop-and-search\.csv$`)

func stopCSVRows(t testing.TB) []stopCSVRow {
	t.Helper()
	var out []stopCSVRow
	for _, d := range datasets.StopDirs {
		files, _ := filepath.Glob(filepath.Join(testsupport.Shared(t, d), "*-stop-and-search.csv"))
		for _, path := range files {
			m := stopFileName.FindStringSubmatch(filepath.Base(path))
			recs := testsupport.ReadCSV(t, path)
			for _, rec := range recs[1:] {
				r := stopCSVRow{force: m[2], month: m[1], f: map[string]string{}}
				for i, h := range recs[0] {
					r.f[h] = rec[i]
				}
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no stop-and-search rows")
	}
	return out
}

// currentOutcome is data.police.uk's current outcome id for a label of the
// files, written out here rather than taken from the package under test.
var currentOutcome = map[string]string{
	"":                                        "none",
	"A no further action disposal":            "bu-no-further-action",
	"Nothing found - no further action":       "bu-no-further-action",
	"Arrest":                                  "bu-arrest",
	"Suspect arrested":                        "bu-arrest",
	"Summons / charged by post":               "bu-summons",
	"Suspect summonsed to court":              "bu-summons",
	"Caution (simple or conditional)":         "bu-caution",
	"Offender cautioned":                      "bu-caution",
	"Community resolution":                    "bu-community-resolution",
	"Local resolution":                        "bu-community-resolution",
	"Penalty Notice for Disorder":             "bu-penalty-notice",
	"Offender given penalty notice":           "bu-penalty-notice",
	"Khat or Cannabis warning":                "bu-khat-or-cannabis-warning",
	"Offender given drugs possession warning": "bu-khat-or-cannabis-warning",
}

// stopColumns are the CSV columns of the stop dimensions a row carries.
var stopColumns = map[string]string{
	"type": "Type", "object_of_search": "Object of search", "legislation": "Legislation",
	"ethnicity": "Officer-defined ethnicity", "self_defined_ethnicity": "Self-defined ethnicity",
	"age_range": "Age range", "gender": "Gender",
}

// key is a row's value of a stop dimension, as /v1/stops/counts keys it.
func (r stopCSVRow) key(t testing.TB, dim string) string {
	switch dim {
	case "force":
		return r.force
	case "month":
		return r.month
	case "outcome":
		if o, ok := currentOutcome[r.f["Outcome"]]; ok {
			return o
		}
		return geo.Slug(r.f["Outcome"])
	}
	col, ok := stopColumns[dim]
	if !ok {
		t.Fatalf("no dimension %q", dim)
	}
	if s := geo.Slug(r.f[col]); s != "" {
		return s
	}
	return "none"
}

type bruteTally struct{ count, nfa, none, linked int }

type countsAnswer struct {
	Total struct {
		Count           int `json:"count"`
		NoFurtherAction int `json:"no_further_action"`
		NoOutcome       int `json:"no_outcome"`
		Linked          int `json:"linked"`
	} `json:"total"`
	Groups []struct {
		Key             map[string]string `json:"key"`
		Count           int               `json:"count"`
		NoFurtherAction int               `json:"no_further_action"`
		NoOutcome       int               `json:"no_outcome"`
		Linked          int               `json:"linked"`
		LinkedShare     float64           `json:"linked_share"`
	} `json:"groups"`
}

// TestStopCountsMatchBruteForce checks /v1/stops/counts, ungrouped and for
// every one and every pair of dimensions, against counts of the CSV rows.
func TestStopCountsMatchBruteForce(t *testing.T) {
	ts := stopsServer(t)
	rows := stopCSVRows(t)
	dims := stopsearch.DimNames[:]
	groupings := [][]string{nil}
	for i, a := range dims {
		groupings = append(groupings, []string{a})
		for _, b := range dims[i+1:] {
			groupings = append(groupings, []string{a, b})
		}
	}
	filters := []struct {
		query string
		keep  func(r stopCSVRow) bool
	}{
		{"", func(stopCSVRow) bool { return true }},
		{"&force=city-of-london&from=2016-03&to=2016-06&age_range=18-24", func(r stopCSVRow) bool {
			return r.force == "city-of-london" && r.month >= "2016-03" && r.month <= "2016-06" && r.f["Age range"] == "18-24"
		}},
		{"&outcome=Suspect+arrested,bu-summons&gender=male", func(r stopCSVRow) bool {
			o := currentOutcome[r.f["Outcome"]]
			return (o == "bu-arrest" || o == "bu-summons") && r.f["Gender"] == "Male"
		}},
	}
	for _, flt := range filters {
		for _, g := range groupings {
			name := strings.Join(g, ",") + flt.query
			want := map[string]*bruteTally{}
			var total bruteTally
			for _, r := range rows {
				if !flt.keep(r) {
					continue
				}
				var k []string
				for _, d := range g {
					k = append(k, d+"="+r.key(t, d))
				}
				key := strings.Join(k, "&")
				if want[key] == nil {
					want[key] = &bruteTally{}
				}
				for _, tl := range []*bruteTally{want[key], &total} {
					tl.count++
					switch currentOutcome[r.f["Outcome"]] {
					case "bu-no-further-action":
						tl.nfa++
					case "none":
						tl.none++
					}
					if r.f["Outcome linked to object of search"] == "True" {
						tl.linked++
					}
				}
			}
			status, body := get(t, ts, "/v1/stops/counts?group_by="+strings.Join(g, ",")+flt.query)
			if status != http.StatusOK {
				t.Fatalf("%s: %d %s", name, status, body)
			}
			var got countsAnswer
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			gt := bruteTally{got.Total.Count, got.Total.NoFurtherAction, got.Total.NoOutcome, got.Total.Linked}
			if gt != total {
				t.Errorf("%s: total %+v, want %+v", name, gt, total)
			}
			if len(g) == 0 {
				continue
			}
			if len(got.Groups) != len(want) {
				t.Errorf("%s: %d groups, want %d", name, len(got.Groups), len(want))
			}
			for _, gr := range got.Groups {
				var k []string
				for _, d := range g {
					k = append(k, d+"="+gr.Key[d])
				}
				w := want[strings.Join(k, "&")]
				if w == nil {
					t.Errorf("%s: group %v not in the files", name, gr.Key)
					continue
				}
				if gg := (bruteTally{gr.Count, gr.NoFurtherAction, gr.NoOutcome, gr.Linked}); gg != *w {
					t.Errorf("%s: group %v: %+v, want %+v", name, gr.Key, gg, *w)
				}
				if share := float64(w.linked) / float64(w.count); gr.LinkedShare != share {
					t.Errorf("%s: group %v: linked_share %v, want %v", name, gr.Key, gr.LinkedShare, share)
				}
			}
		}
	}
}

// fieldTypes are the JSON types data.police.uk gives each field of a stop:
// text is a string or null, yes/no a bool or null, outcome a string or
// false (blank).
var fieldTypes = map[string][]string{
	"age_range": {"string", "null"}, "self_defined_ethnicity": {"string", "null"}, "gender": {"string", "null"},
	"legislation": {"string", "null"}, "officer_defined_ethnicity": {"string", "null"}, "operation_name": {"string", "null"},
	"object_of_search": {"string", "null"}, "type": {"string"}, "datetime": {"string"}, "involved_person": {"bool"},
	"outcome_linked_to_object_of_search": {"bool", "null"}, "removal_of_more_than_outer_clothing": {"bool", "null"},
	"operation": {"bool", "null"}, "outcome": {"string", "bool"},
	"outcome_object": {"{id:string,name:string}", "null"},
	"location":       {"{latitude:string,longitude:string,street:{id:number,name:string}}", "null"},
}

// TestStopShapesMatchDataPoliceUK checks every stop of the /api/ routes
// field by field against data.police.uk's saved stop: the same keys, each
// of a type the API gives it, the fixture's own among them.
func TestStopShapesMatchDataPoliceUK(t *testing.T) {
	ts := stopsServer(t)
	fixture := readJSON(t, testsupport.Shared(t, "api-json-fixtures", "police-data-kit", "stop-and-search.json")).(map[string]any)
	if keys(fixture) != keys(map[string]any(func() map[string]any {
		m := map[string]any{}
		for k := range fieldTypes {
			m[k] = nil
		}
		return m
	}())) {
		t.Fatalf("fixture keys %s differ from the fields checked", keys(fixture))
	}
	allowed := func(field, s string) bool {
		for _, a := range fieldTypes[field] {
			if a == s {
				return true
			}
		}
		return false
	}
	for k, v := range fixture {
		if !allowed(k, shape(v)) {
			t.Errorf("fixture field %s is %s, not among %v", k, shape(v), fieldTypes[k])
		}
	}
	for _, path := range []string{
		"/api/stops-street?lat=53.4170&lng=-2.3198&date=2018-01",
		"/api/stops-force?force=greater-manchester&date=2018-05",
		"/api/stops-no-location?force=city-of-london&date=2016-03",
		"/api/stops-force?force=city-of-london&date=2017-03",
	} {
		status, body := get(t, ts, path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		var got []map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("GET %s: no stops", path)
		}
		for _, st := range got {
			if keys(st) != keys(fixture) {
				t.Fatalf("GET %s: keys %s, want %s", path, keys(st), keys(fixture))
			}
			for k, v := range st {
				if !allowed(k, shape(v)) {
					t.Errorf("GET %s: %s is %s, want one of %v", path, k, shape(v), fieldTypes[k])
				}
			}
		}
	}
	// One stop, every field: the first row of Greater Manchester's
	// January file.
	status, body := get(t, ts, "/api/stops-street?lat=53.417093&lng=-2.319835&date=2018-01")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	var got []map[string]any
	json.Unmarshal(body, &got)
	want := map[string]any{
		"age_range": "10-17", "outcome": "A no further action disposal", "involved_person": true,
		"self_defined_ethnicity": "White - English/Welsh/Scottish/Northern Irish/British", "gender": nil,
		"legislation": "Police and Criminal Evidence Act 1984 (section 1)", "outcome_linked_to_object_of_search": nil,
		"datetime": "2018-01-01T00:06:00+00:00", "removal_of_more_than_outer_clothing": false,
		"outcome_object": map[string]any{"id": "bu-no-further-action", "name": "A no further action disposal"},
		"operation":      false, "officer_defined_ethnicity": "White", "type": "Person search", "operation_name": nil,
		"object_of_search": "Offensive weapons",
	}
	var first map[string]any
	for _, st := range got {
		if st["datetime"] == "2018-01-01T00:06:00+00:00" {
			first = st
		}
	}
	if first == nil {
		t.Fatal("the first January stop is not within a mile of its own location")
	}
	loc := first["location"].(map[string]any)
	if loc["latitude"] != "53.417093" || loc["longitude"] != "-2.319835" {
		t.Errorf("location %v", loc)
	}
	for k, w := range want {
		if fmt.Sprint(first[k]) != fmt.Sprint(w) {
			t.Errorf("%s = %#v, want %#v", k, first[k], w)
		}
	}
}

// TestStopsStreetMatchesBruteForce checks /api/stops-street (GET, and POST
// with a polygon) and /api/stops-at-location against a scan of the CSV
// rows.
func TestStopsStreetMatchesBruteForce(t *testing.T) {
	ts := stopsServer(t)
	rows := stopCSVRows(t)
	const lat, lng = 53.4808, -2.2426 // Manchester city centre
	for _, month := range []string{"2018-01", "2018-03", "2018-08"} {
		want := 0
		for _, r := range rows {
			la, err1 := strconv.ParseFloat(r.f["Latitude"], 64)
			lo, err2 := strconv.ParseFloat(r.f["Longitude"], 64)
			if err1 == nil && err2 == nil && r.month == month && sphereDist(lng, lat, lo, la) <= server.PoliceRadiusM {
				want++
			}
		}
		status, body := get(t, ts, fmt.Sprintf("/api/stops-street?lat=%v&lng=%v&date=%s", lat, lng, month))
		var got []any
		json.Unmarshal(body, &got)
		if status != http.StatusOK || len(got) != want || want == 0 {
			t.Errorf("%s: %d, %d stops, want %d", month, status, len(got), want)
		}
	}
	// A box around Greater Manchester (a few of its stops lie far outside),
	// posted as a form.
	form := url.Values{"poly": {"53.0,-3.0:54.0,-3.0:54.0,-1.5:53.0,-1.5"}, "date": {"2018-02"}}
	resp, err := http.PostForm(ts.URL+"/api/stops-street", form)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	want := 0
	for _, r := range rows {
		la, err1 := strconv.ParseFloat(r.f["Latitude"], 64)
		lo, err2 := strconv.ParseFloat(r.f["Longitude"], 64)
		if err1 == nil && err2 == nil && r.month == "2018-02" && la >= 53 && la <= 54 && lo >= -3 && lo <= -1.5 {
			want++
		}
	}
	if resp.StatusCode != http.StatusOK || len(got) != want {
		t.Fatalf("POST poly: %d, %d stops, want %d", resp.StatusCode, len(got), want)
	}
	// At the location of the first of them, exactly the rows there.
	loc := got[0]["location"].(map[string]any)
	id := strconv.FormatFloat(loc["street"].(map[string]any)["id"].(float64), 'f', 0, 64)
	want = 0
	for _, r := range rows {
		if r.month == "2018-02" && r.f["Latitude"] == loc["latitude"] && r.f["Longitude"] == loc["longitude"] {
			want++
		}
	}
	status, body := get(t, ts, "/api/stops-at-location?date=2018-02&location_id="+id)
	var at []any
	json.Unmarshal(body, &at)
	if status != http.StatusOK || len(at) != want {
		t.Errorf("stops-at-location %s: %d, %d stops, want %d", id, status, len(at), want)
	}
}

// TestStopsForceMonths checks stops-force and stops-no-location against
// each file's row count: a stop belongs to the month its file names, even
// where its UTC time falls in the month before.
func TestStopsForceMonths(t *testing.T) {
	ts := stopsServer(t)
	all, unlocated := map[string]int{}, map[string]int{}
	for _, r := range stopCSVRows(t) {
		all[r.force+"/"+r.month]++
		if r.f["Latitude"] == "" {
			unlocated[r.force+"/"+r.month]++
		}
	}
	for unit, n := range all {
		force, month, _ := strings.Cut(unit, "/")
		for _, tc := range []struct {
			route string
			want  int
		}{{"stops-force", n}, {"stops-no-location", unlocated[unit]}} {
			status, body := get(t, ts, "/api/"+tc.route+"?force="+force+"&date="+month)
			var got []any
			json.Unmarshal(body, &got)
			if status != http.StatusOK || len(got) != tc.want {
				t.Errorf("%s %s: %d, %d stops, want %d", tc.route, unit, status, len(got), tc.want)
			}
		}
	}
}

// TestStopsPages walks /v1/stops by its next links and checks the pages add
// up to the count, in an area and everywhere.
func TestStopsPages(t *testing.T) {
	ts := stopsServer(t)
	for _, q := range []string{"from=2016-02&to=2016-05", "bbox=-2.5,53.3,-2.1,53.6&outcome=bu-arrest", "lat=53.4808&lng=-2.2426&radius_m=2000&format=csv"} {
		status, body := get(t, ts, "/v1/stops/counts?"+strings.Replace(q, "&format=csv", "", 1))
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		var k countsAnswer
		json.Unmarshal(body, &k)
		seen := map[string]bool{}
		next := "/v1/stops?limit=97&" + q
		for next != "" {
			resp, body := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+next))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
			}
			next = ""
			if l := resp.Header.Get("Link"); l != "" {
				next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
			}
			if strings.Contains(q, "format=csv") {
				lines := strings.Split(strings.TrimSpace(string(body)), "\n")[1:]
				for _, l := range lines {
					seen[strings.SplitN(l, ",", 2)[0]] = true
				}
				continue
			}
			var fc struct {
				Features []struct {
					Properties struct {
						ID int `json:"id"`
					} `json:"properties"`
				} `json:"features"`
			}
			json.Unmarshal(body, &fc)
			for _, f := range fc.Features {
				seen[strconv.Itoa(f.Properties.ID)] = true
			}
		}
		if len(seen) != k.Total.Count || k.Total.Count == 0 {
			t.Errorf("%s: pages hold %d distinct stops, counts say %d", q, len(seen), k.Total.Count)
		}
	}
}

func TestStopBadParameters(t *testing.T) {
	ts := stopsServer(t)
	for _, tc := range []struct {
		path, param string
		status      int
	}{
		{"/v1/stops/counts?group_by=colour", "group_by", 400},
		{"/v1/stops/counts?group_by=force,month,type", "group_by", 400},
		{"/v1/stops/counts?group_by=force,force", "group_by", 400},
		{"/v1/stops?outcome=bogus", "outcome", 400},
		{"/v1/stops?ethnicity=,", "ethnicity", 400},
		{"/v1/stops?from=2018-05&to=2018-01", "to", 400},
		{"/v1/stops?lat=53&lng=-2", "radius_m", 400},
		{"/api/stops-no-location", "force", 400},
		{"/api/stops-force?force=nowhere", "force", 400},
		{"/api/stops-at-location?location_id=99999999", "location_id", 400},
		{"/api/stops-at-location", "location_id", 400},
		{"/api/stops-street?date=2018-01", "lat", 400},
	} {
		status, body := get(t, ts, tc.path)
		if status != tc.status || !strings.Contains(string(body), `\"`+tc.param+`\"`) {
			t.Errorf("GET %s: %d %s, want %d naming %q", tc.path, status, body, tc.status, tc.param)
		}
	}
}

// TestStopsStreetOverTheCap checks data.police.uk's rule: more than 10,000
// stops in the area answers 503, 10,000 are listed.
func TestStopsStreetOverTheCap(t *testing.T) {
	m := geo.MakeMonth(2018, 1)
	for _, tc := range []struct {
		n      int
		status int
	}{{server.MaxPoliceResults, 200}, {server.MaxPoliceResults + 1, 503}} {
		sb := &geo.StopBatch{Unit: geo.Unit{Force: "greater-manchester", Month: m}, Source: "example"}
		for range tc.n {
			sb.Rows = append(sb.Rows, geo.StopRow{Type: "Person search", HasLocation: true, Lon: -2.24, Lat: 53.48})
		}
		b := geo.NewBuilder()
		if err := b.AddStops(sb); err != nil {
			t.Fatal(err)
		}
		ds, _, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		status, body := get(t, serveDataset(t, ds), "/api/stops-street?lat=53.48&lng=-2.24")
		if status != tc.status {
			t.Errorf("%d stops: %d, want %d (%.100s)", tc.n, status, tc.status, body)
		}
	}
}

// TestStopTilesServed checks the stops layer's routes: TileJSON naming the
// layer, a tile over Manchester with features, an empty one at sea.
func TestStopTilesServed(t *testing.T) {
	ts := stopsServer(t)
	status, body := get(t, ts, "/tiles/stops.json?from=2018-03&to=2018-03")
	if status != http.StatusOK || !strings.Contains(string(body), `"id":"stops"`) || !strings.Contains(string(body), "/tiles/stops/{z}/{x}/{y}.mvt?") {
		t.Fatalf("stops.json: %d %s", status, body)
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/tiles/stops/10/505/330.mvt?from=2018-03&to=2018-03", http.StatusOK},
		{"/tiles/stops/10/400/330.mvt", http.StatusNoContent},
		{"/tiles/stops/30/0/0.mvt", http.StatusBadRequest},
	} {
		if status, body := get(t, ts, tc.path); status != tc.status {
			t.Errorf("GET %s: %d %.200s, want %d", tc.path, status, body, tc.status)
		}
	}
}
