package tiles

import (
	"math"

	"crimemap/geo"
)

// TileJSON is a TileJSON 3.0.0 document (github.com/mapbox/tilejson-spec).
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name,omitempty"`
	Description  string        `json:"description,omitempty"`
	Version      string        `json:"version,omitempty"`
	Attribution  string        `json:"attribution,omitempty"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	VectorLayers []VectorLayer `json:"vector_layers"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
}

// VectorLayer describes one layer of the tiles. Fields maps each attribute
// to a description of its values, as the specification asks.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// NewTileJSON describes tiles of ds served at tileURL (a template with
// {z}, {x} and {y}), with the dataset's bounds and a centre at the middle
// zoom of the range. Other tile sets of the service reuse it.
func NewTileJSON(ds *geo.Dataset, name, tileURL string, minZoom, maxZoom int, layers []VectorLayer) TileJSON {
	b := ds.Bound()
	tj := TileJSON{
		TileJSON: "3.0.0", Name: name, Version: "1.0.0", Attribution: geo.Attribution,
		Scheme: "xyz", Tiles: []string{tileURL}, VectorLayers: layers,
		MinZoom: minZoom, MaxZoom: maxZoom,
		Bounds: [4]float64{-180, -85.05112878, 180, 85.05112878},
	}
	if ds.NumPoints() > 0 {
		tj.Bounds = [4]float64{round6(b.Min[0]), round6(b.Min[1]), round6(b.Max[0]), round6(b.Max[1])}
	}
	zoom := min(max(minZoom, 6), maxZoom)
	tj.Center = [3]float64{round6((tj.Bounds[0] + tj.Bounds[2]) / 2), round6((tj.Bounds[1] + tj.Bounds[3]) / 2), float64(zoom)}
	return tj
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// TileJSON describes the index's tiles served at tileURL.
func (ix *Index) TileJSON(tileURL string) TileJSON {
	cats := map[string]string{}
	for _, s := range ix.slugs {
		cats[s] = "Number: crimes of this category (absent when none)"
	}
	crimes := map[string]string{
		propLocationID: "Number: the snap point's id, as location_id in /v1/ and street id in /api/",
		propStreet:     "String: the anonymised location, \"On or near ...\"",
		propCount:      "Number: crimes at the point passing the filter",
	}
	clusters := map[string]string{
		propClusterID:  "Number: for /v1/clusters/{id}/expansion-zoom and /leaves; absent on a grid-merged feature",
		propPointCount: "Number: crimes in the cluster passing the filter",
		propAbbrev:     "Number below 1000, else String such as \"1.2k\" or \"12k\"",
	}
	for k, v := range cats {
		crimes[k] = v
		clusters[k] = v
	}
	layers := []VectorLayer{
		{ID: LayerClusters, MinZoom: 0, MaxZoom: MaxZoom, Fields: clusters,
			Description: "Crimes clustered on screen distance below the crimes zoom; above it, only tiles over the size bounds, merged on a grid"},
	}
	if ix.opt.CrimesZoom <= MaxZoom {
		layers = append(layers, VectorLayer{ID: LayerCrimes, MinZoom: ix.opt.CrimesZoom, MaxZoom: MaxZoom, Fields: crimes,
			Description: "One point per anonymised snap point with crimes passing the filter"})
	}
	return NewTileJSON(ix.ds, "crimes", tileURL, 0, MaxZoom, layers)
}
