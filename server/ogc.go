package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"crimemap/fault"
	"crimemap/geo"
	"crimemap/ogc"
)

// Paging limits of /ogc/collections/crimes/items. The default is small, as
// OGC clients expect; the maximum is /v1/crimes's.
const (
	DefaultOGCLimit = 100
	MaxOGCLimit     = MaxPageSize
)

// The collections served: every located crime, and every located stop and
// search.
const (
	ogcCollection      = "crimes"
	ogcStopsCollection = "stops"
)

var errNoCollection = fault.New(fault.NotFound, "no such collection; see /ogc/collections")

// ogcOwnParams are OGC's own parameters of the items (beside f); each
// collection adds its filters and areas. Any other is refused, as Part 1
// asks, so that a misspelt filter is not silently ignored. They are also
// what a next link carries.
var ogcOwnParams = []string{"bbox", "datetime", "limit", "cursor"}

// ogcAreaParams are the /v1/ areas the items take beside bbox.
var ogcAreaParams = []string{"lat", "lng", "radius_m", "poly", "boundary"}

// ogcItemParams are the crimes' items parameters: the /v1/ filters and areas.
var ogcItemParams = slices.Concat([]string{"f"}, ogcOwnParams, []string{"from", "to", "category", "force", "outcome"}, ogcAreaParams)

// ogcStopParams are the stops' items parameters: /v1/stops's filters and areas.
var ogcStopParams = slices.Concat([]string{"f"}, ogcOwnParams, []string{"from", "to"}, stopDimParams(), ogcAreaParams)

// ogcPage is one page of a collection's items.
type ogcPage struct {
	// matched counts the items of every page; n those of this one.
	matched, n int
	// next is the cursor id after which the next page starts, -1 for none.
	next int64
	// feature appends the page's i-th item as a GeoJSON Feature.
	feature func(b []byte, i int) []byte
}

// ogcSource adapts one collection to the OGC API: what the collection
// document says of it, the parameters its items take, a page of them and
// one of them by id. The handlers do the rest, alike for every collection.
type ogcSource struct {
	id, title, description, itemTitle, itemsTitle string
	// params are the items' parameters, f and OGC's own included.
	params []string
	// extent is the box (ok false when empty) and months of the items.
	extent func(snap *snapshot) (box [4]float64, ok bool, months []geo.Month)
	// page reads the filter and area (datetime standing for from and to,
	// applied by datetime) and returns up to limit items after the cursor id.
	page func(s *Server, r *http.Request, snap *snapshot, after int64, limit int) (ogcPage, error)
	// item appends the item of id as a Feature, false when there is none.
	item func(snap *snapshot, b []byte, id uint64) ([]byte, bool)
}

// ogcSources are the collections in the order /ogc/collections lists them.
var ogcSources = []*ogcSource{&ogcCrimeSource, &ogcStopSource}

func ogcSourceOf(r *http.Request) (*ogcSource, error) {
	id := pathVar(r, "collectionId")
	for _, src := range ogcSources {
		if src.id == id {
			return src, nil
		}
	}
	return nil, errNoCollection
}

// ogcRoot is the absolute URL the links of the OGC API start from:
// --public-url when set, else the scheme and Host the request came with.
// OGC clients need absolute links (GDAL 3.6 appends a root-relative href
// to the service URL), and unlike TileJSON's these are never shared between
// hosts: a cache keys them by the URL, host included. Behind a proxy that
// rewrites Host, set --public-url.
func (s *Server) ogcRoot(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host
}

// ogcBase is the root of the OGC API.
func (s *Server) ogcBase(r *http.Request) string { return s.ogcRoot(r) + "/ogc" }

// checkOGCQuery refuses parameters the resource does not take and an f
// other than JSON, the one encoding served.
func checkOGCQuery(r *http.Request, allowed ...string) error {
	q := r.URL.Query()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		if k != "f" && !slices.Contains(allowed, k) {
			return paramError(k, "unknown parameter; this resource takes %s", strings.Join(append([]string{"f"}, allowed...), ", "))
		}
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		return paramError("f", "want json or geojson, got %q", f)
	}
	return nil
}

