package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/internal/testsupport/datasets"
	"crimemap/neighbourhood"
	"crimemap/server"
)

// clientAnswer is what testdata/ukpd/check.cjs reports for one call: the
// URL the client asked for (under /api), the status and what it parsed.
type clientAnswer struct {
	Call   string `json:"call"`
	URL    string `json:"url"`
	Status int    `json:"status"`
	Value  any    `json:"value"`
	Error  string `json:"error"`
}

// publicAPIServer serves what a user of /api/ would load: the bundled
// Hampshire month, the shared street, outcomes and stop-and-search files
// (City of London without coordinates, Greater Manchester with them) and the
// neighbourhood team data.
func publicAPIServer(t *testing.T) *httptest.Server {
	t.Helper()
	paths := []string{testsupport.HampshireDir(t)}
	for _, d := range datasets.StopDirs {
		paths = append(paths, testsupport.Shared(t, d))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ds, _, err := ingest.Load(context.Background(), paths, ingest.Options{Logger: log})
	if err != nil {
		t.Fatalf("load %v: %v", paths, err)
	}
	teams, _, err := neighbourhood.LoadDir(context.Background(), filepath.Join(testsupport.Root(t), "neighbourhood", "testdata", "api"))
	if err != nil {
		t.Fatalf("load team data: %v", err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Log: log, Neighbourhoods: teams})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// runUKPD runs check.cjs with the calls against base, skipping without node
// or the package unless CRIMEMAP_REQUIRE_NODE=1.
func runUKPD(t *testing.T, base string, calls [][]any) []clientAnswer {
	t.Helper()
	dir := filepath.Join("testdata", "ukpd")
	node := testsupport.Node(t, dir, "ukpd")
	js, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "check.cjs", base, string(js))
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check.cjs: %v: %s", err, stderr.String())
	}
	var answers []clientAnswer
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var a clientAnswer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("check.cjs line %q: %v", sc.Text(), err)
		}
		answers = append(answers, a)
	}
	if len(answers) != len(calls) {
		t.Fatalf("check.cjs answered %d calls of %d: %s", len(answers), len(calls), stderr.String())
	}
	return answers
}

// getAPIJSON is the server's own answer at an /api/ path, decoded.
func getAPIJSON(t *testing.T, base, path string) any {
	t.Helper()
	resp, err := http.Get(base + "/api" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /api%s: %s: %s", path, resp.Status, b)
	}
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET /api%s: %v", path, err)
	}
	return v
}

