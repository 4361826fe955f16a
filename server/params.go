package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"crimemap/geo"
)

// Documented limits of the analyst API.
const (
	// MaxRadiusM is the largest radius_m accepted by /v1/.
	MaxRadiusM = 100_000
	// MaxPolyPoints bounds the vertices of a poly or GeoJSON area.
	MaxPolyPoints = 100_000
	// MaxBodyBytes bounds a POST body.
	MaxBodyBytes = 8 << 20
	// PoliceRadiusM is data.police.uk's fixed radius for lat/lng queries: one mile.
	PoliceRadiusM = 1609.344
)

// formValue reads a parameter from the query string or, for a form-encoded
// or multipart POST as data.police.uk accepts, from the body. parseForm has
// filled r.Form once per request.
func formValue(r *http.Request, name string) string {
	if r.Form == nil {
		_ = r.ParseForm()
	}
	return r.Form.Get(name)
}

// Kinds of POST body, by Content-Type.
const (
	bodyNone      = iota // no body, or a GET
	bodyForm             // application/x-www-form-urlencoded
	bodyMultipart        // multipart/form-data
	bodyJSON             // GeoJSON or JSON: an area
)

// bodyKind classifies a request's body, or returns ErrMediaType.
func bodyKind(r *http.Request) (int, error) {
	if r.Method != http.MethodPost {
		return bodyNone, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return bodyNone, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil && ct != "":
		return 0, fmt.Errorf("%w %q: %v", ErrMediaType, ct, err)
	case mt == "application/x-www-form-urlencoded":
		return bodyForm, nil
	case mt == "multipart/form-data":
		return bodyMultipart, nil
	case mt == "application/json", mt == "application/geo+json":
		return bodyJSON, nil
	}
	return 0, fmt.Errorf("%w %q: send application/x-www-form-urlencoded, multipart/form-data, application/geo+json or application/json", ErrMediaType, ct)
}

// bodyKey carries a (Geo)JSON body, read by parseForm, to parseArea.
type bodyKey struct{}

// parseForm reads the query string and the whole POST body once, before
// the handler runs, so that handlers reading many parameters do not parse
// the query for each and a slow upload is over before a handler takes a
// heavy-request slot. Bodies are capped at MaxBodyBytes.
func parseForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, err := bodyKind(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if kind != bodyNone {
			r.Body = &bodyReader{http.MaxBytesReader(w, r.Body, MaxBodyBytes)}
		}
		switch kind {
		case bodyMultipart:
			// Every part fits in memory: the body cap is below maxMemory,
			// so nothing is spooled to disk.
			err = r.ParseMultipartForm(MaxBodyBytes)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		case bodyJSON:
			var body []byte
			if body, err = io.ReadAll(r.Body); err == nil {
				r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
				err = r.ParseForm()
			}
		default:
			err = r.ParseForm()
		}
		if err != nil {
			writeError(w, r, bodyError(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bodyError keeps the errors of reading the body (timeout, early end, cap)
// and makes any other a parameter error.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.Is(err, ErrBodyTimeout) || errors.Is(err, ErrBodyIncomplete) || errors.As(err, &tooLarge) {
		return err
	}
	return &ParamError{Param: "body", Msg: fmt.Sprintf("cannot be parsed: %v", err), Err: err}
}

// bodyReader marks the errors of reading a request body, which form and
// multipart parsers pass on or wrap, so that they are told apart from
// malformed content: a timeout or a connection that ended early.
type bodyReader struct{ rc io.ReadCloser }

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	var tooLarge *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooLarge):
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		err = fmt.Errorf("%w: %w", ErrBodyTimeout, err)
	default:
		err = fmt.Errorf("%w: %w", ErrBodyIncomplete, err)
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.rc.Close() }

// parseMonthParam parses an optional YYYY-MM parameter; "" gives 0.
func parseMonthParam(r *http.Request, name string) (geo.Month, error) {
	v := formValue(r, name)
	if v == "" {
		return 0, nil
	}
	m, err := geo.ParseMonth(v)
	if err != nil {
		return 0, paramError(name, "want a month as YYYY-MM, got %q", v)
	}
	return m, nil
}

// parseFilter reads the common filter parameters: from, to (YYYY-MM,
// inclusive), category, force and outcome (comma-separated slugs).
func (s *Server) parseFilter(r *http.Request, ds *geo.Dataset) (geo.Filter, error) {
	var f geo.Filter
	var err error
	if f.From, f.To, err = parseMonthRange(r); err != nil {
		return f, err
	}
	for _, param := range []string{geo.ParamCategory, geo.ParamForce, geo.ParamOutcome} {
		if err := parseTerms(ds, &f, param, formValue(r, param)); err != nil {
			return f, err
		}
	}
	return f, nil
}

// parseMonthRange reads from and to (YYYY-MM, inclusive; 0 when absent).
func parseMonthRange(r *http.Request) (from, to geo.Month, err error) {
	if from, err = parseMonthParam(r, "from"); err != nil {
		return 0, 0, err
	}
	if to, err = parseMonthParam(r, "to"); err != nil {
		return 0, 0, err
	}
	if from != 0 && to != 0 && from > to {
		return 0, 0, paramError("to", "must not be before from (%s > %s)", from, to)
	}
	return from, to, nil
}

