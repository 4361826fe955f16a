package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
	"crimemap/server"
)

// dataset is the bundled Hampshire month, loaded once for all tests.
func dataset(t testing.TB) *geo.Dataset { return datasets.Hampshire(t) }

func newServer(t testing.TB) *httptest.Server {
	t.Helper()
	s := server.New(server.DefaultConfig(), server.Deps{})
	s.SetDataset(dataset(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// do sends req with c and reads the whole response.
func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func mustRequest(t testing.TB, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func get(t testing.TB, ts *httptest.Server, path string) (int, []byte) {
	t.Helper()
	resp, b := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+path))
	return resp.StatusCode, b
}

// shape describes a JSON value's structure: object keys with their shapes,
// the shape of array elements, or a scalar type. null matches anything
// nullable, so both null and an object are accepted where the fixture has
// either.
func shape(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + shape(v[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		// Arrays compare by kind only: an empty one has no element shape.
		return "[]"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.TrimPrefix(string(b), "\ufeff"))
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// shapesOf returns the distinct shapes of the elements of a JSON array.
func shapesOf(v any) map[string]bool {
	out := map[string]bool{}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			out[shape(e)] = true
		}
		return out
	}
	out[shape(v)] = true
	return out
}

// TestShapesMatchDataPoliceUK compares the JSON structure of our answers with
// saved data.police.uk responses: same keys, same types.
func TestShapesMatchDataPoliceUK(t *testing.T) {
	ts := newServer(t)
	ds := dataset(t)
	var withID string
	for c := 0; c < ds.Len(); c++ {
		if id := ds.PersistentID(geo.CrimeID(c)); id != "" {
			withID = id
			break
		}
	}
	tests := []struct {
		name, path, fixture string
		array               bool
	}{
		{"crimes-street", "/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044", "crimes-street-greenwich-2014-08.json", true},
		{"crime item", "/api/crimes-street/violent-crime?lat=50.9097&lng=-1.4044&date=2017-02", "crime.json", true},
		{"outcomes-for-crime", "/api/outcomes-for-crime/" + withID, "", false},
		{"crime-categories", "/api/crime-categories?date=2017-02", "CrimeCatagories.Multiple.json", true},
		{"crimes-street-dates", "/api/crimes-street-dates", "data-set.json", true},
		{"crime-last-updated", "/api/crime-last-updated", "LastUpdated.json", false},
		{"forces", "/api/forces", "Forces.Multiple.json", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, ts, tc.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", tc.path, status, body)
			}
			var got any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if tc.fixture == "" {
				return
			}
			want := shapesOf(readJSON(t, "../testdata/api/"+tc.fixture))
			gotShapes := shapesOf(got)
			if len(gotShapes) == 0 {
				t.Fatalf("GET %s: empty answer", tc.path)
			}
			for s := range gotShapes {
				if !want[s] && !want[strings.ReplaceAll(s, "outcome_status:null", "outcome_status:{category:string,date:string}")] &&
					!want[strings.ReplaceAll(s, "outcome_status:{category:string,date:string}", "outcome_status:null")] {
					t.Errorf("GET %s: shape\n%s\nnot among the fixture's\n%v", tc.path, s, want)
				}
			}
		})
	}
	// The case history: our crime and outcome items against the fixture's.
	status, body := get(t, ts, "/api/outcomes-for-crime/"+withID)
	if status != 200 {
		t.Fatalf("outcomes-for-crime: %d", status)
	}
	var got map[string]any
	json.Unmarshal(body, &got)
	want := readJSON(t, "../testdata/api/case-history.json").(map[string]any)
	// The fixture's crime has no location; ours has one. Compare the keys.
	gk, wk := keys(got["crime"]), keys(want["crime"])
	if gk != wk {
		t.Errorf("crime keys %s, want %s", gk, wk)
	}
}

