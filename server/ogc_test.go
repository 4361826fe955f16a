package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/server"
)

type ogcPage struct {
	Type     string `json:"type"`
	Features []struct {
		ID         int `json:"id"`
		Properties struct {
			Month    string `json:"month"`
			Category string `json:"category"`
		} `json:"properties"`
	} `json:"features"`
	NumberMatched  int    `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp"`
	Links          []struct {
		Href, Rel, Type string
	} `json:"links"`
}

func (p *ogcPage) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func getOGCPage(t *testing.T, url string) (ogcPage, []byte) {
	t.Helper()
	resp, body := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, url))
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	var p ogcPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return p, body
}

// TestOGCStatuses covers each resource's answer and errors, which come in
// the one JSON error shape naming the parameter.
func TestOGCStatuses(t *testing.T) {
	ts := newServer(t)
	items := "/ogc/collections/crimes/items"
	for _, tc := range []struct {
		path   string
		status int
		want   string // in the body
	}{
		{"/ogc/", 200, `"rel":"service-desc"`},
		{"/ogc", 200, `"rel":"conformance"`},
		{"/ogc/?f=json", 200, `"rel":"data"`},
		{"/ogc/?f=html", 400, `parameter \"f\"`},
		{"/ogc/conformance", 200, "/conf/oas30"},
		{"/ogc/collections", 200, `"id":"crimes"`},
		{"/ogc/collections/crimes", 200, `"rel":"items"`},
		{"/ogc/collections/arrests", 404, "no such collection"},
		{"/ogc/collections/arrests/items", 404, "no such collection"},
		{"/ogc/collections/arrests/items/1", 404, "no such collection"},
		{ogcItem(t, 0), 200, `"rel":"collection"`},
		{items + "/00", 404, "no feature"},
		{items + "/abc", 404, "no feature"},
		{items + "/99999999", 404, "no feature"},
		{items + "/-1", 404, "no feature"},
		{items + "?limit=1", 200, `"numberReturned":1`},
		{items + "?limit=0", 400, `parameter \"limit\"`},
		{items + "?limit=-3", 400, `parameter \"limit\"`},
		{items + "?limit=x", 400, `parameter \"limit\"`},
		{items + "?colour=red", 400, `parameter \"colour\": unknown parameter`},
		{items + "?datetime=2017-02", 400, `parameter \"datetime\"`},
		{items + "?datetime=2017-03-01/2017-02-01", 400, `parameter \"datetime\"`},
		{items + "?datetime=2017-02-01/..&from=2017-01", 400, `parameter \"datetime\": give datetime or from/to`},
		{items + "?bbox=1,2,3", 400, `parameter \"bbox\"`},
		{items + "?category=nonsense", 400, `parameter \"category\"`},
		{items + "?cursor=old.12", 400, `parameter \"cursor\"`},
		{items + "?datetime=2017-03-01/..", 200, `"numberMatched":0`},
	} {
		code, body := get(t, ts, tc.path)
		if code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d %.300s; want %d with %s", tc.path, code, body, tc.status, tc.want)
		}
		if code >= 400 && !bytes.HasPrefix(body, []byte(`{"error":`)) {
			t.Errorf("GET %s: error body %s is not the JSON error shape", tc.path, body)
		}
	}
}

// TestOGCItemsPageThroughAnArea follows next links over every page of
// areas and filters: each crime once, as many as numberMatched and
// /v1/counts count, and the same pages again while the dataset stays.
func TestOGCItemsPageThroughAnArea(t *testing.T) {
	ts := newServer(t)
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	for _, tc := range []struct{ items, counts string }{
		{"bbox=-1.5,50.8,-1.3,51&limit=700", "bbox=-1.5,50.8,-1.3,51"},
		{"bbox=-1.5,50.8,-1.3,51&datetime=2017-02-01/2017-02-28&category=burglary,drugs&limit=50", "bbox=-1.5,50.8,-1.3,51&from=2017-02&to=2017-02&category=burglary,drugs"},
		{"datetime=2017-02-10T12:00:00Z&limit=5000", "bbox=-180,-90,180,90"},
		{"limit=5000", "bbox=-180,-90,180,90"},
		{"category=burglary&limit=300", "bbox=-180,-90,180,90&category=burglary"},
		{"lat=50.9097&lng=-1.4044&radius_m=1000&outcome=none&limit=40", "lat=50.9097&lng=-1.4044&radius_m=1000&outcome=none"},
	} {
		want := v1Count(t, ts, tc.counts)
		var pages [][]byte
		for range 2 {
			seen := map[int]bool{}
			url := ts.URL + "/ogc/collections/crimes/items?" + tc.items
			for i := 0; url != ""; i++ {
				if i > 1000 {
					t.Fatalf("%s: more than 1,000 pages", tc.items)
				}
				p, body := getOGCPage(t, url)
				if p.Type != "FeatureCollection" || p.NumberMatched != want || p.NumberReturned != len(p.Features) || p.TimeStamp == "" {
					t.Fatalf("%s: page %d: type %q, numberMatched %d (want %d), numberReturned %d of %d features, timeStamp %q",
						tc.items, i, p.Type, p.NumberMatched, want, p.NumberReturned, len(p.Features), p.TimeStamp)
				}
				if !strings.HasPrefix(p.link("self"), ts.URL+"/ogc/collections/crimes/items") {
					t.Errorf("%s: self link %q", tc.items, p.link("self"))
				}
				for _, f := range p.Features {
					if seen[f.ID] {
						t.Fatalf("%s: crime %d twice", tc.items, f.ID)
					}
					seen[f.ID] = true
				}
				pages = append(pages, stamp.ReplaceAll(body, nil))
				url = p.link("next")
			}
			if len(seen) != want {
				t.Errorf("%s: %d crimes over the pages, /v1/counts?%s counts %d", tc.items, len(seen), tc.counts, want)
			}
		}
		n := len(pages) / 2
		if n < 2 && want > 40 {
			t.Errorf("%s: %d crimes in %d page", tc.items, want, n)
		}
		for i := range n {
			if !bytes.Equal(pages[i], pages[n+i]) {
				t.Errorf("%s: page %d differs the second time", tc.items, i)
			}
		}
	}
}

