package server

import (
	"fmt"
	"net/http"

	"github.com/paulmach/orb/geojson"

	"crimemap/boundary"
	"crimemap/geo"
)

// boundaryItem is one entry of GET /v1/boundaries.
type boundaryItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// BBox is minLon,minLat,maxLon,maxLat of the exact geometry.
	BBox     [4]float64 `json:"bbox"`
	Vertices int        `json:"vertices"`
}

type boundariesBody struct {
	Boundaries []boundaryItem `json:"boundaries"`
}

// handleBoundaries lists the loaded boundaries (none when no --boundaries
// were given). It does not need the dataset, so it answers while loading.
func (s *Server) handleBoundaries(w http.ResponseWriter, r *http.Request) {
	body := boundariesBody{Boundaries: []boundaryItem{}}
	for _, b := range s.deps.Boundaries.List() {
		body.Boundaries = append(body.Boundaries, boundaryItem{
			ID:       b.ID,
			Name:     b.Name,
			BBox:     [4]float64{b.Bound.Min[0], b.Bound.Min[1], b.Bound.Max[0], b.Bound.Max[1]},
			Vertices: boundary.Vertices(b.Geometry),
		})
	}
	w.Header().Set("Cache-Control", s.cfg.CacheControl)
	writeJSON(w, r, http.StatusOK, body)
}

// handleBoundary answers one boundary as a GeoJSON Feature: the simplified
// geometry for drawing, or with detail=full the exact one used by
// boundary=ID areas.
func (s *Server) handleBoundary(w http.ResponseWriter, r *http.Request) {
	id := pathVar(r, "id")
	b, ok := s.deps.Boundaries.Get(id)
	if !ok {
		writeError(w, r, fmt.Errorf("boundary %q: %w; see /v1/boundaries", id, geo.ErrNotFound))
		return
	}
	detail := formValue(r, "detail")
	geom := b.Simplified
	switch detail {
	case "", "simplified":
		detail = "simplified"
	case "full":
		geom = b.Geometry
	default:
		writeError(w, r, paramError("detail", "want simplified or full, got %q", detail))
		return
	}
	f := geojson.NewFeature(geom)
	f.ID = b.ID
	f.BBox = geojson.NewBBox(b.Bound)
	f.Properties = geojson.Properties{
		"id":       b.ID,
		"name":     b.Name,
		"detail":   detail,
		"vertices": boundary.Vertices(geom),
	}
	w.Header().Set("Cache-Control", s.cfg.CacheControl)
	writeJSON(w, r, http.StatusOK, f)
}