// parseTerms restricts f to the comma-separated slugs v of param, by the
// rule the command line shares (geo.Dataset.AddSlugs), with an error that
// points at the list of valid slugs.
func parseTerms(ds *geo.Dataset, f *geo.Filter, param, v string) error {
	err := ds.AddSlugs(f, param, v)
	var se *geo.SlugError
	if errors.As(err, &se) {
		return &ParamError{Param: se.Param, Msg: fmt.Sprintf("%v; see %s", se, vocabEndpoint[se.Param]), Err: err}
	}
	return err
}

var vocabEndpoint = map[string]string{
	"category": "/api/crime-categories",
	"force":    "/api/forces",
	"outcome":  "/v1/meta",
}

func parseFloat(r *http.Request, name string) (float64, bool, error) {
	v := formValue(r, name)
	if v == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, true, paramError(name, "want a number, got %q", v)
	}
	return f, true, nil
}

// parseLatLng reads lat and lng; ok is false when neither is given.
func parseLatLng(r *http.Request) (lat, lng float64, ok bool, err error) {
	lat, hasLat, err := parseFloat(r, "lat")
	if err != nil {
		return 0, 0, false, err
	}
	lng, hasLng, err := parseFloat(r, "lng")
	if err != nil {
		return 0, 0, false, err
	}
	switch {
	case !hasLat && !hasLng:
		return 0, 0, false, nil
	case !hasLat:
		return 0, 0, false, paramError("lat", "required with lng")
	case !hasLng:
		return 0, 0, false, paramError("lng", "required with lat")
	case lat < -90 || lat > 90:
		return 0, 0, false, paramError("lat", "must be within -90..90, got %v", lat)
	case lng < -180 || lng > 180:
		return 0, 0, false, paramError("lng", "must be within -180..180, got %v", lng)
	}
	return lat, lng, true, nil
}

// parsePolyParam parses data.police.uk's poly: lat,lng:lat,lng:... The ring
// is closed if open.
func parsePolyParam(v string) (*geo.Polygon, error) {
	parts := strings.Split(v, ":")
	if len(parts) > MaxPolyPoints {
		return nil, paramError("poly", "at most %d points", MaxPolyPoints)
	}
	ring := make(orb.Ring, 0, len(parts)+1)
	for i, p := range parts {
		lat, lng, ok := strings.Cut(p, ",")
		if !ok {
			return nil, paramError("poly", "point %d: want lat,lng, got %q", i+1, p)
		}
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if err1 != nil || err2 != nil || !geo.ValidLonLat(lo, la) {
			return nil, paramError("poly", "point %d: want lat,lng within range, got %q", i+1, p)
		}
		ring = append(ring, orb.Point{lo, la})
	}
	poly, err := geo.NewPolygon(orb.MultiPolygon{{ring}})
	if err != nil {
		return nil, paramCause("poly", err)
	}
	return poly, nil
}

// parseBBox parses minLon,minLat,maxLon,maxLat.
func parseBBox(v string) (*geo.Box, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, paramError("bbox", "want minLon,minLat,maxLon,maxLat, got %q", v)
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, paramError("bbox", "want minLon,minLat,maxLon,maxLat as numbers, got %q", v)
		}
		f[i] = x
	}
	b, err := geo.NewBox(f[0], f[1], f[2], f[3])
	if err != nil {
		return nil, paramCause("bbox", err)
	}
	return b, nil
}

// errNoArea is returned by parseArea when the request names no area.
var errNoArea = errors.New("no area")

// parseArea reads the area of an analyst request: lat, lng and radius_m; or
// bbox; or poly; or boundary (a loaded boundary's id); or a GeoJSON Polygon/MultiPolygon (geometry, Feature or
// FeatureCollection of one) in a POST body. It returns errNoArea (wrapped in
// a ParamError when required) when none is given.
func (s *Server) parseArea(r *http.Request, maxRadius float64) (geo.Area, error) {
	given := 0
	var area geo.Area
	lat, lng, hasPoint, err := parseLatLng(r)
	if err != nil {
		return nil, err
	}
	radius, hasRadius, err := parseFloat(r, "radius_m")
	if err != nil {
		return nil, err
	}
	if hasRadius && !hasPoint {
		return nil, paramError("radius_m", "needs lat and lng")
	}
	if hasPoint {
		given++
		if !hasRadius {
			return nil, paramError("radius_m", "required with lat and lng (metres, up to %v)", maxRadius)
		}
		if !(radius > 0 && radius <= maxRadius) {
			return nil, paramError("radius_m", "must be > 0 and <= %v metres, got %v", maxRadius, radius)
		}
		area, err = geo.NewCircle(lng, lat, radius)
		if err != nil {
			return nil, paramCause("radius_m", err)
		}
	}
	if v := formValue(r, "bbox"); v != "" {
		given++
		if area, err = parseBBox(v); err != nil {
			return nil, err
		}
	}
	if v := formValue(r, "poly"); v != "" {
		given++
		if area, err = parsePolyParam(v); err != nil {
			return nil, err
		}
	}
	if v := formValue(r, "boundary"); v != "" {
		given++
		b, ok := s.deps.Boundaries.Get(v)
		if !ok {
			return nil, paramError("boundary", "unknown boundary %q; see /v1/boundaries", v)
		}
		area = b.Area()
	}
	if body, ok := r.Context().Value(bodyKey{}).([]byte); ok {
		given++
		if area, err = parseGeoJSONBody(body); err != nil {
			return nil, err
		}
	}
	switch {
	case given == 0:
		return nil, errNoArea
	case given > 1:
		return nil, paramError("area", "give exactly one of lat/lng/radius_m, bbox, poly, boundary or a GeoJSON body")
	}
	return area, nil
}