func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) {
	if err := checkOGCQuery(r); err != nil {
		writeError(w, r, err)
		return
	}
	base := s.ogcBase(r)
	root := s.ogcRoot(r)
	writeJSON(w, r, http.StatusOK, ogc.Landing{
		Title:       "crimemap",
		Description: "Street-level crime and stop and search from data.police.uk as OGC API - Features. " + geo.Attribution,
		Links: []ogc.Link{
			{Href: base + "/", Rel: "self", Type: ogc.TypeJSON, Title: "this document"},
			{Href: root + "/openapi.json", Rel: "service-desc", Type: ogc.TypeOpenAPI, Title: "the API definition"},
			{Href: base + "/conformance", Rel: "conformance", Type: ogc.TypeJSON, Title: "conformance classes"},
			{Href: base + "/collections", Rel: "data", Type: ogc.TypeJSON, Title: "collections"},
		},
	})
}

func (s *Server) handleOGCConformance(w http.ResponseWriter, r *http.Request) {
	if err := checkOGCQuery(r); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, ogc.ConformanceDeclaration{ConformsTo: ogc.Conformance})
}

// describe is the collection document of src in snap.
func (s *Server) describe(r *http.Request, snap *snapshot, src *ogcSource) ogc.Collection {
	box, ok, ms := src.extent(snap)
	if !ok {
		// An empty collection still has an extent: the whole world.
		box = [4]float64{-180, -90, 180, 90}
	}
	var interval [2]*string
	if len(ms) > 0 {
		iv := ogc.MonthInterval(ms[0], ms[len(ms)-1])
		interval = [2]*string{&iv[0], &iv[1]}
	}
	self := s.ogcBase(r) + "/collections/" + src.id
	return ogc.Collection{
		ID:          src.id,
		Title:       src.title,
		Description: src.description + " " + geo.Attribution,
		ItemType:    "feature",
		CRS:         []string{ogc.CRS84},
		Extent:      ogc.NewExtent(box, interval),
		Links: []ogc.Link{
			{Href: self, Rel: "self", Type: ogc.TypeJSON, Title: "this collection"},
			{Href: self + "/items", Rel: "items", Type: ogc.TypeGeoJSON, Title: src.itemsTitle},
		},
	}
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	cs := make([]ogc.Collection, len(ogcSources))
	for i, src := range ogcSources {
		cs[i] = s.describe(r, snap, src)
	}
	writeJSON(w, r, http.StatusOK, ogc.Collections{
		Collections: cs,
		Links:       []ogc.Link{{Href: s.ogcBase(r) + "/collections", Rel: "self", Type: ogc.TypeJSON, Title: "this document"}},
	})
	return nil
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	src, err := ogcSourceOf(r)
	if err != nil {
		return err
	}
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, s.describe(r, snap, src))
	return nil
}

// ogcDatetime applies datetime to the month range from..to of a filter:
// datetime stands for from and to, and cannot be given with them.
func ogcDatetime(r *http.Request, from, to *geo.Month) error {
	dt := formValue(r, "datetime")
	if dt == "" {
		return nil
	}
	if *from != 0 || *to != 0 {
		return paramError("datetime", "give datetime or from/to, not both")
	}
	var err error
	if *from, *to, err = ogc.ParseDatetime(dt); err != nil {
		return paramCause("datetime", err)
	}
	return nil
}

// ogcArea reads the area of an items request, nil when none is given.
func (s *Server) ogcArea(r *http.Request) (geo.Area, error) {
	a, err := s.parseArea(r, MaxRadiusM)
	if errors.Is(err, errNoArea) {
		return nil, nil
	}
	return a, err
}

// ogcItemsQuery reads the filter and area of a crimes items request: the
// /v1/ parameters, with datetime standing for from and to. The area is nil
// when none is given.
func (s *Server) ogcItemsQuery(r *http.Request, ds *geo.Dataset) (geo.Filter, geo.Area, error) {
	f, err := s.parseFilter(r, ds)
	if err != nil {
		return f, nil, err
	}
	if err := ogcDatetime(r, &f.From, &f.To); err != nil {
		return f, nil, err
	}
	a, err := s.ogcArea(r)
	return f, a, err
}

