package basemap

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"crimemap/geo"
	"crimemap/tiles"
)

// Label layers of the labels tiles.
const (
	LayerPlaces  = "places"
	LayerStreets = "streets"
	// LabelMaxZoom is the deepest zoom label tiles are made for; MapLibre
	// overzooms beyond.
	LabelMaxZoom = 16
)

// landVersion tells apart the land archives of different builds: the tiles
// of one never change.
var landVersion = sync.OnceValue(func() string {
	return strconv.FormatUint(xxhash.Sum64(landArchive), 36)
})

// LandLayer serves the land tiles as a tiles.Layer. They depend on no
// dataset and take no parameter.
func LandLayer() tiles.Layer { return landLayer{} }

type landLayer struct{}

func (landLayer) Name() string    { return LayerLand }
func (landLayer) Version() string { return landVersion() }

func (landLayer) Normalize(int, tiles.Params) tiles.Params { return tiles.Params{Res: -1} }

func (landLayer) Tile(_ context.Context, z, x, y int, _ tiles.Params) ([]byte, error) {
	return LandTile(z, x, y)
}

func (landLayer) TileJSON(tileURL string, _ tiles.Params) tiles.TileJSON {
	b := LandBound
	return tiles.TileJSON{
		TileJSON: "3.0.0", Name: "land", Version: "1.0.0", Attribution: LandAttribution,
		Scheme: "xyz", Tiles: []string{tileURL}, MinZoom: 0, MaxZoom: LandMaxZoom,
		Bounds: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]},
		Center: [3]float64{-2.5, 54, 5},
		VectorLayers: []tiles.VectorLayer{{ID: LayerLand, MinZoom: 0, MaxZoom: LandMaxZoom, Fields: map[string]string{},
			Description: "Land polygons of the OpenStreetMap coastline; sea is where there are none"}},
	}
}

// LabelLayer serves the place and street labels of ds as a tiles.Layer.
// The crime filter does not change them.
func LabelLayer(ds *geo.Dataset) tiles.Layer { return labelLayer{ds} }

type labelLayer struct{ ds *geo.Dataset }

func (l labelLayer) Name() string    { return "labels" }
func (l labelLayer) Version() string { return l.ds.Version() }

func (labelLayer) Normalize(int, tiles.Params) tiles.Params { return tiles.Params{Res: -1} }

func (l labelLayer) Tile(_ context.Context, z, x, y int, _ tiles.Params) ([]byte, error) {
	if z < 0 || z > LabelMaxZoom {
		return nil, nil
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	b := t.Bound()
	fc := geojson.NewFeatureCollection()
	name := LayerPlaces
	if z >= StreetMinZoom {
		name = LayerStreets
		for _, s := range Streets(l.ds, b) {
			f := geojson.NewFeature(orb.Point{s.Lon, s.Lat})
			f.Properties["name"] = s.Name
			f.Properties["points"] = s.Points
			fc.Append(f)
		}
	} else {
		for _, p := range placesOf(l.ds) {
			if p.MinZoom > z || !b.Contains(orb.Point{p.Lon, p.Lat}) {
				continue
			}
			f := geojson.NewFeature(orb.Point{p.Lon, p.Lat})
			f.Properties["name"] = p.Name
			f.Properties["crimes"] = p.Crimes
			f.Properties["rank"] = p.Rank
			fc.Append(f)
		}
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{name: fc})
	layers.ProjectToTile(t)
	raw, err := mvt.Marshal(layers)
	if err != nil {
		return nil, fmt.Errorf("basemap: labels %d/%d/%d: %w", z, x, y, err)
	}
	return raw, nil
}

func (l labelLayer) TileJSON(tileURL string, _ tiles.Params) tiles.TileJSON {
	tj := tiles.NewTileJSON(l.ds, "labels", tileURL, 0, LabelMaxZoom, []tiles.VectorLayer{
		{ID: LayerPlaces, MinZoom: 0, MaxZoom: PlaceMaxZoom, Fields: map[string]string{
			"name":   "String: the town, the local authority part of its LSOAs' names",
			"crimes": "Number: crimes at its snap points, all months",
			"rank":   "Number: 1 for the town with the most crimes",
		}, Description: "Towns at the centre of their snap points, the larger from lower zooms"},
		{ID: LayerStreets, MinZoom: StreetMinZoom, MaxZoom: LabelMaxZoom, Fields: map[string]string{
			"name":   "String: the street of the snap points' anonymised locations",
			"points": "Number: its snap points in the tile",
		}, Description: "Street names at one of their snap points"},
	})
	tj.Attribution = geo.Attribution
	return tj
}