// withoutUndefinedDate drops date=undefined, which ukpd sends for a date
// left out, so the URL reads as data.police.uk reads it: the latest month.
func withoutUndefinedDate(path string) string {
	u, _ := url.Parse(path)
	q := u.Query()
	if q.Get("date") != "undefined" {
		return path
	}
	q.Del("date")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPublicClientUKPD points ukpd, a public data.police.uk client from npm
// (pinned in testdata/ukpd), at the server and calls every method it has:
// each must answer 200, and what the client parsed must equal the server's
// own JSON of the same URL; a sample is then checked field by field.
func TestPublicClientUKPD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node and loads the shared data")
	}
	ts := publicAPIServer(t)
	calls := [][]any{
		{"availability"},
		{"categories"},
		{"forces"},
		{"forces", "hampshire"},
		{"lastUpdated"},
		{"streetLevel", 50.9097, -1.4044, "2017-02"},
		{"streetLevel", 50.9097, -1.4044},
		{"stopAndSearch", 53.4808, -2.2426, "2018-05"},
		{"stopAndSearch", 53.4808, -2.2426},
	}
	answers := runUKPD(t, ts.URL, calls)
	byCall := map[string]clientAnswer{}
	for _, a := range answers {
		byCall[a.Call] = a
		if a.Error != "" || a.Status != http.StatusOK {
			t.Errorf("%s: GET /api%s: status %d, error %q", a.Call, a.URL, a.Status, a.Error)
			continue
		}
		if want := getAPIJSON(t, ts.URL, withoutUndefinedDate(a.URL)); !reflect.DeepEqual(a.Value, want) {
			t.Errorf("%s: the client parsed %.300v, the server's JSON is %.300v", a.Call, a.Value, want)
		}
	}
	if t.Failed() {
		return
	}

	list := func(call string) []any {
		v, _ := byCall[call].Value.([]any)
		if len(v) == 0 {
			t.Fatalf("%s: empty answer %v", call, byCall[call].Value)
		}
		return v
	}
	field := func(call string, v any, path ...string) any {
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: %q of a %T", call, p, v)
			}
			v = m[p]
		}
		return v
	}
	// The shapes the client's types (ICrime) and data.police.uk's documents
	// promise: coordinates as strings, a street name, a category slug.
	crimes := list(`streetLevel(50.9097, -1.4044, "2017-02")`)
	for _, c := range crimes[:min(len(crimes), 50)] {
		for _, p := range [][]string{{"category"}, {"location", "latitude"}, {"location", "longitude"}, {"location", "street", "name"}, {"month"}, {"persistent_id"}, {"location_type"}} {
			if _, ok := field("streetLevel", c, p...).(string); !ok {
				t.Errorf("streetLevel: %v is %T, want a string", p, field("streetLevel", c, p...))
			}
		}
		if field("streetLevel", c, "month") != "2017-02" {
			t.Errorf("streetLevel: month %v, want 2017-02", field("streetLevel", c, "month"))
		}
	}
	if got := byCall[`streetLevel(50.9097, -1.4044)`].Value; !reflect.DeepEqual(got, getAPIJSON(t, ts.URL, "/crimes-street/all-crime?lat=50.9097&lng=-1.4044")) {
		t.Errorf("streetLevel without a date differs from the latest month's answer")
	}
	stops := list(`stopAndSearch(53.4808, -2.2426, "2018-05")`)
	for _, s := range stops[:min(len(stops), 50)] {
		for _, p := range [][]string{{"type"}, {"datetime"}, {"location", "latitude"}, {"location", "longitude"}, {"location", "street", "name"}} {
			if _, ok := field("stopAndSearch", s, p...).(string); !ok {
				t.Errorf("stopAndSearch: %v is %T, want a string", p, field("stopAndSearch", s, p...))
			}
		}
		if _, ok := field("stopAndSearch", s, "involved_person").(bool); !ok {
			t.Errorf("stopAndSearch: involved_person is %T, want a bool", field("stopAndSearch", s, "involved_person"))
		}
	}
	if f := field("forces", byCall[`forces("hampshire")`].Value, "id"); f != "hampshire" {
		t.Errorf(`forces("hampshire"): id %v`, f)
	}
	if d, _ := field("lastUpdated", byCall["lastUpdated()"].Value, "date").(string); len(d) != 10 {
		t.Errorf("lastUpdated: date %q, want YYYY-MM-DD", d)
	}
}

// TestPoliceDateUndefinedIsOmitted: date=undefined (and null), which
// JavaScript clients send for a date left out, answers as no date does,
// on the crime, category and stop routes; any other bad date is still 400.
func TestPoliceDateUndefinedIsOmitted(t *testing.T) {
	crimes := serveDataset(t, datasets.Southampton())
	stops := stopsServer(t)
	for _, tc := range []struct {
		ts   *httptest.Server
		path string
	}{
		{crimes, "/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044"},
		{crimes, "/api/crimes-no-location?force=hampshire"},
		{crimes, "/api/crime-categories"},
		{stops, "/api/stops-street?lat=53.4808&lng=-2.2426"},
		{stops, "/api/stops-force?force=greater-manchester"},
	} {
		path := strings.TrimPrefix(tc.path, "/api")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		want := getAPIJSON(t, tc.ts.URL, path)
		for _, d := range []string{"undefined", "null"} {
			if got := getAPIJSON(t, tc.ts.URL, path+sep+"date="+d); !reflect.DeepEqual(got, want) {
				t.Errorf("%s&date=%s: %.200v, want %.200v", tc.path, d, got, want)
			}
		}
		resp, err := http.Get(tc.ts.URL + tc.path + sep + "date=undefine")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s&date=undefine: %s, want 400", tc.path, resp.Status)
		}
	}
}
