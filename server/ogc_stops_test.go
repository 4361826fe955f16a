package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// stopTotal is /v1/stops/counts's total for the query q.
func stopTotal(t *testing.T, ts *httptest.Server, q string) int {
	t.Helper()
	status, body := get(t, ts, "/v1/stops/counts?"+q)
	var k countsAnswer
	if status != http.StatusOK || json.Unmarshal(body, &k) != nil {
		t.Fatalf("/v1/stops/counts?%s: %d %s", q, status, body)
	}
	return k.Total.Count
}

// TestOGCStopsCollection: the stops are a second collection, listed beside
// the crimes with their own extent, paged through an area with next links
// to exactly the located stops /v1/stops/counts counts, each feature the
// /v1/stops feature of the same id, and one by id.
func TestOGCStopsCollection(t *testing.T) {
	ts := stopsServer(t)
	status, body := get(t, ts, "/ogc/collections")
	if status != http.StatusOK {
		t.Fatalf("/ogc/collections: %d %s", status, body)
	}
	var cs struct {
		Collections []struct {
			ID     string `json:"id"`
			Extent struct {
				Spatial struct {
					BBox [][4]float64 `json:"bbox"`
				} `json:"spatial"`
				Temporal struct {
					Interval [][2]*string `json:"interval"`
				} `json:"temporal"`
			} `json:"extent"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(body, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs.Collections) != 2 || cs.Collections[0].ID != "crimes" || cs.Collections[1].ID != "stops" {
		t.Fatalf("collections %s, want crimes and stops", body)
	}
	st := cs.Collections[1].Extent
	// Greater Manchester's stops have coordinates (a few far from
	// Manchester), City of London's none: the box holds Manchester; the
	// months run from City of London's first (2016-01) to Greater
	// Manchester's last (2018-08).
	if b := st.Spatial.BBox[0]; b[0] > -2.2426 || b[2] < -2.2426 || b[1] > 53.4808 || b[3] < 53.4808 {
		t.Errorf("stops bbox %v, want one around Greater Manchester's stops", b)
	}
	if iv := st.Temporal.Interval[0]; iv[0] == nil || iv[1] == nil || !strings.HasPrefix(*iv[0], "2016-01-01") || !strings.HasPrefix(*iv[1], "2018-08-31") {
		t.Errorf("stops interval %v", body)
	}

	for _, q := range []string{
		"bbox=-2.26,53.47,-2.22,53.49",
		"bbox=-2.26,53.47,-2.22,53.49&datetime=2018-03-01/2018-04-30",
		"lat=53.4808&lng=-2.2426&radius_m=1000&gender=female",
		"",
	} {
		cq := strings.Replace(q, "datetime=2018-03-01/2018-04-30", "from=2018-03&to=2018-04", 1)
		if q == "" {
			cq = "bbox=-180,-90,180,90" // the located stops
		}
		want := stopTotal(t, ts, cq)
		if want == 0 {
			t.Fatalf("no stops for %s", cq)
		}
		seen := map[int]bool{}
		var first map[string]any
		next := ts.URL + "/ogc/collections/stops/items?limit=500&" + q
		for pages := 0; next != ""; pages++ {
			p, raw := getOGCPage(t, next)
			if p.NumberMatched != want {
				t.Fatalf("%s: numberMatched %d, /v1/stops/counts %d", next, p.NumberMatched, want)
			}
			for _, f := range p.Features {
				if seen[f.ID] {
					t.Fatalf("%s: stop %d twice", q, f.ID)
				}
				seen[f.ID] = true
			}
			if first == nil && len(p.Features) > 0 {
				var fc struct{ Features []map[string]any }
				_ = json.Unmarshal(raw, &fc)
				first = fc.Features[0]
			}
			next = p.link("next")
			if pages > 1000 {
				t.Fatal("too many pages")
			}
		}
		if len(seen) != want {
			t.Errorf("%q: pages hold %d distinct stops, /v1/stops/counts %d", q, len(seen), want)
		}
		if first == nil {
			continue
		}
		// The feature is /v1/stops's of the same id, and items/{fid} gives it.
		n := int(first["id"].(float64))
		id := strconv.Itoa(n)
		_, body = get(t, ts, "/v1/stops?limit=1")
		var v1 struct {
			Version  string `json:"dataset_version"`
			Features []map[string]any
		}
		_ = json.Unmarshal(body, &v1)
		_, body = get(t, ts, "/v1/stops?limit=1&cursor="+v1.Version+"."+strconv.Itoa(n-1))
		if err := json.Unmarshal(body, &v1); err != nil || len(v1.Features) != 1 {
			t.Fatalf("/v1/stops: %v %s", err, body)
		}
		if !reflect.DeepEqual(first["properties"], v1.Features[0]["properties"]) || !reflect.DeepEqual(first["geometry"], v1.Features[0]["geometry"]) {
			t.Errorf("stop %s: OGC %v, /v1/stops %v", id, first, v1.Features[0])
		}
		status, body := get(t, ts, "/ogc/collections/stops/items/"+id)
		var one map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &one) != nil {
			t.Fatalf("items/%s: %d %s", id, status, body)
		}
		if !reflect.DeepEqual(one["properties"], first["properties"]) || one["id"] != first["id"] {
			t.Errorf("items/%s: %v, want %v", id, one, first)
		}
	}
}

// TestOGCStopsStatuses: each collection takes its own filters, and a stop
// without a location is no feature.
func TestOGCStopsStatuses(t *testing.T) {
	ts := stopsServer(t)
	_, body := get(t, ts, "/v1/stops?force=city-of-london&limit=1")
	var unlocated struct {
		Features []struct {
			Properties struct {
				ID int `json:"id"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &unlocated); err != nil || len(unlocated.Features) != 1 {
		t.Fatalf("/v1/stops?force=city-of-london: %v %s", err, body)
	}
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/ogc/collections/stops/items?category=burglary", 400, "category"},
		{"/ogc/collections/crimes/items?gender=female", 400, "gender"},
		{"/ogc/collections/stops/items?gender=nobody", 400, "gender"},
		{"/ogc/collections/stops/items?datetime=2018-01&from=2018-01", 400, "datetime"},
		{"/ogc/collections/stops/items?gender=female&datetime=2018-02-01/..", 200, "numberMatched"},
		{"/ogc/collections/stops/items/" + strconv.Itoa(unlocated.Features[0].Properties.ID), 404, "no feature"},
		{"/ogc/collections/stops/items/99999999", 404, "no feature"},
		{"/ogc/collections/stops/items/01", 404, "no feature"},
	} {
		status, body := get(t, ts, tc.path)
		if status != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %.200s, want %d with %q", tc.path, status, body, tc.status, tc.want)
		}
	}
}