// parseOGCLimit reads limit: an integer of at least 1; one above the
// maximum is served as the maximum, as OGC clients that do not read the
// API definition ask for large pages.
func parseOGCLimit(r *http.Request) (int, error) {
	v := formValue(r, "limit")
	if v == "" {
		return DefaultOGCLimit, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return MaxOGCLimit, nil
	}
	if err != nil || n < 1 {
		return 0, paramError("limit", "want an integer of at least 1 (at most %d are served), got %q", MaxOGCLimit, v)
	}
	return int(min(n, MaxOGCLimit)), nil
}

func (s *Server) handleOGCItems(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	src, err := ogcSourceOf(r)
	if err != nil {
		return err
	}
	if err := checkOGCQuery(r, src.params[1:]...); err != nil {
		return err
	}
	after, err := parseCursor(r, ds.Version())
	if err != nil {
		return err
	}
	limit, err := parseOGCLimit(r)
	if err != nil {
		return err
	}
	pg, err := src.page(s, r, snap, after, limit)
	if err != nil {
		return err
	}
	items := s.ogcBase(r) + "/collections/" + src.id + "/items"
	w.Header().Set("Content-Type", ogc.TypeGeoJSON)
	w.Header().Set("X-Dataset-Version", ds.Version())
	sb := newStreamBody(w, r)
	sb.b = append(sb.b, `{"type":"FeatureCollection","features":[`...)
	for i := range pg.n {
		if i > 0 {
			sb.b = append(sb.b, ',')
		}
		sb.b = pg.feature(sb.b, i)
		sb.maybeFlush()
	}
	sb.b = append(sb.b, `],"numberMatched":`...)
	sb.b = strconv.AppendInt(sb.b, int64(pg.matched), 10)
	sb.b = append(sb.b, `,"numberReturned":`...)
	sb.b = strconv.AppendInt(sb.b, int64(pg.n), 10)
	sb.b = append(sb.b, `,"timeStamp":`...)
	sb.b = appendJSONString(sb.b, time.Now().UTC().Format(time.RFC3339))
	sb.b = append(sb.b, `,"links":[`...)
	sb.b = appendLink(sb.b, ogc.Link{Href: items + ogcQuery(r, src.params, ""), Rel: "self", Type: ogc.TypeGeoJSON, Title: "this page"})
	if pg.next >= 0 {
		next := ds.Version() + "." + strconv.FormatInt(pg.next, 10)
		sb.b = append(sb.b, ',')
		sb.b = appendLink(sb.b, ogc.Link{Href: items + ogcQuery(r, src.params, next), Rel: "next", Type: ogc.TypeGeoJSON, Title: "the next page"})
	}
	sb.b = append(sb.b, "]}\n"...)
	sb.finish()
	return nil
}

