package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"crimemap/watch"
)

// publicScheme is a scheme as /v1/watch/schemes shows it: what its page
// shows, never who coordinates it.
type publicScheme struct {
	ID            int64             `json:"id"`
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	Force         string            `json:"force"`
	Neighbourhood string            `json:"neighbourhood,omitempty"`
	Contact       string            `json:"contact,omitempty"`
	Area          *geojson.Geometry `json:"area,omitempty"` // a polygon's
	Centre        *locatePoint      `json:"centre,omitempty"`
	RadiusM       float64           `json:"radius_m,omitempty"`
	DistanceM     *float64          `json:"distance_m,omitempty"`
	URL           string            `json:"url"`
}

// toPublic formats a scheme whose area is already in public form (see
// publicSchemes).
func toPublic(sc watch.Scheme) publicScheme {
	p := publicScheme{ID: sc.ID, Name: sc.Name, Description: sc.Description, Force: sc.Force,
		Neighbourhood: sc.Area.Neighbourhood, Contact: sc.Contact, URL: fmt.Sprintf("/watch/schemes/%d", sc.ID)}
	if sc.Area.IsCircle() {
		p.Centre = &locatePoint{Lat: sc.Area.Centre[1], Lng: sc.Area.Centre[0]}
		p.RadiusM = sc.Area.RadiusM
	} else {
		p.Area = geojson.NewGeometry(sc.Area.Polygon)
	}
	return p
}

type schemesBody struct {
	Schemes []publicScheme `json:"schemes"`
}

// handleWatchSchemes answers GET /v1/watch/schemes: the active schemes
// near lat,lng (as /watch lists them), in neighbourhood=force/id, or
// meeting bbox; format=geojson gives them as features for a map.
func (s *Server) handleWatchSchemes(w http.ResponseWriter, r *http.Request) {
	format := formValue(r, "format")
	if format != "" && format != "json" && format != "geojson" {
		writeError(w, r, paramError("format", "want json or geojson, got %q", format))
		return
	}
	body, err := s.watchSchemes(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if format == "geojson" {
		writeSchemesGeoJSON(w, r, body.Schemes)
		return
	}
	writeJSON(w, r, http.StatusOK, body)
}

func (s *Server) watchSchemes(r *http.Request) (schemesBody, error) {
	body := schemesBody{Schemes: []publicScheme{}}
	st := s.deps.Watch
	if st == nil {
		return body, ErrNoStore
	}
	lat, lng, hasPoint, err := parseLatLng(r)
	if err != nil {
		return body, err
	}
	hood, bbox := formValue(r, "neighbourhood"), formValue(r, "bbox")
	if hasPoint {
		near, err := s.nearest(r.Context(), st, orb.Point{lng, lat})
		if err != nil {
			return body, err
		}
		for _, n := range near {
			p := toPublic(n.Scheme)
			p.DistanceM = &n.DistanceM
			body.Schemes = append(body.Schemes, p)
		}
		return body, nil
	}
	var keep func(watch.Scheme) bool
	switch {
	case hood != "":
		force, id, ok := strings.Cut(hood, "/")
		if !ok || force == "" || id == "" {
			return body, paramError("neighbourhood", "want force/id, got %q", hood)
		}
		keep = func(sc watch.Scheme) bool { return sc.Force == force && sc.Area.Neighbourhood == id }
	case bbox != "":
		b, err := parseBBox(bbox)
		if err != nil {
			return body, err
		}
		keep = func(sc watch.Scheme) bool { return b.Bound().Intersects(areaBound(sc.Area)) }
	default:
		return body, paramError("lat", "want lat and lng, neighbourhood=force/id or bbox")
	}
	all, err := publicSchemes(r.Context(), st)
	if err != nil {
		return body, err
	}
	for _, sc := range all {
		if keep(sc) {
			body.Schemes = append(body.Schemes, toPublic(sc))
		}
	}
	return body, nil
}

// areaBound is the lon/lat box around an area; a circle's is widened by
// its radius at its latitude.
func areaBound(a watch.Area) orb.Bound {
	if !a.IsCircle() {
		return a.Polygon.Bound()
	}
	return orbgeo.NewBoundAroundPoint(a.Centre, a.RadiusM)
}
