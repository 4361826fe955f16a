package server

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport/datasets"
	"crimemap/synth"
)

// object is a JSON object with its keys in the order given, each value
// encoded by encoding/json.
type object []struct {
	k string
	v any
}

func (o object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, kv := range o {
		if i > 0 {
			b = append(b, ',')
		}
		for _, x := range []any{kv.k, kv.v} {
			var e bytes.Buffer
			enc := json.NewEncoder(&e)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(x); err != nil {
				return nil, err
			}
			b = append(b, bytes.TrimSuffix(e.Bytes(), []byte("\n"))...)
			b = append(b, ':')
		}
		b = b[:len(b)-1]
	}
	return append(b, '}'), nil
}

// refPolice is a data.police.uk crime as encoding/json writes it, keys in
// the order data.police.uk sends.
type refPolice struct {
	Category      string          `json:"category"`
	LocationType  string          `json:"location_type"`
	Location      *policeLocation `json:"location"`
	Context       string          `json:"context"`
	OutcomeStatus *struct {
		Category string `json:"category"`
		Date     string `json:"date"`
	} `json:"outcome_status"`
	PersistentID    string `json:"persistent_id"`
	ID              int64  `json:"id"`
	LocationSubtype string `json:"location_subtype"`
	Month           string `json:"month"`
}

// refFeatureOf is a /v1/crimes Feature as encoding/json writes it.
func refFeatureOf(ds *geo.Dataset, c geo.CrimeID, p geo.PointID) object {
	pt := ds.Point(p)
	o := ds.Outcomes().Term(int(ds.Outcome(c)))
	id := ds.PublicID(c)
	return object{
		{"type", "Feature"}, {"id", id},
		{"geometry", object{{"type", "Point"}, {"coordinates", []json.Number{json.Number(formatCoord(pt.Lon)), json.Number(formatCoord(pt.Lat))}}}},
		{"properties", object{
			{"id", id}, {"persistent_id", ds.PersistentID(c)}, {"month", ds.Month(c).String()},
			{"category", ds.Categories().Term(int(ds.Category(c))).Slug}, {"force", ds.Forces().Term(int(ds.Force(c))).Slug},
			{"outcome", o.Slug}, {"outcome_name", o.Name}, {"context", ds.Context(c)},
			{"location_id", ds.LocationID(p)}, {"street", pt.Street}, {"lsoa_code", pt.LSOACode}, {"lsoa_name", pt.LSOAName},
		}},
	}
}

func refPoliceOf(ds *geo.Dataset, c geo.CrimeID, p geo.PointID) refPolice {
	pt := ds.Point(p)
	r := refPolice{
		Category: ds.Categories().Term(int(ds.Category(c))).Slug, LocationType: "Force",
		Location: &policeLocation{Latitude: formatCoord(pt.Lat), Longitude: formatCoord(pt.Lon),
			Street: policeStreet{ID: ds.LocationID(p), Name: pt.Street}},
		Context: ds.Context(c), PersistentID: ds.PersistentID(c), ID: ds.PublicID(c), Month: ds.Month(c).String(),
	}
	if ds.Forces().Term(int(ds.Force(c))).Slug == "btp" {
		r.LocationType = "BTP"
	}
	if o := ds.Outcome(c); o != geo.NoOutcome {
		date := ds.Month(c)
		if h := ds.OutcomeHistory(c); len(h) > 0 {
			date = h[len(h)-1].Month
		}
		r.OutcomeStatus = &struct {
			Category string `json:"category"`
			Date     string `json:"date"`
		}{ds.Outcomes().Term(int(o)).Name, date.String()}
	}
	return r
}

