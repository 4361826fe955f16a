package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"crimemap/locate"
	"crimemap/watch"
	"crimemap/web"
)

// publicSchemes lists the active schemes with their areas in public form
// (watch.Area.Public), the only form any public page, search or map gets:
// distances and boxes measured on the true areas would give away what
// the rounding hides.
func publicSchemes(ctx context.Context, st watch.Store) ([]watch.Scheme, error) {
	all, err := st.ListSchemes(ctx, watch.SchemeFilter{Status: watch.SchemeActive})
	if err != nil {
		return nil, fmt.Errorf("watch schemes: %w", err)
	}
	for i := range all {
		all[i].Area = all[i].Area.Public()
	}
	return all, nil
}

// circleSteps is the vertices of a circle drawn as a polygon: between
// two, its edge falls short of the radius by about 0.1 %.
const circleSteps = 64

// circleRing is a circle as a closed lon/lat ring, on the sphere the
// radius is measured on.
func circleRing(centre orb.Point, radiusM float64) orb.Ring {
	ring := make(orb.Ring, 0, circleSteps+1)
	for i := range circleSteps {
		ring = append(ring, orbgeo.PointAtBearingAndDistance(centre, 360*float64(i)/circleSteps, radiusM))
	}
	return append(ring, ring[0])
}

// writeSchemesGeoJSON writes schemes as a FeatureCollection for the map:
// every area a polygon (a circle drawn as one), with the fields a popup
// needs.
func writeSchemesGeoJSON(w http.ResponseWriter, r *http.Request, schemes []publicScheme) {
	fc := geojson.NewFeatureCollection()
	for _, p := range schemes {
		var f *geojson.Feature
		if p.Centre != nil {
			f = geojson.NewFeature(orb.Polygon{circleRing(orb.Point{p.Centre.Lng, p.Centre.Lat}, p.RadiusM)})
			f.Properties["shape"], f.Properties["radius_m"] = "circle", p.RadiusM
		} else {
			f = &geojson.Feature{Type: "Feature", Geometry: p.Area.Geometry(), Properties: geojson.Properties{"shape": "polygon"}}
		}
		f.ID = p.ID
		f.Properties["id"], f.Properties["name"], f.Properties["url"] = p.ID, p.Name, p.URL
		fc.Append(f)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		writeError(w, r, fmt.Errorf("watch schemes as GeoJSON: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// A neighbourhood's page lists the active schemes in it (by the scheme's
// neighbourhood id, or an area meeting the boundary) and within
// hoodSchemesNearM of its boundary, nearest first, at most hoodSchemesMax.
const (
	hoodSchemesNearM = 1000
	hoodSchemesMax   = 20
)

// addHoodSchemes lists the Watch schemes on a neighbourhood's page when
// a store is configured. A store that fails leaves the list out rather
// than the page: the rest of it does not depend on the store.
func (s *Server) addHoodSchemes(ctx context.Context, p *web.NeighbourhoodPage, reg locate.Region, located bool) {
	st := s.deps.Watch
	if st == nil {
		return
	}
	var boundary orb.MultiPolygon
	if located {
		boundary = reg.Area.MultiPolygon()
	}
	schemes, err := hoodSchemes(ctx, st, p.Force, p.ID, boundary)
	if err != nil {
		s.log.WarnContext(ctx, "neighbourhood page without its Watch schemes", "err", err)
		return
	}
	p.Watch, p.Schemes = true, schemes
}

// hoodSchemes lists the schemes for a neighbourhood's page; boundary is
// empty for a neighbourhood without one, which then lists only the
// schemes that name it.
func hoodSchemes(ctx context.Context, st watch.Store, force, id string, boundary orb.MultiPolygon) ([]web.PageScheme, error) {
	all, err := publicSchemes(ctx, st)
	if err != nil {
		return nil, err
	}
	hood := watch.Area{Polygon: boundary}
	near := orbgeo.BoundPad(boundary.Bound(), hoodSchemesNearM)
	type hit struct {
		sc  watch.Scheme
		gap float64
	}
	var hits []hit
	for _, sc := range all {
		switch {
		case sc.Force == force && sc.Area.Neighbourhood == id:
			hits = append(hits, hit{sc, 0})
		case len(boundary) > 0 && near.Intersects(areaBound(sc.Area)):
			if g := sc.Area.GapM(hood); g <= hoodSchemesNearM {
				hits = append(hits, hit{sc, g})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.gap, b.gap), cmp.Compare(a.sc.Name, b.sc.Name), cmp.Compare(a.sc.ID, b.sc.ID))
	})
	out := make([]web.PageScheme, 0, min(len(hits), hoodSchemesMax))
	for _, h := range hits[:min(len(hits), hoodSchemesMax)] {
		where := "In this neighbourhood"
		if h.gap > 0 {
			// To the nearest 50 m: the areas are approximate anyway.
			where = fmt.Sprintf("About %d m outside it", max(50, int(math.Round(h.gap/50))*50))
		}
		out = append(out, web.PageScheme{Href: fmt.Sprintf("/watch/schemes/%d", h.sc.ID), Name: h.sc.Name, Where: where})
	}
	return out, nil
}