func keys(v any) string {
	m, _ := v.(map[string]any)
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// TestPoliceRadiusMatchesBruteForce checks crimes-street against a scan of
// the CSV rows with the one-mile great-circle radius computed here.
func TestPoliceRadiusMatchesBruteForce(t *testing.T) {
	ts := newServer(t)
	rows := csvRows(t)
	for _, c := range [][2]float64{{50.9097, -1.4044}, {50.7989, -1.0912}, {51.2665, -1.0924}, {50.85, -1.2}} {
		lat, lng := c[0], c[1]
		want := map[string]int{}
		for _, r := range rows {
			if r.lon == "" {
				continue
			}
			la, _ := strconv.ParseFloat(r.lat, 64)
			lo, _ := strconv.ParseFloat(r.lon, 64)
			if sphereDist(lng, lat, lo, la) <= 1609.344 {
				want[r.lat+","+r.lon+","+r.street+","+r.ctype]++
			}
		}
		status, body := get(t, ts, fmt.Sprintf("/api/crimes-street/all-crime?lat=%v&lng=%v&date=2017-02", lat, lng))
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var crimes []struct {
			Category string
			Location struct {
				Latitude, Longitude string
				Street              struct{ Name string }
			}
		}
		json.Unmarshal(body, &crimes)
		got := map[string]int{}
		names := categoryNames(t, ts)
		for _, c := range crimes {
			got[c.Location.Latitude+","+c.Location.Longitude+","+c.Location.Street.Name+","+names[c.Category]]++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("%v,%v: got %d crimes, want %d", lat, lng, len(crimes), len(want))
		}
	}
}

func categoryNames(t testing.TB, ts *httptest.Server) map[string]string {
	_, body := get(t, ts, "/api/crime-categories")
	var cats []struct{ URL, Name string }
	json.Unmarshal(body, &cats)
	out := map[string]string{}
	for _, c := range cats {
		out[c.URL] = c.Name
	}
	return out
}

// sphereDist uses the spherical law of cosines, independent of geo.Distance.
func sphereDist(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	c := math.Sin(lat1*rad)*math.Sin(lat2*rad) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Cos((lon2-lon1)*rad)
	return 6371008.8 * math.Acos(math.Max(-1, math.Min(1, c)))
}

type csvRow struct{ lon, lat, street, ctype string }

func csvRows(t testing.TB) []csvRow {
	b, err := os.ReadFile("../testdata/police-uk/2017-02/2017-02-hampshire-street.csv")
	if err != nil {
		t.Fatal(err)
	}
	var out []csvRow
	for i, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		f := strings.Split(line, ",")
		if i == 0 || len(f) < 12 {
			continue
		}
		out = append(out, csvRow{lon: f[4], lat: f[5], street: f[6], ctype: f[9]})
	}
	return out
}