// encodeRef is v as encoding/json writes it, with a final newline and
// without the HTML escaping the API does not do.
func encodeRef(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// listingCase is one circle, month range and category of a listing, with
// its crimes found by testing every crime of the table, not by the R-tree.
type listingCase struct {
	lat, lng, r float64
	from, to    geo.Month
	cat         int // -1 for all
	hits        []hit
}

func randomCases(ds *geo.Dataset, n int, rng *rand.Rand) []listingCase {
	months := ds.Months()
	var out []listingCase
	for len(out) < n {
		p := ds.PointOf(geo.CrimeID(rng.IntN(ds.Located())))
		lon, lat := ds.PointLonLat(p)
		lc := listingCase{lat: lat, lng: lon, r: 100 + rng.Float64()*3000, cat: -1}
		i, j := rng.IntN(len(months)), rng.IntN(len(months))
		lc.from, lc.to = months[min(i, j)], months[max(i, j)]
		if rng.IntN(4) == 0 {
			lc.cat = int(ds.Category(geo.CrimeID(rng.IntN(ds.Located()))))
		}
		circle, err := geo.NewCircle(lc.lng, lc.lat, lc.r)
		if err != nil {
			panic(err)
		}
		for c := geo.CrimeID(0); int(c) < ds.Located(); c++ {
			m, q := ds.Month(c), ds.PointOf(c)
			if m < lc.from || m > lc.to || (lc.cat >= 0 && int(ds.Category(c)) != lc.cat) {
				continue
			}
			if x, y := ds.PointLonLat(q); circle.Contains(x, y) {
				lc.hits = append(lc.hits, hit{q, c})
			}
		}
		if len(lc.hits) > 0 && len(lc.hits) <= MaxPoliceResults {
			out = append(out, lc)
		}
	}
	return out
}

// v1Path and v1Body are the /v1/crimes request of a case and the body
// encoding/json gives its crimes.
func (lc *listingCase) v1Path(ds *geo.Dataset) string {
	path := fmt.Sprintf("/v1/crimes?lat=%.6f&lng=%.6f&radius_m=%.1f&from=%s&to=%s&limit=10000", lc.lat, lc.lng, lc.r, lc.from, lc.to)
	if lc.cat >= 0 {
		path += "&category=" + ds.Categories().Term(lc.cat).Slug
	}
	return path
}

// v1Body is the body of the first page of at most limit crimes.
func (lc *listingCase) v1Body(t *testing.T, ds *geo.Dataset, limit int) []byte {
	fc := struct {
		Type           string   `json:"type"`
		Features       []object `json:"features"`
		DatasetVersion string   `json:"dataset_version"`
		NextCursor     *string  `json:"next_cursor"`
	}{Type: "FeatureCollection", Features: []object{}, DatasetVersion: ds.Version()}
	for _, h := range lc.hits[:min(limit, len(lc.hits))] {
		fc.Features = append(fc.Features, refFeatureOf(ds, h.c, h.p))
	}
	if len(lc.hits) > limit {
		next := fmt.Sprintf("%s.%d", ds.Version(), ds.ListingKey(lc.hits[limit-1].c))
		fc.NextCursor = &next
	}
	return encodeRef(t, fc)
}

// policePath and policeBody are the same for crimes-street, which takes
// one month and a one-mile circle: the case's first month, its crimes
// within a mile, grouped by category.
func (lc *listingCase) policePath(ds *geo.Dataset) string {
	cat := "all-crime"
	if lc.cat >= 0 {
		cat = ds.Categories().Term(lc.cat).Slug
	}
	return fmt.Sprintf("/api/crimes-street/%s?lat=%.6f&lng=%.6f&date=%s", cat, lc.lat, lc.lng, lc.from)
}

func (lc *listingCase) policeBody(t *testing.T, ds *geo.Dataset) []byte {
	circle, _ := geo.NewCircle(lc.lng, lc.lat, PoliceRadiusM)
	var hits []hit
	for c := geo.CrimeID(0); int(c) < ds.Located(); c++ {
		if ds.Month(c) != lc.from || (lc.cat >= 0 && int(ds.Category(c)) != lc.cat) {
			continue
		}
		if x, y := ds.PointLonLat(ds.PointOf(c)); circle.Contains(x, y) {
			hits = append(hits, hit{ds.PointOf(c), c})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(ds.Category(a.c), ds.Category(b.c)) })
	list := []refPolice{}
	for _, h := range hits {
		list = append(list, refPoliceOf(ds, h.c, h.p))
	}
	return encodeRef(t, list)
}

func getListing(t *testing.T, s *Server, path string, gz bool) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.Bytes())
	}
	if !gz {
		return w.Body.Bytes()
	}
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET %s: Content-Encoding %q", path, w.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return b
}

