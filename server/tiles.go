package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"crimemap/geo"
	"crimemap/tiles"
)

// Tile responses.
const (
	mvtContentType = "application/vnd.mapbox-vector-tile"
	// DefaultTileCacheControl is sent with tiles requested with the current
	// dataset version (v=...) in their URL: their bytes can never change.
	DefaultTileCacheControl = "public, max-age=31536000, immutable"
	// DefaultTileCacheBytes bounds the in-process cache of encoded tiles.
	DefaultTileCacheBytes = 256 << 20
)

// filterParams are the query parameters of a filter, in the order tile URLs
// carry them.
var filterParams = []string{"from", "to", "category", "force", "outcome"}

// tileLayer is a tiles.Layer as served: its routes and the parameters its
// tiles take. Serving a further layer takes one more of them in routes.
type tileLayer struct {
	tile, json string // paths of the tiles and of their TileJSON
	// params are the query parameters the tiles read, in the order their
	// URLs carry them; res is parsed only for a layer naming it.
	params []string
	// layer returns nil for a layer this server does not have.
	layer func(snap *snapshot) tiles.Layer
}

// crimeTiles and hexTiles are the crime layers of a dataset's tiles.
func crimeTiles(snap *snapshot) tiles.Layer { return tiles.CrimeLayer(snap.tiles) }
func hexTiles(snap *snapshot) tiles.Layer   { return tiles.HexLayer(snap.ds) }

// stopTiles are the stops, drawn as points from the crimes' zoom.
func stopTiles(snap *snapshot) tiles.Layer {
	return tiles.StopLayer(snap.stops, snap.tiles.Options().CrimesZoom)
}

// tileParams parses what a layer's tiles take: res, -1 when absent, for a
// layer that reads it, and the filter.
func (s *Server) tileParams(r *http.Request, tl *tileLayer, ds *geo.Dataset) (tiles.Params, error) {
	p := tiles.Params{Res: -1}
	if slices.Contains(tl.params, "res") {
		res, err := parseRes(r, false, -1)
		if err != nil {
			return p, err
		}
		p.Res = res
	}
	f, err := s.parseFilter(r, ds)
	p.Filter = f
	return p, err
}

// handleTile serves GET tl.tile, the tiles of one layer, from the shared
// tile cache; a hex tile's res beyond its zoom's finest is a bad res.
func (s *Server) handleTile(tl *tileLayer) snapshotHandler {
	return func(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
		z, x, y, err := tiles.ParseTile(pathVar(r, "z"), pathVar(r, "x"), pathVar(r, "y"), tiles.MaxZoom)
		if err != nil {
			return paramCause("z/x/y", err)
		}
		p, err := s.tileParams(r, tl, snap.ds)
		if err != nil {
			return err
		}
		layer := tl.layer(snap)
		if layer == nil {
			return ErrRouteNotFound
		}
		e, hit, err := tiles.CachedTileHit(r.Context(), s.tileCache, layer, z, x, y, p)
		if err != nil {
			// Only here: errors.As puts re on the heap.
			var re *tiles.HexResError
			if errors.As(err, &re) {
				return paramCause("res", re)
			}
			return cellLimitParam(err)
		}
		if hit {
			noteCacheOutcome(w, cacheHit)
		} else {
			noteCacheOutcome(w, cacheMiss)
		}
		s.writeTileEntry(w, r, e, layer.Version())
		return nil
	}
}

