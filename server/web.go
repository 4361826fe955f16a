package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"crimemap/geo"
	"crimemap/web"
)

// Embed limits: the embed is a neighbourhood view, so its radius is smaller
// than the analyst API's.
const (
	DefaultEmbedRadiusM = 500
	MaxEmbedRadiusM     = 5000
	embedTopTypes       = 5
	// EmbedNearM is how near an embed's point the nearest snap point must
	// be for the point to have data; beyond it the embed says there is none.
	EmbedNearM = 10_000
)

// pageFilterParams are the query parameters parseFilter reads; pages pass them
// on to tiles and links unchanged.
var pageFilterParams = []string{"from", "to", "category", "force", "outcome"}

// setPageHeaders applies the content and framing policy. Pages are
// re-rendered for every request, as the dataset can be swapped under them.
// frameAncestors is the CSP frame-ancestors source list; "" lets any site
// frame the page.
func (s *Server) setPageHeaders(w http.ResponseWriter, frameAncestors string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	csp := s.pagePolicy()
	if frameAncestors != "" {
		csp += "; frame-ancestors " + frameAncestors
	}
	h.Set("Content-Security-Policy", csp)
}

// pagePolicy is the Content-Security-Policy of the pages, framing aside:
// scripts, styles and workers only from this server (the pages carry no
// inline script or style attribute; their JSON config block is data, not
// script), images also from data: and blob: URLs as MapLibre makes them.
// A configured basemap style may fetch tiles, glyphs and sprites from
// anywhere it names, so it opens connect-src and img-src to HTTPS and to
// the style's own origin.
func (s *Server) pagePolicy() string {
	connect, img := "'self'", "'self' data: blob:"
	if s.cfg.StyleURL != "" {
		extra := " https:"
		if u, err := url.Parse(s.cfg.StyleURL); err == nil && u.Scheme == "http" && u.Host != "" {
			extra += " http://" + u.Host
		}
		connect += extra
		img += extra
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src " + connect + "; worker-src 'self' blob:; child-src 'self' blob:; font-src 'self'" +
		"; object-src 'none'; base-uri 'self'; form-action 'self'"
}

func (s *Server) handleMapPage(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := web.RenderMap(&buf, web.MapPage{
		Attribution: geo.Attribution, StyleURL: s.cfg.StyleURL, OSMBasemap: s.deps.Basemap != nil,
		HexTiles: s.routeExists(hexProbe), Hotspots: s.routeExists(hotspotsProbe), Watch: s.deps.Watch != nil,
	}); err != nil {
		writeError(w, r, err)
		return
	}
	// The full map is not for framing elsewhere (clickjacking); /embed is.
	s.setPageHeaders(w, "'self'")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

func (s *Server) handleEmbed(w http.ResponseWriter, r *http.Request) {
	ds, err := s.dataset()
	if err != nil {
		writeError(w, r, err)
		return
	}
	var p web.EmbedPage
	if formValue(r, "neighbourhood") != "" {
		p, err = s.parseEmbedNeighbourhood(r, ds)
	} else {
		p, err = s.parseEmbed(r, ds)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := web.RenderEmbed(&buf, p); err != nil {
		writeError(w, r, err)
		return
	}
	s.setPageHeaders(w, s.cfg.FrameAncestors)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// parseEmbed reads lat, lng, radius_m, zoom and the filter, and counts the
// crimes of the latest month the filter allows inside the radius.
func (s *Server) parseEmbed(r *http.Request, ds *geo.Dataset) (web.EmbedPage, error) {
	var p web.EmbedPage
	lat, lng, ok, err := parseLatLng(r)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, paramError("lat", "lat and lng are required")
	}
	radius, has, err := parseFloat(r, "radius_m")
	if err != nil {
		return p, err
	}
	if !has {
		radius = DefaultEmbedRadiusM
	}
	if !(radius > 0 && radius <= MaxEmbedRadiusM) {
		return p, paramError("radius_m", "must be > 0 and <= %d metres, got %v", MaxEmbedRadiusM, radius)
	}
	zoom, has, err := parseFloat(r, "zoom")
	if err != nil {
		return p, err
	}
	fit := !has
	if fit {
		zoom = zoomForRadius(radius)
	}
	if zoom < 0 || zoom > 22 {
		return p, paramError("zoom", "must be within 0..22, got %v", zoom)
	}
	f, err := s.parseFilter(r, ds)
	if err != nil {
		return p, err
	}
	circle, err := geo.NewCircle(lng, lat, radius)
	if err != nil {
		return p, paramCause("radius_m", err)
	}

	q := url.Values{}
	for _, k := range pageFilterParams {
		if v := formValue(r, k); v != "" {
			q.Set(k, v)
		}
	}
	p = web.EmbedPage{Lat: lat, Lng: lng, RadiusM: radius, Zoom: zoom, FitRadius: fit, StyleURL: s.cfg.StyleURL, OSMBasemap: s.deps.Basemap != nil, Attribution: geo.Attribution}
	if f.From == 0 && f.To == 0 {
		// Without a month, the latest of the point's force: another
		// force's later month would count nothing here.
		m, force, ok := s.pointMonth(ds, lng, lat)
		p.NoDataNear = !ok
		f.From, f.To = m, m
		if ok {
			p.MonthNote = "the latest month of " + force + "'s data"
		}
	}
	if p.NoDataNear {
		p.Query = q.Encode()
	} else if err := embedSummary(r.Context(), ds, circle, f, &p, q); err != nil {
		return p, err
	}

	full := url.Values{}
	for k, v := range q {
		full[k] = v
	}
	full.Set("lat", strconv.FormatFloat(lat, 'f', 5, 64))
	full.Set("lng", strconv.FormatFloat(lng, 'f', 5, 64))
	full.Set("radius_m", strconv.FormatFloat(radius, 'f', 0, 64))
	p.MapURL = "/?" + full.Encode() + "#" + strconv.FormatFloat(zoom, 'f', 2, 64) + "/" +
		strconv.FormatFloat(lat, 'f', 5, 64) + "/" + strconv.FormatFloat(lng, 'f', 5, 64)
	return p, nil
}

// pointMonth returns the latest month of the force whose crimes are at
// the snap point nearest (lng, lat), and the force's name; false when no
// snap point is within EmbedNearM.
func (s *Server) pointMonth(ds *geo.Dataset, lng, lat float64) (geo.Month, string, bool) {
	pt, ok := ds.Nearest(lng, lat)
	if !ok {
		return 0, "", false
	}
	if plon, plat := ds.PointLonLat(pt); geo.Distance(lng, lat, plon, plat) > EmbedNearM {
		return 0, "", false
	}
	// A point's crimes are in month order: the last is its latest force's.
	last, ok := ds.LastCrime(pt)
	if !ok {
		return 0, "", false
	}
	force := ds.Forces().Term(int(ds.Force(last)))
	if m, ok := s.hoods.forceLatest(ds)[force.Slug]; ok {
		return m, force.Name, true
	}
	return ds.LatestMonth(), force.Name, true
}

// embedSummary counts the crimes in area of the latest month the filter
// allows into p, and sets p.Query to q with that month, so the map shows
// the month the summary counts.
func embedSummary(ctx context.Context, ds *geo.Dataset, area geo.Area, f geo.Filter, p *web.EmbedPage, q url.Values) error {
	if m, ok := latestIn(ds.Months(), f); ok {
		f.From, f.To = m, m
		k, err := ds.Count(ctx, area, &f)
		if err != nil {
			return err
		}
		cats := ds.Categories()
		counts := make([]web.TypeCount, 0, k.NumCategories)
		for c := 0; c < k.NumCategories; c++ {
			t := cats.Term(c)
			counts = append(counts, web.TypeCount{Slug: t.Slug, Name: t.Name, Count: k.ByCategory(geo.Category(c))})
		}
		p.Month, p.Total, p.Top = m.String(), k.Total, web.TopTypes(counts, embedTopTypes)
		q.Set("from", p.Month)
		q.Set("to", p.Month)
	}
	p.Query = q.Encode()
	return nil
}

// hexProbe is a hex tile path with a zoom no deployment serves: a build
// with hex tiles rejects it at once (400) without rendering anything, a
// build without them answers 404.
const hexProbe = "/tiles/hex/99/0/0.mvt"

// hotspotsProbe answers 400 (no area) where hotspots exist, 404 elsewhere.
const hotspotsProbe = "/v1/hotspots"

// routeExists asks the router whether path is served, so the page offers
// only the views this build has. Asking from the browser would log a 404 on
// every page load of a build without them.
func (s *Server) routeExists(path string) bool {
	req, err := http.NewRequest(http.MethodHead, path, nil)
	if err != nil {
		return false
	}
	rec := &statusRecorder{header: http.Header{}, status: http.StatusOK}
	s.handler.ServeHTTP(rec, req)
	return rec.status != http.StatusNotFound && rec.status != http.StatusMethodNotAllowed
}

// statusRecorder keeps the status of a response and drops the rest.
type statusRecorder struct {
	header http.Header
	status int
	wrote  bool
}

func (r *statusRecorder) Header() http.Header { return r.header }

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return len(b), nil
}

// latestIn returns the latest dataset month inside the filter's range.
func latestIn(months []geo.Month, f geo.Filter) (geo.Month, bool) {
	for i := len(months) - 1; i >= 0; i-- {
		m := months[i]
		if (f.From == 0 || m >= f.From) && (f.To == 0 || m <= f.To) {
			return m, true
		}
	}
	return 0, false
}

// zoomForRadius picks a zoom at which a circle of radius metres is about
// 300 pixels across, a small iframe, at British latitudes (cos 51° ≈ 0.63)
// with MapLibre's 512-pixel tiles: the circle spans 2r metres and a pixel
// 40075017·0.63/(512·2^z) metres. The embed refits in the browser when no
// zoom is given; this zoom also opens the full map.
func zoomForRadius(r float64) float64 {
	z := math.Log2(40075017 * 0.63 * 300 / (512 * 2 * r))
	return math.Round(math.Max(2, math.Min(18, z))*4) / 4
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		writeError(w, r, ErrRouteNotFound)
		return
	}
	f, err := web.Assets().Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = ErrRouteNotFound
		}
		writeError(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		writeError(w, r, ErrRouteNotFound)
		return
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		writeError(w, r, errors.New("embedded asset is not seekable"))
		return
	}
	h := w.Header()
	// Asset URLs are not versioned, so clients revalidate; the ETag makes
	// that a 304.
	h.Set("Cache-Control", "no-cache")
	etag := web.ETag(name)
	if gz := web.Gzip(name); gz != nil {
		h.Add("Vary", "Accept-Encoding") // CORS may have set Vary: Origin
		if acceptsGzip(r) {
			if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
				h.Set("Content-Type", ct)
			}
			// Another representation needs another strong validator.
			h.Set("ETag", strings.TrimSuffix(etag, `"`)+`-gz"`)
			h.Set("Content-Encoding", "gzip")
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(gz))
			return
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, rs)
}
