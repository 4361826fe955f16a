package server_test

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"html"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"crimemap/internal/testsupport/datasets"
	"crimemap/server"
)

const hampshireCSV = "../testdata/police-uk/2017-02/2017-02-hampshire-street.csv"

func webServer(t *testing.T, cfg server.Config) *httptest.Server {
	t.Helper()
	s := server.New(cfg, server.Deps{})
	s.SetDataset(datasets.Hampshire(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func fetch(t *testing.T, ts *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := mustRequest(t, http.MethodGet, ts.URL+path)
	// Go's client would otherwise ask for gzip and unzip behind our back.
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, b := do(t, http.DefaultClient, req)
	return resp, string(b)
}

// streetCrime is one row of the bundled CSV, read without package ingest so
// the embed's numbers are checked against an independent count.
type streetCrime struct {
	month, kind string
	lon, lat    float64
}

func readStreetCSV(t *testing.T) []streetCrime {
	t.Helper()
	f, err := os.Open(hampshireCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	var out []streetCrime
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lon, err1 := strconv.ParseFloat(rec[col["Longitude"]], 64)
		lat, err2 := strconv.ParseFloat(rec[col["Latitude"]], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, streetCrime{month: rec[col["Month"]], kind: rec[col["Crime type"]], lon: lon, lat: lat})
	}
	return out
}

// haversine is the great-circle distance in metres on the IUGG mean sphere.
func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

var (
	reEmbedTotal = regexp.MustCompile(`<h1>(\d+) crimes? in <time datetime="(\d{4}-\d{2})">`)
	reEmbedRow   = regexp.MustCompile(`<tr data-category="([^"]+)"><th scope="row"><span class="swatch"[^>]*></span>([^<]+)</th><td>(\d+)</td></tr>`)
)

type kindCount struct {
	name string
	n    int
}

func TestEmbedSummaryMatchesBruteForce(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	rows := readStreetCSV(t)
	tests := []struct {
		name        string
		lat, lng, r float64
		query       string
		kinds       []string // crime types the filter keeps; nil keeps all
	}{
		{name: "southampton centre", lat: 50.9097, lng: -1.4044, r: 500},
		{name: "portsmouth wide", lat: 50.7989, lng: -1.0912, r: 2000},
		{name: "small radius", lat: 50.9097, lng: -1.4044, r: 120},
		{name: "one type", lat: 50.9097, lng: -1.4044, r: 1000, query: "&category=shoplifting", kinds: []string{"Shoplifting"}},
		{name: "two types", lat: 51.2652, lng: -1.0872, r: 1500, query: "&category=burglary,vehicle-crime", kinds: []string{"Burglary", "Vehicle crime"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/embed?lat=" + strconv.FormatFloat(tc.lat, 'f', -1, 64) + "&lng=" + strconv.FormatFloat(tc.lng, 'f', -1, 64) +
				"&radius_m=" + strconv.FormatFloat(tc.r, 'f', -1, 64) + tc.query
			resp, body := fetch(t, ts, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, body)
			}
			m := reEmbedTotal.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("GET %s: no total heading in\n%s", path, body)
			}
			total, _ := strconv.Atoi(m[1])

			byKind := map[string]int{}
			want := 0
			for _, c := range rows {
				if c.month != m[2] || (tc.kinds != nil && !contains(tc.kinds, c.kind)) {
					continue
				}
				// Points within a millimetre of the edge could go either way
				// with float noise; none of the chosen circles has one.
				if haversine(tc.lng, tc.lat, c.lon, c.lat) <= tc.r {
					byKind[c.kind]++
					want++
				}
			}
			if want == 0 {
				t.Fatalf("test circle holds no crimes; pick a busier place")
			}
			if total != want {
				t.Errorf("GET %s: total = %d, want %d", path, total, want)
			}
			var wantTop []kindCount
			for k, n := range byKind {
				wantTop = append(wantTop, kindCount{k, n})
			}
			sort.Slice(wantTop, func(i, j int) bool {
				if wantTop[i].n != wantTop[j].n {
					return wantTop[i].n > wantTop[j].n
				}
				return wantTop[i].name < wantTop[j].name
			})
			if len(wantTop) > 5 {
				wantTop = wantTop[:5]
			}
			var gotTop []kindCount
			for _, r := range reEmbedRow.FindAllStringSubmatch(body, -1) {
				n, _ := strconv.Atoi(r[3])
				gotTop = append(gotTop, kindCount{html.UnescapeString(r[2]), n})
			}
			if !equalCounts(gotTop, wantTop) {
				t.Errorf("GET %s: top types = %v, want %v", path, gotTop, wantTop)
			}
			if !strings.Contains(body, "Contains public sector information licensed under the Open Government Licence v3.0.") {
				t.Errorf("GET %s: attribution missing", path)
			}
			if !strings.Contains(body, `href="/?`) || !strings.Contains(body, "lat="+strconv.FormatFloat(tc.lat, 'f', 5, 64)) {
				t.Errorf("GET %s: no link to the full map at the same point", path)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func equalCounts(a, b []kindCount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEmbedRejectsBadParameters(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	tests := []struct {
		name, query, param string
	}{
		{"no point", "", "lat"},
		{"lat only", "lat=50.9", "lng"},
		{"lat out of range", "lat=91&lng=0", "lat"},
		{"radius too large", "lat=50.9&lng=-1.4&radius_m=50000", "radius_m"},
		{"radius zero", "lat=50.9&lng=-1.4&radius_m=0", "radius_m"},
		{"zoom out of range", "lat=50.9&lng=-1.4&zoom=30", "zoom"},
		{"unknown category", "lat=50.9&lng=-1.4&category=jaywalking", "category"},
		{"bad month", "lat=50.9&lng=-1.4&from=2017-13", "from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, ts, "/embed?"+tc.query)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("GET /embed?%s = %d, want 400", tc.query, resp.StatusCode)
			}
			if !strings.Contains(body, `\"`+tc.param+`\"`) && !strings.Contains(body, `"`+tc.param+`"`) {
				t.Errorf("GET /embed?%s: error %s does not name %q", tc.query, body, tc.param)
			}
		})
	}
}

func TestEmbedMonthOutsideDataHasNoSummary(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	resp, body := fetch(t, ts, "/embed?lat=50.9097&lng=-1.4044&from=2020-01")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "No crime data") || reEmbedTotal.MatchString(body) {
		t.Errorf("a filter after the last month should say there is no data, got\n%s", body)
	}
}

// TestFramingPolicy: the map page had no frame protection and neither page
// a Content-Security-Policy. Both get a policy that allows no inline script
// or style; the map may be framed only by its own site, the embed by the
// sites --frame-ancestors names (any without it).
func TestFramingPolicy(t *testing.T) {
	const embed = "/embed?lat=50.9097&lng=-1.4044"
	tests := []struct {
		name, ancestors, path, frame, xfo string
	}{
		{"map by default", "", "/", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"map restricted", "'self' https://example.org", "/", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"embed by default", "", embed, "", ""},
		{"embed restricted", "'self' https://example.org", embed, "frame-ancestors 'self' https://example.org", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.DefaultConfig()
			cfg.FrameAncestors = tc.ancestors
			ts := webServer(t, cfg)
			resp, _ := fetch(t, ts, tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.path, resp.StatusCode)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("GET %s: Content-Security-Policy %q lacks %q", tc.path, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("GET %s: Content-Security-Policy %q allows unsafe sources", tc.path, csp)
			}
			_, frame, _ := strings.Cut(csp, "frame-ancestors")
			if frame != "" {
				frame = "frame-ancestors" + frame
			}
			if frame != tc.frame {
				t.Errorf("GET %s: framing policy %q, want %q", tc.path, frame, tc.frame)
			}
			if got := resp.Header.Get("X-Frame-Options"); got != tc.xfo {
				t.Errorf("GET %s: X-Frame-Options = %q, want %q", tc.path, got, tc.xfo)
			}
		})
	}
	// A basemap style fetches from the hosts it names.
	cfg := server.DefaultConfig()
	cfg.StyleURL = "http://127.0.0.1:9999/style.json"
	resp, _ := fetch(t, webServer(t, cfg), "/")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https: http://127.0.0.1:9999") {
		t.Errorf("with a style: Content-Security-Policy %q", csp)
	}
}

// TestPagesHaveNoInlineCode: the Content-Security-Policy blocks inline
// scripts, event handler attributes and style attributes, so the pages
// must carry none.
func TestPagesHaveNoInlineCode(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	inline := regexp.MustCompile(`<script(?:>|\s[^>]*>)[^<]|\son[a-z]+=|\sstyle=|<style`)
	for _, path := range []string{"/", "/embed?lat=50.9097&lng=-1.4044"} {
		_, body := fetch(t, ts, path)
		for _, m := range inline.FindAllStringIndex(string(body), -1) {
			tag := string(body[m[0]:min(len(body), m[1]+40)])
			if strings.HasPrefix(tag, `<script type="application/json"`) {
				continue // data, not script
			}
			t.Errorf("GET %s: inline code %q", path, tag)
		}
	}
}

var reLocalRef = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestMapPageLoadsOnlyLocalAssets(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.StyleURL = "https://tiles.example.org/style.json"
	ts := webServer(t, cfg)
	resp, body := fetch(t, ts, "/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, `"styleURL":"https://tiles.example.org/style.json"`) {
		t.Errorf("GET /: the configured style URL is not handed to the page")
	}
	// This build serves hex tiles and hotspots, so the page must offer them.
	for _, want := range []string{`"hexTiles":true`, `"hotspots":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /: page config lacks %s", want)
		}
	}
	refs := reLocalRef.FindAllStringSubmatch(body, -1)
	if len(refs) < 3 {
		t.Fatalf("GET /: found only %d asset references", len(refs))
	}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "#") {
			continue
		}
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("GET /: %q is not served by this server", ref)
			continue
		}
		if strings.HasPrefix(ref, "/static/") {
			if r, _ := fetch(t, ts, ref); r.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", ref, r.StatusCode)
			}
		}
	}
}

func TestStaticAssetsGzip(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	tests := []struct {
		path, ctype string
		gzip        bool
	}{
		{"/static/maplibre-gl/maplibre-gl.mjs", "text/javascript", true},
		{"/static/app/map.css", "text/css", true},
		{"/static/app/icon.svg", "image/svg+xml", false}, // too small to gain
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, plain := fetch(t, ts, tc.path)
			resp, body := fetch(t, ts, tc.path, "Accept-Encoding", "gzip")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.path, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("GET %s: Content-Type %q, want %s", tc.path, ct, tc.ctype)
			}
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Fatalf("GET %s with Accept-Encoding gzip: gzipped = %v, want %v", tc.path, got, tc.gzip)
			}
			if !tc.gzip {
				return
			}
			zr, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if string(unzipped) != plain {
				t.Errorf("GET %s: gzipped body does not unzip to the plain one", tc.path)
			}
			if len(body) >= len(plain)/2 {
				t.Errorf("GET %s: gzip saves little (%d of %d bytes)", tc.path, len(body), len(plain))
			}
			etag := resp.Header.Get("ETag")
			plainResp, _ := fetch(t, ts, tc.path)
			if etag == "" || etag == plainResp.Header.Get("ETag") {
				t.Errorf("GET %s: gzipped ETag %q must differ from the plain one", tc.path, etag)
			}
			again, rest := fetch(t, ts, tc.path, "Accept-Encoding", "gzip", "If-None-Match", etag)
			if again.StatusCode != http.StatusNotModified || rest != "" {
				t.Errorf("GET %s revalidating the gzipped ETag = %d, want 304", tc.path, again.StatusCode)
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	tests := []struct {
		path   string
		status int
		ctype  string
	}{
		{"/static/maplibre-gl/maplibre-gl.mjs", 200, "text/javascript"},
		{"/static/maplibre-gl/maplibre-gl-worker.mjs", 200, "text/javascript"},
		{"/static/maplibre-gl/maplibre-gl.css", 200, "text/css"},
		{"/static/maplibre-gl/LICENSE.txt", 200, "text/plain"},
		{"/static/app/map.js", 200, "text/javascript"},
		{"/static/app/embed.js", 200, "text/javascript"},
		{"/static/app/missing.js", 404, "application/json"},
		{"/static/app", 404, "application/json"},
		{"/static/", 404, "application/json"},
		{"/static/../go.mod", 404, "application/json"},
		{"/static/%2e%2e/web.go", 404, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := fetch(t, ts, tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("GET %s: Content-Type %q, want %s", tc.path, ct, tc.ctype)
			}
			if tc.status != 200 {
				return
			}
			if len(body) == 0 {
				t.Errorf("GET %s: empty body", tc.path)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatalf("GET %s: no ETag", tc.path)
			}
			again, rest := fetch(t, ts, tc.path, "If-None-Match", etag)
			if again.StatusCode != http.StatusNotModified || rest != "" {
				t.Errorf("GET %s with If-None-Match %s = %d, want 304", tc.path, etag, again.StatusCode)
			}
		})
	}
}
