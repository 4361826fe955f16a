package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
)

// TestPoliceStatuses: data.police.uk's clients branch on 404 for an unknown
// force or location and on 414 for a GET URL it refuses.
func TestPoliceStatuses(t *testing.T) {
	ts := newServer(t)
	long := "/api/crimes-street/all-crime?poly=50.90,-1.41:50.92,-1.41:50.92,-1.39&date=2017-02&pad="
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/crimes-no-location?force=nowhere", http.StatusNotFound},
		{"/api/crimes-no-location?force=hampshire", http.StatusOK},
		{"/api/crimes-at-location?location_id=999999999", http.StatusNotFound},
		{"/api/outcomes-at-location?location_id=999999999", http.StatusNotFound},
		{"/api/crimes-at-location?location_id=abc", http.StatusBadRequest},
		{long + strings.Repeat("x", 4094-len(long)), http.StatusOK},
		{long + strings.Repeat("x", 4095-len(long)), http.StatusRequestURITooLong},
	} {
		if status, body := get(t, ts, tc.path); status != tc.want {
			t.Errorf("GET %.80s (%d characters): %d %s; want %d", tc.path, len(tc.path), status, body, tc.want)
		}
	}
	// POST is data.police.uk's way for a long poly.
	resp, err := http.PostForm(ts.URL+"/api/crimes-street/all-crime", url.Values{
		"poly": {"50.90,-1.41:50.92,-1.41:50.92,-1.39"}, "pad": {strings.Repeat("x", 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("long POST: %d; want 200", resp.StatusCode)
	}
}

// TestPoliceCategoriesDefaultToLatestMonth: without a date, only the
// categories the latest month has, as data.police.uk lists them.
func TestPoliceCategoriesDefaultToLatestMonth(t *testing.T) {
	ts := newServer(t)
	_, undated := get(t, ts, "/api/crime-categories")
	_, dated := get(t, ts, "/api/crime-categories?date="+dataset(t).LatestMonth().String())
	if !bytes.Equal(undated, dated) || bytes.Contains(undated, []byte("public-disorder-weapons")) {
		t.Errorf("undated %s\ndated %s", undated, dated)
	}
}

// keysOf lists the keys of the first object of a JSON array, in order.
func keysOf(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v in %.200s", err, b)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			continue
		case json.Delim('}'), json.Delim(']'):
			depth--
			if depth <= 1 {
				return keys
			}
			continue
		}
		if s, ok := tok.(string); ok && depth == 2 && dec.More() {
			keys = append(keys, s)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPoliceCrimesAsDataPoliceUK: crimes grouped by category in
// data.police.uk's order of categories, each with its keys in the order of
// a saved data.police.uk answer.
func TestPoliceCrimesAsDataPoliceUK(t *testing.T) {
	fixture, err := os.ReadFile("../testdata/api/crimes-street-greenwich-2014-08.json")
	if err != nil {
		t.Fatal(err)
	}
	want := keysOf(t, fixture)
	ts := newServer(t)
	for _, path := range []string{
		"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044",
		"/api/crimes-at-location?lat=50.9097&lng=-1.4044",
		"/api/crimes-street/all-crime?poly=50.90,-1.41:50.92,-1.41:50.92,-1.39:50.90,-1.39",
	} {
		status, body := get(t, ts, path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		if got := keysOf(t, body); got == nil {
			t.Fatalf("%s: no crimes to check", path)
		} else if !slices.Equal(got, want) {
			t.Errorf("%s: keys %v; want %v", path, got, want)
		}
		var crimes []struct{ Category string }
		if err := json.Unmarshal(body, &crimes); err != nil {
			t.Fatal(err)
		}
		rank := func(slug string) int {
			return slices.IndexFunc(geo.StandardCategories, func(t geo.Term) bool { return t.Slug == slug })
		}
		if !slices.IsSortedFunc(crimes, func(a, b struct{ Category string }) int { return rank(a.Category) - rank(b.Category) }) {
			t.Errorf("%s: categories not in data.police.uk's order", path)
		}
	}
}