// TestMetaListsStops: /v1/meta lists the stop-and-search months and, for
// each filter of /v1/stops, its values; each value filters, and the counts
// of a dimension's values add up to every stop.
func TestMetaListsStops(t *testing.T) {
	ts := stopsServer(t)
	_, body := get(t, ts, "/v1/meta")
	var m struct {
		Stops struct {
			Count        int
			Months       []string
			Vocabularies map[string][]struct {
				URL  string `json:"url"`
				Name string `json:"name"`
			}
		}
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	st := m.Stops
	if all := stopTotal(t, ts, ""); st.Count == 0 || st.Count != all {
		t.Errorf("stops count %d, /v1/stops/counts %d", st.Count, all)
	}
	if len(st.Months) == 0 || st.Months[0] != "2016-01" || st.Months[len(st.Months)-1] != "2018-08" {
		t.Errorf("stop months %v", st.Months)
	}
	for _, dim := range []string{"force", "type", "outcome", "object_of_search", "legislation", "ethnicity", "self_defined_ethnicity", "age_range", "gender"} {
		terms := st.Vocabularies[dim]
		if len(terms) < 2 || terms[0].URL != "none" {
			t.Errorf("%s: vocabulary %v, want none then the values", dim, terms)
			continue
		}
		sum := 0
		for _, term := range terms {
			sum += stopTotal(t, ts, dim+"="+term.URL)
		}
		if sum != st.Count {
			t.Errorf("%s: the values count %d stops, want %d", dim, sum, st.Count)
		}
	}
}
