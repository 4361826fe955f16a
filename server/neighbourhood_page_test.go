package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crimemap/boundary"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/postcode"
	"crimemap/server"
)

// hostileName is a neighbourhood name with an entity, as the API writes
// names (the police-data-kit fixture neighbourhood-html-in-name), and markup
// that must come out as text.
const hostileName = `Leake &amp; Keyworth <script>alert(1)</script>`

// newPageServer serves the team server's data plus a neighbourhood west of
// SO14 sharing its edge (hampshire/SO16, named hostileName) and a KML
// boundary for Shirley (SO15) east of it, so SO14 has two neighbours.
func newPageServer(t testing.TB) (*server.Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	err := filepath.WalkDir(teamDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(teamDir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == filepath.Join("hampshire", "neighbourhoods.json") {
			b = []byte(strings.Replace(string(b), "[", `[{"id": "SO16", "name": "`+strings.ReplaceAll(hostileName, `"`, `\"`)+`"},`, 1))
		}
		return writeFile(filepath.Join(dir, rel), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	must(t, writeFile(filepath.Join(dir, "hampshire", "SO16.json"), []byte(`{"name": "`+hostileName+`", "id": "SO16",
		"contact_details": {"email": "x@example.org", "web": "javascript:alert(1)"}}`)))
	must(t, writeFile(filepath.Join(dir, "hampshire", "SO16", "boundary.json"), []byte(`[
		{"latitude": "50.8950", "longitude": "-1.4400"}, {"latitude": "50.8950", "longitude": "-1.4150"},
		{"latitude": "50.9120", "longitude": "-1.4150"}, {"latitude": "50.9120", "longitude": "-1.4400"}]`)))
	teams, _, err := neighbourhood.LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	kdir := t.TempDir()
	must(t, writeFile(filepath.Join(kdir, "hampshire", "SO15.kml"), []byte(`<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark><name>Shirley</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>-1.39,50.90 -1.37,50.90 -1.37,50.91 -1.39,50.91 -1.39,50.90</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>`)))
	kmls, err := boundary.Load(kdir)
	if err != nil {
		t.Fatal(err)
	}
	return serveTeams(t, teams, kmls, true)
}

// serveTeams serves the Hampshire month with teams, the postcode sample and
// a locator over teams and kmls; withKML also serves kmls as boundary=ID
// areas.
func serveTeams(t testing.TB, teams *neighbourhood.Set, kmls *boundary.Set, withKML bool) (*server.Server, *httptest.Server) {
	t.Helper()
	loc, _, err := locate.Build(teams, kmls)
	if err != nil {
		t.Fatal(err)
	}
	pcs, _, err := postcode.LoadFile(context.Background(), "../postcode/testdata/onspd-sample.csv", postcode.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	deps := server.Deps{Neighbourhoods: teams, Locator: loc, Postcodes: pcs}
	if withKML {
		deps.Boundaries = kmls
	}
	s := server.New(server.DefaultConfig(), deps)
	s.SetDataset(dataset(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNeighbourhoodPage(t *testing.T) {
	_, ts := newPageServer(t)
	status, body := get(t, ts, "/neighbourhoods/hampshire/SO14")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	page := string(body)
	for _, want := range []string{
		`<h1 id="hood-name">Southampton City Centre</h1>`,
		`<a href="https://www.hampshire.police.uk/">Hampshire Constabulary</a>`,
		`href="tel:101"`,
		`href="mailto:southampton.central@hampshire.pnn.police.uk"`,
		`href="https://www.hampshire.police.uk/area/southampton-city-centre"`,
		`<h3>Aisha Khan</h3>`, `<p class="rank">Sergeant</p>`, `Sgt Khan has led`,
		`href="mailto:a.khan@hampshire.pnn.police.uk"`,
		`Anti-social behaviour around <b>Bargate</b> at night.`,
		`<p>Cycle theft at the station</p>`,
		`<h3>Drop-in at the library</h3>`, `<h3>Bike marking</h3>`,
		`<time datetime="2017-02">February 2017</time>`,
		`href="/neighbourhoods/hampshire/SO15">Shirley</a>`,
		`href="/neighbourhoods/hampshire/SO16">Leake &amp; Keyworth &lt;script&gt;alert(1)&lt;/script&gt;</a>`,
		`Contains public sector information`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"Bargate beat surgery", "alert(1)</script>", "<script>alert"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	// Past events are hidden; upcoming ones come earliest first.
	if strings.Index(page, "Drop-in at the library") > strings.Index(page, "Bike marking") {
		t.Error("events are not in date order")
	}
	// Headings go down one level at a time.
	prev := 1
	for _, m := range regexp.MustCompile(`<h([1-6])`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[1])
		if n > prev+1 {
			t.Errorf("h%d after h%d", n, prev)
		}
		prev = n
	}
}

// The page's month total is /v1/counts's for the same area and month.
func TestNeighbourhoodPageCountsMatchAPI(t *testing.T) {
	_, ts := newPageServer(t)
	for _, hood := range []string{"SO14", "SO15"} {
		_, body := get(t, ts, "/neighbourhoods/hampshire/"+hood)
		m := regexp.MustCompile(`<strong id="crime-total">(\d+)</strong>`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no total on the page", hood)
		}
		csv := regexp.MustCompile(`href="/v1/crimes\?([^"]+)"`).FindSubmatch(body)
		if csv == nil {
			t.Fatalf("%s: no CSV link", hood)
		}
		q := strings.ReplaceAll(strings.ReplaceAll(string(csv[1]), "&amp;", "&"), "format=csv&", "")
		status, cb := get(t, ts, "/v1/counts?"+q)
		if status != 200 {
			t.Fatalf("%s: counts %d %s", hood, status, cb)
		}
		var counts struct{ Total int }
		must(t, json.Unmarshal(cb, &counts))
		if got, _ := strconv.Atoi(string(m[1])); got != counts.Total || got == 0 {
			t.Errorf("%s: page says %d crimes, /v1/counts?%s says %d", hood, got, q, counts.Total)
		}
	}
}

func TestNeighbourhoodPageEscapes(t *testing.T) {
	_, ts := newPageServer(t)
	_, body := get(t, ts, "/neighbourhoods/hampshire/SO16")
	page := string(body)
	if !strings.Contains(page, `<h1 id="hood-name">Leake &amp; Keyworth &lt;script&gt;alert(1)&lt;/script&gt;</h1>`) {
		t.Errorf("name not shown as text once:\n%s", page[:min(len(page), 3000)])
	}
	if strings.Contains(page, "javascript:") || strings.Contains(page, "<script>alert") {
		t.Error("page carries the hostile markup or link")
	}
	if !strings.Contains(page, `href="mailto:x@example.org"`) {
		t.Error("no mailto link")
	}
}

func TestNeighbourhoodSearch(t *testing.T) {
	_, ts := newPageServer(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		q        string
		status   int
		location string
		body     string
	}{
		{"SO14 7LY", 303, "/neighbourhoods/hampshire/SO14", ""},
		{"so147ly", 303, "/neighbourhoods/hampshire/SO14", ""},
		{"Compton Walk", 303, "/neighbourhoods/hampshire/SO14", ""},
		{"50.9,-1.43", 303, "/neighbourhoods/hampshire/SO16", ""},
		{"ZZ99 9ZZ", 404, "", "Nothing matches &#34;ZZ99 9ZZ&#34;"},
		{"<b>x</b>", 404, "", "&lt;b&gt;x&lt;/b&gt;"},
		{"0,0", 404, "", "outside every neighbourhood"},
		{"", 200, "", `<label for="hood-q">`},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			resp, body := do(t, c, mustRequest(t, "GET", ts.URL+"/neighbourhoods?q="+urlQuery(tc.q)))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			if !strings.Contains(string(body), tc.body) {
				t.Errorf("body lacks %q:\n%s", tc.body, body)
			}
		})
	}
}

func urlQuery(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, " ", "+"), ",", "%2C")
}

func TestNeighbourhoodPageNotFound(t *testing.T) {
	_, ts := newPageServer(t)
	for _, p := range []string{"/neighbourhoods/hampshire/NOPE", "/neighbourhoods/nowhere/SO14", "/neighbourhoods/hampshire/%3Cb%3Ex"} {
		status, body := get(t, ts, p)
		if status != 404 {
			t.Errorf("%s: status %d, want 404", p, status)
		}
		// A person gets the search form back, with the name escaped.
		if !bytes.Contains(body, []byte(`name="q"`)) || !bytes.Contains(body, []byte("There is no neighbourhood")) || bytes.Contains(body, []byte("<b>x")) {
			t.Errorf("%s: want the search form with an escaped message, got %.300s", p, body)
		}
	}
}

// BenchmarkNeighbourhoodPage renders SO14's page, crime summary included.
func BenchmarkNeighbourhoodPage(b *testing.B) {
	s, _ := newPageServer(b)
	benchPage(b, s, "/neighbourhoods/hampshire/SO14")
}

func benchPage(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", path, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}

func TestEmbedNeighbourhood(t *testing.T) {
	_, ts := newPageServer(t)
	status, body := get(t, ts, "/embed?neighbourhood=hampshire/SO14")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	m := regexp.MustCompile(`<h1>(\d+) crimes in <time datetime="2017-02">`).FindSubmatch(body)
	if m == nil || !strings.Contains(string(body), "in Southampton City Centre") || !strings.Contains(string(body), `"boundary":[[[`) {
		t.Fatalf("embed lacks the neighbourhood's summary or boundary:\n%s", body)
	}
	_, page := get(t, ts, "/neighbourhoods/hampshire/SO14")
	if !strings.Contains(string(page), `<strong id="crime-total">`+string(m[1])+`</strong>`) {
		t.Errorf("embed says %s crimes, the page differs", m[1])
	}
	for _, bad := range []string{"hampshire/NOPE", "hampshire", "/SO14"} {
		if status, body := get(t, ts, "/embed?neighbourhood="+bad); status != 400 || !strings.Contains(string(body), "neighbourhood") {
			t.Errorf("neighbourhood=%s: %d %s", bad, status, body)
		}
	}
}