// requireArea is parseArea with the area mandatory.
func (s *Server) requireArea(r *http.Request, maxRadius float64) (geo.Area, error) {
	a, err := s.parseArea(r, maxRadius)
	if errors.Is(err, errNoArea) {
		return nil, paramError("area", "give lat, lng and radius_m, or bbox=minLon,minLat,maxLon,maxLat, or poly=lat,lng:lat,lng:..., or boundary=ID, or POST a GeoJSON polygon")
	}
	return a, err
}

// parseGeoJSONBody reads the area of a (Geo)JSON POST body.
func parseGeoJSONBody(body []byte) (*geo.Polygon, error) {
	g, err := geoJSONGeometry(body)
	if err != nil {
		return nil, paramCause("body", err)
	}
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return nil, paramError("body", "want a GeoJSON Polygon or MultiPolygon, got a feature without geometry")
	default:
		return nil, paramError("body", "want a GeoJSON Polygon or MultiPolygon, got %s", g.GeoJSONType())
	}
	n := 0
	for _, p := range mp {
		for _, ring := range p {
			n += len(ring)
		}
	}
	if n > MaxPolyPoints {
		return nil, paramError("body", "at most %d points", MaxPolyPoints)
	}
	poly, err := geo.NewPolygon(mp)
	if err != nil {
		return nil, paramCause("body", err)
	}
	return poly, nil
}

// geoJSONGeometry accepts a bare geometry, a Feature, or a FeatureCollection
// holding one feature.
func geoJSONGeometry(body []byte) (orb.Geometry, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	// orb reads a position of one number as a point at latitude 0; RFC 7946
	// says a position has two or more.
	if err := checkPositions(body); err != nil {
		return nil, err
	}
	switch probe.Type {
	case "Feature":
		f, err := geojson.UnmarshalFeature(body)
		if err != nil {
			return nil, err
		}
		return f.Geometry, nil
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(body)
		if err != nil {
			return nil, err
		}
		if len(fc.Features) != 1 {
			return nil, fmt.Errorf("want one feature, got %d", len(fc.Features))
		}
		if fc.Features[0] == nil {
			return nil, errors.New("feature is null")
		}
		return fc.Features[0].Geometry, nil
	default:
		g, err := geojson.UnmarshalGeometry(body)
		if err != nil {
			return nil, err
		}
		if g.Coordinates == nil {
			return nil, errors.New("geometry has no coordinates")
		}
		return g.Geometry(), nil
	}
}

// checkPositions walks every "coordinates" member of a GeoJSON document and
// refuses a position (an array of numbers) with fewer than two of them.
func checkPositions(body []byte) error {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("not GeoJSON: %w", err)
	}
	var walk func(v any, inCoords bool) error
	walk = func(v any, inCoords bool) error {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if err := walk(e, k == "coordinates"); err != nil {
					return err
				}
			}
		case []any:
			if !inCoords {
				for _, e := range v {
					if err := walk(e, false); err != nil {
						return err
					}
				}
				return nil
			}
			numbers := 0
			for _, e := range v {
				if _, ok := e.(float64); ok {
					numbers++
				} else if err := walk(e, true); err != nil {
					return err
				}
			}
			if numbers > 0 && (numbers < 2 || numbers != len(v)) {
				return fmt.Errorf("a position needs two numbers, longitude and latitude, got %d value(s)", len(v))
			}
		}
		return nil
	}
	return walk(doc, false)
}

// grouped is the common part of a grouped count request: output format,
// group_by, filter and an optional area.
type grouped struct {
	format         string
	byCat, byMonth bool
	filter         geo.Filter
	area           geo.Area // nil for everywhere
}

// parseGrouped reads format (one of formats, the first the default),
// group_by, the filter and an optional area.
func (s *Server) parseGrouped(r *http.Request, ds *geo.Dataset, formats ...string) (grouped, error) {
	var g grouped
	var err error
	if g.format, err = parseFormat(r, formats...); err != nil {
		return g, err
	}
	if g.byCat, g.byMonth, err = parseGroupBy(r); err != nil {
		return g, err
	}
	if g.filter, err = s.parseFilter(r, ds); err != nil {
		return g, err
	}
	if g.area, err = s.parseArea(r, MaxRadiusM); err != nil && !errors.Is(err, errNoArea) {
		return g, err
	}
	return g, nil
}