func TestBadParametersAre400(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		path, param string
	}{
		{"/v1/crimes?lat=abc&lng=1&radius_m=10", "lat"},
		{"/v1/crimes?lat=95&lng=1&radius_m=10", "lat"},
		{"/v1/crimes?lat=50&lng=-1", "radius_m"},
		{"/v1/crimes?lat=50&lng=-1&radius_m=200000", "radius_m"},
		{"/v1/crimes?lat=50&lng=-1&radius_m=-5", "radius_m"},
		{"/v1/crimes?bbox=1,2,3", "bbox"},
		{"/v1/crimes?bbox=3,2,1,4", "bbox"},
		{"/v1/crimes?poly=50,1:51,1", "poly"},
		{"/v1/crimes?poly=50,x:51,1:52,2", "poly"},
		{"/v1/crimes", "area"},
		{"/v1/crimes?bbox=-2,50,-1,51&from=2017-13", "from"},
		{"/v1/crimes?bbox=-2,50,-1,51&from=2017-03&to=2017-01", "to"},
		{"/v1/crimes?bbox=-2,50,-1,51&category=murder", "category"},
		{"/v1/crimes?bbox=-2,50,-1,51&force=narnia", "force"},
		{"/v1/crimes?bbox=-2,50,-1,51&force=all", "force"},
		{"/v1/crimes?bbox=-2,50,-1,51&outcome=hanged", "outcome"},
		{"/v1/crimes?bbox=-2,50,-1,51&limit=0", "limit"},
		{"/v1/crimes?bbox=-2,50,-1,51&cursor=zz", "cursor"},
		{"/v1/crimes?bbox=-2,50,-1,51&cursor=other.5", "cursor"},
		{"/v1/crimes?bbox=-2,50,-1,51&format=xml", "format"},
		{"/v1/counts?group_by=street", "group_by"},
		{"/api/crimes-street/all-crime?lat=50.9", "lng"},
		{"/api/crimes-street/all-crime", "lat"},
		{"/api/crimes-street/murder?lat=50.9&lng=-1.4", "category"},
		{"/api/crimes-street/all-crime?lat=50.9&lng=-1.4&date=2017", "date"},
		{"/api/crimes-no-location?category=all-crime", "force"},
		{"/api/crimes-at-location?location_id=x99", "location_id"},
		{"/v1/streets?q=a", "q"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, body := get(t, ts, tc.path)
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if status != http.StatusBadRequest || !strings.Contains(e.Error, `"`+tc.param+`"`) {
				t.Errorf("GET %s = %d %q, want 400 naming %q", tc.path, status, e.Error, tc.param)
			}
		})
	}
}

func TestStatuses(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		path   string
		status int
	}{
		{"/nope", 404},
		{"/api/outcomes-for-crime/" + strings.Repeat("a", 64), 404},
		// All of Hampshire holds more than 10,000 crimes.
		{"/api/crimes-street/all-crime?poly=50.5,-2:51.5,-2:51.5,-0.5:50.5,-0.5", 503},
		{"/healthz", 200},
		{"/v1/meta", 200},
	}
	for _, tc := range tests {
		if status, body := get(t, ts, tc.path); status != tc.status {
			t.Errorf("GET %s = %d %s, want %d", tc.path, status, body, tc.status)
		}
	}
	// Before a dataset is set, the server says it is loading.
	s := httptest.NewServer(server.New(server.DefaultConfig(), server.Deps{}))
	defer s.Close()
	if status, _ := get(t, s, "/healthz"); status != 503 {
		t.Errorf("healthz while loading = %d, want 503", status)
	}
}

// TestCrimesPagesAndCounts follows cursors through /v1/crimes and checks the
// total against /v1/counts and the CSV rows.
func TestCrimesPagesAndCounts(t *testing.T) {
	ts := newServer(t)
	area := "bbox=-1.45,50.88,-1.35,50.95"
	_, body := get(t, ts, "/v1/counts?"+area+"&group_by=category")
	var counts struct{ Total int }
	json.Unmarshal(body, &counts)
	want := 0
	for _, r := range csvRows(t) {
		la, _ := strconv.ParseFloat(r.lat, 64)
		lo, _ := strconv.ParseFloat(r.lon, 64)
		if r.lon != "" && lo >= -1.45 && lo <= -1.35 && la >= 50.88 && la <= 50.95 {
			want++
		}
	}
	if counts.Total != want || want == 0 {
		t.Fatalf("counts total %d, brute force %d", counts.Total, want)
	}
	seen := map[float64]bool{}
	cursor := ""
	for {
		q := "/v1/crimes?" + area + "&limit=500"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body := get(t, ts, q)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var fc struct {
			Features []struct {
				ID float64 `json:"id"`
			}
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			if seen[f.ID] {
				t.Fatalf("crime %v twice", f.ID)
			}
			seen[f.ID] = true
		}
		if fc.NextCursor == nil {
			break
		}
		cursor = *fc.NextCursor
	}
	if len(seen) != want {
		t.Fatalf("pages listed %d, want %d", len(seen), want)
	}
}

func TestCORSPreflight(t *testing.T) {
	ts := newServer(t)
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/v1/crimes", nil)
	req.Header.Set("Origin", "https://example.org")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %d %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}
