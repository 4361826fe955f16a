package server

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"crimemap/basemap"
	"crimemap/tiles"
)

// landTiles and labelTiles are the layers of the default basemap: land
// from the embedded coastline, labels from the dataset's names.
func landTiles(*snapshot) tiles.Layer       { return basemap.LandLayer() }
func labelTiles(snap *snapshot) tiles.Layer { return basemap.LabelLayer(snap.ds) }

// osmTiles is the --basemap archive, nil without one.
func (s *Server) osmTiles(*snapshot) tiles.Layer {
	if s.deps.Basemap == nil {
		return nil
	}
	return s.deps.Basemap.Layer()
}

// handleGlyphs serves GET /fonts/{stack}/{range}.pbf, the glyphs the
// default style's labels are drawn with, from the binary.
func (s *Server) handleGlyphs(w http.ResponseWriter, r *http.Request) {
	b, err := basemap.Glyphs(pathVar(r, "stack"), pathVar(r, "range"))
	if err != nil {
		if errors.Is(err, basemap.ErrNoGlyphs) {
			err = ErrRouteNotFound
		}
		writeError(w, r, err)
		return
	}
	// Glyphs change only with the binary; a day's caching spares the
	// requests every page load would otherwise make.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Type", "application/x-protobuf")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