// ogcCrimeSource is the crimes collection: every located crime, as
// /v1/crimes gives it.
var ogcCrimeSource = ogcSource{
	id:          ogcCollection,
	title:       "Street-level crimes",
	description: "Every crime with a location, at its anonymised snap point, with the month, category, force and latest outcome.",
	itemTitle:   "this crime",
	itemsTitle:  "the crimes",
	params:      ogcItemParams,
	extent: func(snap *snapshot) ([4]float64, bool, []geo.Month) {
		b := snap.ds.Bound()
		return [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, snap.ds.Located() > 0, snap.ds.Months()
	},
	page: func(s *Server, r *http.Request, snap *snapshot, after int64, limit int) (ogcPage, error) {
		ds := snap.ds
		f, a, err := s.ogcItemsQuery(r, ds)
		if err != nil {
			return ogcPage{}, err
		}
		pg, err := ds.PageIn(r.Context(), a, &f, after, limit)
		if err != nil {
			return ogcPage{}, err
		}
		matched, err := locatedCount(r.Context(), ds, a, &f)
		if err != nil {
			return ogcPage{}, err
		}
		next := int64(-1)
		if pg.More {
			next = int64(pg.Next)
		}
		enc := newCrimeEncoder(snap)
		return ogcPage{matched: matched, n: len(pg.Crimes), next: next, feature: func(b []byte, i int) []byte {
			return enc.appendFeature(b, pg.Crimes[i], pg.Points[i])
		}}, nil
	},
	item: func(snap *snapshot, b []byte, n uint64) ([]byte, bool) {
		ds := snap.ds
		c, ok := ds.CrimeByPublicID(int64(n))
		if !ok || ds.PointOf(c) == geo.NoPoint {
			return b, false
		}
		return newCrimeEncoder(snap).appendFeature(b, c, ds.PointOf(c)), true
	},
}

// locatedCount counts the located crimes in a (nil for everywhere) that
// pass f. Without an area the points are walked in table order rather
// than through the R-tree, as a whole-world box would have them: half the
// time of a national first page (BenchmarkOGCItemsEverywhere).
func locatedCount(ctx context.Context, ds *geo.Dataset, a geo.Area, f *geo.Filter) (int, error) {
	if a == nil && *f == (geo.Filter{}) {
		// A GIS client opening the collection asks this first.
		return ds.Located(), nil
	}
	k, err := ds.Count(ctx, a, f)
	if err != nil || a != nil {
		return k.Total, err
	}
	n := k.Total
	for range ds.NoLocation(f) {
		n--
	}
	return n, nil
}

// ogcQuery is the query string of the items request r with its cursor
// replaced (dropped for ""), holding only the parameters the items take.
func ogcQuery(r *http.Request, params []string, cursor string) string {
	in := r.URL.Query()
	q := url.Values{}
	for _, p := range params {
		if v := in.Get(p); v != "" && p != "cursor" {
			q.Set(p, v)
		}
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func appendLink(b []byte, l ogc.Link) []byte {
	b = append(b, `{"href":`...)
	b = appendJSONString(b, l.Href)
	b = append(b, `,"rel":`...)
	b = appendJSONString(b, l.Rel)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, l.Type)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, l.Title)
	return append(b, '}')
}

func (s *Server) handleOGCItem(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	src, err := ogcSourceOf(r)
	if err != nil {
		return err
	}
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	fid := pathVar(r, "featureId")
	n, err := strconv.ParseUint(fid, 10, 53)
	var b []byte
	ok := err == nil && (len(fid) == 1 || fid[0] != '0')
	if ok {
		b, ok = src.item(snap, getBody(1024), n)
	}
	if !ok {
		putBody(b)
		return fault.Errorf(fault.NotFound, "no feature %q in collection %s", fid, src.id)
	}
	base := s.ogcBase(r) + "/collections/" + src.id
	// The feature's closing brace makes way for its links.
	b = append(b[:len(b)-1], `,"links":[`...)
	b = appendLink(b, ogc.Link{Href: base + "/items/" + fid, Rel: "self", Type: ogc.TypeGeoJSON, Title: src.itemTitle})
	b = append(b, ',')
	b = appendLink(b, ogc.Link{Href: base, Rel: "collection", Type: ogc.TypeJSON, Title: "the collection"})
	b = append(b, "]}\n"...)
	h := w.Header()
	h.Set("X-Dataset-Version", ds.Version())
	h.Set("Content-Type", ogc.TypeGeoJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	putBody(b)
	return nil
}

// ogcRoutes adds OGC API - Features under /ogc and the API definition.
func (s *Server) ogcRoutes(r *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	r.HandleFunc("/openapi.json", s.handleOpenAPI).Methods(get...)
	r.HandleFunc("/ogc", s.handleOGCLanding).Methods(get...)
	r.HandleFunc("/ogc/", s.handleOGCLanding).Methods(get...)
	r.HandleFunc("/ogc/conformance", s.handleOGCConformance).Methods(get...)
	r.HandleFunc("/ogc/collections", s.withSnapshot(s.handleOGCCollections)).Methods(get...)
	r.HandleFunc("/ogc/collections/{collectionId}", s.withSnapshot(s.handleOGCCollection)).Methods(get...)
	r.HandleFunc("/ogc/collections/{collectionId}/items", s.heavy.limit(nil, s.withSnapshot(s.handleOGCItems))).Methods(get...)
	r.HandleFunc("/ogc/collections/{collectionId}/items/{featureId}", s.withSnapshot(s.handleOGCItem)).Methods(get...)
}