// TestOGCLimit serves the default page and at most the maximum, however
// many are asked for.
func TestOGCLimit(t *testing.T) {
	ts := newServer(t)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", server.DefaultOGCLimit},
		{"?limit=20000", server.MaxOGCLimit},
		{"?limit=99999999999999999999999", server.MaxOGCLimit},
	} {
		p, _ := getOGCPage(t, ts.URL+"/ogc/collections/crimes/items"+tc.query)
		if p.NumberReturned != tc.want || p.link("next") == "" {
			t.Errorf("items%s: %d features, next %q; want %d and a next link", tc.query, p.NumberReturned, p.link("next"), tc.want)
		}
	}
}

// TestOGCLinksUnderPublicURL builds every link under --public-url when it
// is set, and the landing page links the API definition.
func TestOGCLinksUnderPublicURL(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.PublicURL = "https://crime.example.org/"
	s := server.New(cfg, server.Deps{})
	s.SetDataset(dataset(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	for _, path := range []string{"/ogc/", "/ogc/collections", "/ogc/collections/crimes", "/ogc/collections/crimes/items?limit=1", ogcItem(t, 3)} {
		code, body := get(t, ts, path)
		var doc struct {
			Links []struct{ Href, Rel string }
		}
		if err := json.Unmarshal(body, &doc); code != 200 || err != nil {
			t.Fatalf("%s: %d %v", path, code, err)
		}
		all := string(body)
		for _, l := range regexp.MustCompile(`"href":"([^"]*)"`).FindAllStringSubmatch(all, -1) {
			if !strings.HasPrefix(l[1], "https://crime.example.org/") || strings.Contains(l[1], "//ogc") {
				t.Errorf("%s: link %q is not under the public URL", path, l[1])
			}
		}
		if path == "/ogc/" && !strings.Contains(all, `"href":"https://crime.example.org/openapi.json","rel":"service-desc"`) {
			t.Errorf("landing page does not link the API definition: %s", all)
		}
	}
	code, body := get(t, ts, "/openapi.json")
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); code != 200 || err != nil || doc.OpenAPI != "3.1.0" || doc.Paths["/ogc/collections/{collectionId}/items"] == nil {
		t.Errorf("/openapi.json: %d %v %q, %d paths", code, err, doc.OpenAPI, len(doc.Paths))
	}
}

// TestOGCMethods answers HEAD as GET without a body, and any other method
// 405 with Allow.
func TestOGCMethods(t *testing.T) {
	ts := newServer(t)
	for _, path := range []string{"/ogc/", "/ogc/collections/crimes/items?limit=3", ogcItem(t, 3), "/openapi.json"} {
		resp, body := do(t, http.DefaultClient, mustRequest(t, http.MethodHead, ts.URL+path))
		if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, Content-Type %q", path, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
		resp, body = do(t, http.DefaultClient, mustRequest(t, http.MethodPost, ts.URL+path))
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d, Allow %q: %s", path, resp.StatusCode, resp.Header.Get("Allow"), body)
		}
	}
}

// ogcItem is the path of crime c of the test dataset, by its public id.
func ogcItem(t testing.TB, c geo.CrimeID) string {
	return "/ogc/collections/crimes/items/" + strconv.FormatInt(dataset(t).PublicID(c), 10)
}