// writeTileEntry sends an encoded tile: gzip when accepted, an ETag per
// representation, 304, 204 for an empty tile, and the immutable
// Cache-Control when the URL carries the dataset version.
func (s *Server) writeTileEntry(w http.ResponseWriter, r *http.Request, e *tiles.Entry, version string) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cache-Control", s.cacheControl(r, version))
	body := e.Raw
	gz := e.Gzip != nil && acceptsGzip(r)
	if gz {
		body = e.Gzip
	}
	h.Set("ETag", representationETag(e.ETag, gz))
	if noneMatch(r.Header.Get("If-None-Match"), e.ETag) {
		noteCacheOutcome(w, cacheNotModified)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if e.Raw == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", mvtContentType)
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// versioned reports whether a raw query carries v=version. It scans rather
// than parses: this runs on every cached tile, where parsing shows.
func versioned(rawQuery, version string) bool {
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		if k, v, ok := strings.Cut(kv, "="); ok && k == "v" && v == version {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client accepts gzip with a non-zero q.
func acceptsGzip(r *http.Request) bool {
	rest := r.Header.Get("Accept-Encoding")
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// noneMatch reports whether an If-None-Match header matches the tile,
// comparing weakly as RFC 9110 asks, in either encoding.
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	base := strings.TrimSuffix(etag, `"`)
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag || t == base+`-gz"` {
			return true
		}
	}
	return false
}

// handleTileJSON serves GET tl.json: TileJSON 3.0.0 whose tile URL carries
// the dataset version and the request's values of the layer's parameters.
func (s *Server) handleTileJSON(tl *tileLayer) snapshotHandler {
	return func(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
		// A bad filter is named ahead of a bad res here.
		if _, err := s.parseFilter(r, snap.ds); err != nil {
			return err
		}
		p, err := s.tileParams(r, tl, snap.ds)
		if err != nil {
			return err
		}
		layer := tl.layer(snap)
		if layer == nil {
			return ErrRouteNotFound
		}
		w.Header().Set("Cache-Control", s.cfg.CacheControl)
		writeJSON(w, r, http.StatusOK, layer.TileJSON(s.tileTemplate(r, tl.tile, layer.Version(), tl.params), p))
		return nil
	}
}

// tileTemplate is the tile URL template of TileJSON: path under the
// configured public URL (root-relative without one), with the dataset
// version and the request's values of params, and nothing else the request
// holds, since TileJSON responses are cached.
func (s *Server) tileTemplate(r *http.Request, path, version string, params []string) string {
	q := url.Values{"v": {version}}
	for _, p := range params {
		if v := formValue(r, p); v != "" {
			q.Set(p, v)
		}
	}
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + path + "?" + q.Encode()
}

// clusterQuery parses the {id} path variable and the filter the cluster
// ids were made under.
func (s *Server) clusterQuery(r *http.Request, snap *snapshot) (uint64, geo.Filter, error) {
	id, err := snap.tiles.ParseClusterID(pathVar(r, "id"))
	if err != nil {
		return 0, geo.Filter{}, err
	}
	f, err := s.parseFilter(r, snap.ds)
	return id, f, err
}

// handleClusterExpansion serves GET /v1/clusters/{id}/expansion-zoom.
func (s *Server) handleClusterExpansion(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	id, f, err := s.clusterQuery(r, snap)
	if err != nil {
		return err
	}
	z, err := snap.tiles.ExpansionZoom(id, &f)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"cluster_id": id, "expansion_zoom": z})
	return nil
}

type leafFeature struct {
	Type       string         `json:"type"`
	ID         int64          `json:"id"`
	Geometry   leafGeometry   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type leafGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

// handleClusterLeaves serves GET /v1/clusters/{id}/leaves?limit=&offset=:
// the cluster's snap points with their counts, as GeoJSON.
func (s *Server) handleClusterLeaves(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	id, f, err := s.clusterQuery(r, snap)
	if err != nil {
		return err
	}
	limit, err := parseLimit(r, 10, MaxPageSize)
	if err != nil {
		return err
	}
	offset := 0
	if v := formValue(r, "offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return paramError("offset", "want a non-negative integer, got %q", v)
		}
	}
	leaves, total, err := snap.tiles.Leaves(id, &f, limit, offset)
	if err != nil {
		return err
	}
	ds := snap.ds
	feats := make([]leafFeature, 0, len(leaves))
	for _, lf := range leaves {
		lon, lat := ds.PointLonLat(lf.Point)
		id := ds.LocationID(lf.Point)
		props := map[string]any{"location_id": id, "street": ds.PointStreet(lf.Point), "count": lf.Count}
		for c, n := range lf.ByCategory {
			if n > 0 {
				props[ds.Categories().Term(c).Slug] = n
			}
		}
		feats = append(feats, leafFeature{Type: "Feature", ID: id,
			Geometry: leafGeometry{Type: "Point", Coordinates: [2]float64{lon, lat}}, Properties: props})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"type": "FeatureCollection", "total": total, "features": feats})
	return nil
}