// synthMonths is a small synthetic archive of several months, so listings
// span months and a point's crimes fall into several cached runs.
func synthMonths(t *testing.T) *geo.Dataset {
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Outcomes, cfg.CrimesPerPoint = 30_000, 3, true, 30
	dir := t.TempDir()
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	ds, _, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestListingsMatchEncodingJSON: listings of random circles, month ranges
// and categories are, byte for byte, what encoding/json writes for the
// crimes a scan of the whole table finds, whether their crimes come from
// the listing cache (filled, refilled past its bound, or bypassed) or are
// encoded afresh; gzipped, they inflate to the same bytes.
func TestListingsMatchEncodingJSON(t *testing.T) {
	for _, data := range []struct {
		name string
		ds   func(*testing.T) *geo.Dataset
	}{
		{"hampshire", func(t *testing.T) *geo.Dataset { return datasets.Hampshire(t) }},
		{"synthetic", synthMonths},
	} {
		t.Run(data.name, func(t *testing.T) {
			ds := data.ds(t)
			n := 60
			if testing.Short() {
				n = 15
			}
			cases := randomCases(ds, n, rand.New(rand.NewPCG(1, 2)))
			var servers []*Server
			for _, bytes := range []int64{DefaultListingCacheBytes, 64 << 10, 0} {
				cfg := DefaultConfig()
				cfg.BodyCacheBytes, cfg.ListingCacheBytes = 0, bytes
				s := New(cfg, Deps{})
				s.SetDataset(ds)
				servers = append(servers, s)
			}
			for _, lc := range cases {
				short := strings.Replace(lc.v1Path(ds), "limit=10000", "limit=3", 1)
				for _, l := range []struct{ path, want string }{
					{lc.v1Path(ds), string(lc.v1Body(t, ds, 10000))},
					{short, string(lc.v1Body(t, ds, 3))},
					{lc.policePath(ds), string(lc.policeBody(t, ds))},
				} {
					for i, s := range servers {
						// Twice: the second from what the first cached.
						for _, gz := range []bool{false, true, false} {
							if got := string(getListing(t, s, l.path, gz)); got != l.want {
								t.Fatalf("server %d, gzip %t: GET %s\ngot  %.300s\nwant %.300s", i, gz, l.path, got, l.want)
							}
						}
					}
				}
			}
		})
	}
}

// TestListingCacheBound: the cache never holds more than its bound, keeps
// what fits, and refuses a run larger than a sixteenth of it.
func TestListingCacheBound(t *testing.T) {
	const bound, points = 64 << 10, 1000
	c := newListingCache(bound, points)
	run := func(n int) *encodedRun { return &encodedRun{offs: make([]uint32, 2), b: make([]byte, n)} }
	for i := range 5000 {
		c.put(geo.PointID(i%points), geo.Month(i%7), listingFormat(i%2), run(100+i%300))
		held := int64(0)
		for s := range c.slots {
			if pr := c.slots[s].Load(); pr != nil {
				for _, r := range pr.runs {
					held += r.bytes()
				}
			}
		}
		if held > bound || held != c.size {
			t.Fatalf("after %d runs the cache holds %d bytes and counts %d; bound %d", i+1, held, c.size, bound)
		}
	}
	c.put(7, 100, policeFormat, run(100))
	if c.get(7, 100, policeFormat) == nil || c.get(7, 100, featureFormat) != nil {
		t.Error("the latest run is not held under its point, month and format alone")
	}
	c.put(8, 100, policeFormat, run(bound/16))
	if c.get(8, 100, policeFormat) != nil {
		t.Error("a run over a sixteenth of the bound is held")
	}
	if newListingCache(0, points) != nil {
		t.Error("a cache of 0 bytes is not off")
	}
}

// TestListingCacheConcurrent: listings served at once from a cache too
// small for them, so runs are added and evicted while others read them,
// are the answers the cache gives one at a time (run with -race).
func TestListingCacheConcurrent(t *testing.T) {
	ds := datasets.Hampshire(t)
	cases := randomCases(ds, 12, rand.New(rand.NewPCG(3, 4)))
	cfg := DefaultConfig()
	cfg.BodyCacheBytes, cfg.ListingCacheBytes = 0, 32<<10
	s := New(cfg, Deps{})
	s.SetDataset(ds)
	var paths []string
	want := map[string]string{}
	for _, lc := range cases {
		for _, p := range []string{lc.v1Path(ds), lc.policePath(ds)} {
			paths = append(paths, p)
			want[p] = string(getListing(t, s, p, false))
		}
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range 3 * len(paths) {
				p := paths[(i+g*7)%len(paths)]
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
				if w.Body.String() != want[p] {
					errs <- fmt.Errorf("GET %s at once with others differs from alone", p)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
