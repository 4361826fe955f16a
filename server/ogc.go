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

// ogcCollection is the one collection served: every located crime.
const ogcCollection = "crimes"

var errNoCollection = fault.New(fault.NotFound, "no such collection; see /ogc/collections")

// ogcItemParams are the query parameters of the items: OGC's own, then the
// /v1/ filters and areas. Any other is refused, as Part 1 asks, so that a
// misspelt filter is not silently ignored. They are also what a next link
// carries.
var ogcItemParams = []string{"f", "bbox", "datetime", "limit", "cursor",
	"from", "to", "category", "force", "outcome", "lat", "lng", "radius_m", "poly", "boundary"}

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
		Description: "Street-level crime from data.police.uk as OGC API - Features. " + geo.Attribution,
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

// ogcCrimes describes the crimes collection of ds.
func (s *Server) ogcCrimes(r *http.Request, ds *geo.Dataset) ogc.Collection {
	b := ds.Bound()
	var interval [2]*string
	if ms := ds.Months(); len(ms) > 0 {
		iv := ogc.MonthInterval(ms[0], ms[len(ms)-1])
		interval = [2]*string{&iv[0], &iv[1]}
	}
	self := s.ogcBase(r) + "/collections/" + ogcCollection
	return ogc.Collection{
		ID:          ogcCollection,
		Title:       "Street-level crimes",
		Description: "Every crime with a location, at its anonymised snap point, with the month, category, force and latest outcome. " + geo.Attribution,
		ItemType:    "feature",
		CRS:         []string{ogc.CRS84},
		Extent:      ogc.NewExtent([4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, interval),
		Links: []ogc.Link{
			{Href: self, Rel: "self", Type: ogc.TypeJSON, Title: "this collection"},
			{Href: self + "/items", Rel: "items", Type: ogc.TypeGeoJSON, Title: "the crimes"},
		},
	}
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, ogc.Collections{
		Collections: []ogc.Collection{s.ogcCrimes(r, snap.ds)},
		Links:       []ogc.Link{{Href: s.ogcBase(r) + "/collections", Rel: "self", Type: ogc.TypeJSON, Title: "this document"}},
	})
	return nil
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	if pathVar(r, "collectionId") != ogcCollection {
		return errNoCollection
	}
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, s.ogcCrimes(r, snap.ds))
	return nil
}

// ogcItemsQuery reads the filter and area of an items request: the /v1/
// parameters, with datetime standing for from and to. The area is nil when
// none is given.
func (s *Server) ogcItemsQuery(r *http.Request, ds *geo.Dataset) (geo.Filter, geo.Area, error) {
	f, err := s.parseFilter(r, ds)
	if err != nil {
		return f, nil, err
	}
	if dt := formValue(r, "datetime"); dt != "" {
		if f.From != 0 || f.To != 0 {
			return f, nil, paramError("datetime", "give datetime or from/to, not both")
		}
		if f.From, f.To, err = ogc.ParseDatetime(dt); err != nil {
			return f, nil, paramCause("datetime", err)
		}
	}
	a, err := s.parseArea(r, MaxRadiusM)
	if errors.Is(err, errNoArea) {
		return f, nil, nil
	}
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
	if pathVar(r, "collectionId") != ogcCollection {
		return errNoCollection
	}
	if err := checkOGCQuery(r, ogcItemParams[1:]...); err != nil {
		return err
	}
	f, a, err := s.ogcItemsQuery(r, ds)
	if err != nil {
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
	pg, err := ds.PageIn(r.Context(), a, &f, after, limit)
	if err != nil {
		return err
	}
	matched, err := locatedCount(r.Context(), ds, a, &f)
	if err != nil {
		return err
	}
	items := s.ogcBase(r) + "/collections/" + ogcCollection + "/items"
	w.Header().Set("Content-Type", ogc.TypeGeoJSON)
	w.Header().Set("X-Dataset-Version", ds.Version())
	enc := newCrimeEncoder(snap)
	sb := newStreamBody(w, r)
	sb.b = append(sb.b, `{"type":"FeatureCollection","features":[`...)
	for i, c := range pg.Crimes {
		if i > 0 {
			sb.b = append(sb.b, ',')
		}
		sb.b = enc.appendFeature(sb.b, c, pg.Points[i])
		sb.maybeFlush()
	}
	sb.b = append(sb.b, `],"numberMatched":`...)
	sb.b = strconv.AppendInt(sb.b, int64(matched), 10)
	sb.b = append(sb.b, `,"numberReturned":`...)
	sb.b = strconv.AppendInt(sb.b, int64(len(pg.Crimes)), 10)
	sb.b = append(sb.b, `,"timeStamp":`...)
	sb.b = appendJSONString(sb.b, time.Now().UTC().Format(time.RFC3339))
	sb.b = append(sb.b, `,"links":[`...)
	sb.b = appendLink(sb.b, ogc.Link{Href: items + ogcQuery(r, ""), Rel: "self", Type: ogc.TypeGeoJSON, Title: "this page"})
	if pg.More {
		next := ds.Version() + "." + strconv.FormatInt(int64(pg.Next), 10)
		sb.b = append(sb.b, ',')
		sb.b = appendLink(sb.b, ogc.Link{Href: items + ogcQuery(r, next), Rel: "next", Type: ogc.TypeGeoJSON, Title: "the next page"})
	}
	sb.b = append(sb.b, "]}\n"...)
	sb.finish()
	return nil
}

// locatedCount counts the located crimes in a (nil for everywhere) that
// pass f. Without an area the points are walked in table order rather
// than through the R-tree, as a whole-world box would have them: half the
// time of a national first page (BenchmarkOGCItemsEverywhere).
func locatedCount(ctx context.Context, ds *geo.Dataset, a geo.Area, f *geo.Filter) (int, error) {
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
// replaced (dropped for ""), holding only the parameters items takes.
func ogcQuery(r *http.Request, cursor string) string {
	in := r.URL.Query()
	q := url.Values{}
	for _, p := range ogcItemParams {
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
	if pathVar(r, "collectionId") != ogcCollection {
		return errNoCollection
	}
	if err := checkOGCQuery(r); err != nil {
		return err
	}
	fid := pathVar(r, "featureId")
	n, err := strconv.ParseUint(fid, 10, 53)
	c, ok := ds.CrimeByPublicID(int64(n))
	if err != nil || !ok || int(c) >= ds.Located() || (len(fid) > 1 && fid[0] == '0') {
		return fault.Errorf(fault.NotFound, "no feature %q in collection %s", fid, ogcCollection)
	}
	base := s.ogcBase(r) + "/collections/" + ogcCollection
	b := newCrimeEncoder(snap).appendFeature(getBody(1024), c, ds.PointOf(c))
	// The feature's closing brace makes way for its links.
	b = append(b[:len(b)-1], `,"links":[`...)
	b = appendLink(b, ogc.Link{Href: base + "/items/" + fid, Rel: "self", Type: ogc.TypeGeoJSON, Title: "this crime"})
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
