// Package osmarchive writes a small OpenStreetMap-like basemap archive for
// tests: vector tiles of Southampton whose layers and attributes are named as
// the Protomaps basemap schema names them (earth, water, roads, places), so
// that the vendored Protomaps style draws them. It is written with package
// pmtiles, the same writer as crimemap export.
package osmarchive

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"crimemap/pmtiles"
)

// Area is the extent the archive covers, around Southampton.
var Area = orb.Bound{Min: orb.Point{-1.6, 50.75}, Max: orb.Point{-1.2, 51.0}}

// Points the tests look at: land, Southampton Water, on the main road.
var (
	Land  = orb.Point{-1.45, 50.93}
	Water = orb.Point{-1.355, 50.86}
	Road  = orb.Point{-1.40, 50.91}
)

// MaxZoom is the deepest zoom written; clients overzoom beyond.
const MaxZoom = 14

// The road and place names in the tiles.
const (
	RoadName  = "Test Avenue"
	PlaceName = "Southampton"
)

func layers() map[string]*geojson.FeatureCollection {
	feature := func(g orb.Geometry, props map[string]any) *geojson.Feature {
		f := geojson.NewFeature(g)
		for k, v := range props {
			f.Properties[k] = v
		}
		return f
	}
	collection := func(fs ...*geojson.Feature) *geojson.FeatureCollection {
		fc := geojson.NewFeatureCollection()
		fc.Features = fs
		return fc
	}
	b := Area
	water := orb.Bound{Min: orb.Point{-1.38, 50.84}, Max: orb.Point{-1.33, 50.88}}
	return map[string]*geojson.FeatureCollection{
		"earth": collection(feature(b.ToPolygon(), map[string]any{"kind": "earth"})),
		"water": collection(feature(water.ToPolygon(), map[string]any{"kind": "water", "name": "Southampton Water"})),
		"roads": collection(
			feature(orb.LineString{{-1.50, Road[1]}, {-1.25, Road[1]}}, map[string]any{"kind": "major_road", "kind_detail": "primary", "name": RoadName, "min_zoom": 7}),
			feature(orb.LineString{{Road[0], 50.88}, {Road[0], 50.95}}, map[string]any{"kind": "minor_road", "kind_detail": "residential", "name": "Test Street", "min_zoom": 12}),
		),
		"places": collection(feature(orb.Point{-1.4044, 50.9097}, map[string]any{
			"kind": "locality", "kind_detail": "city", "name": PlaceName, "min_zoom": 4, "population_rank": 11, "population": 250000,
		})),
	}
}

// Tiles returns the uncompressed MVT bytes of every tile of the archive,
// keyed by {z, x, y}.
func Tiles() (map[[3]int][]byte, error) {
	out := map[[3]int][]byte{}
	for z := 0; z <= MaxZoom; z++ {
		lo := maptile.At(orb.Point{Area.Min[0], Area.Max[1]}, maptile.Zoom(z))
		hi := maptile.At(orb.Point{Area.Max[0], Area.Min[1]}, maptile.Zoom(z))
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				t := maptile.New(x, y, maptile.Zoom(z))
				ls := mvt.NewLayers(layers())
				ls.ProjectToTile(t)
				ls.Clip(mvt.MapboxGLDefaultExtentBound)
				ls.RemoveEmpty(0, 0)
				raw, err := mvt.Marshal(ls)
				if err != nil {
					return nil, fmt.Errorf("osmarchive: tile %d/%d/%d: %w", z, x, y, err)
				}
				out[[3]int{z, int(x), int(y)}] = raw
			}
		}
	}
	return out, nil
}

// Write writes the archive to w, its tiles compressed as c says (gzip, as
// Protomaps builds are, or none), and returns the uncompressed bytes of the
// tiles written (an MVT's attribute order, and so its bytes, differ from
// one encoding to the next).
func Write(w io.Writer, c pmtiles.Compression) (map[[3]int][]byte, error) {
	ts, err := Tiles()
	if err != nil {
		return nil, err
	}
	fields := func(names ...string) map[string]string {
		m := map[string]string{}
		for _, n := range names {
			m[n] = "String"
		}
		return m
	}
	pw, err := pmtiles.NewWriter(w, pmtiles.Options{
		TileType: pmtiles.MVT, TileCompression: c,
		Metadata: map[string]any{
			"name":        "Protomaps basemap test extract",
			"attribution": "© OpenStreetMap contributors",
			"vector_layers": []map[string]any{
				{"id": "earth", "fields": fields("kind")},
				{"id": "water", "fields": fields("kind", "name")},
				{"id": "roads", "fields": fields("kind", "kind_detail", "name")},
				{"id": "places", "fields": fields("kind", "kind_detail", "name")},
			},
		},
		Bounds: &pmtiles.Bounds{MinLon: Area.Min[0], MinLat: Area.Min[1], MaxLon: Area.Max[0], MaxLat: Area.Max[1]},
		Center: &pmtiles.Center{Lon: -1.4044, Lat: 50.9097, Zoom: 11},
	})
	if err != nil {
		return nil, err
	}
	for k, raw := range ts {
		data := raw
		if c == pmtiles.Gzip {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(raw)
			if err := zw.Close(); err != nil {
				return nil, err
			}
			data = buf.Bytes()
		}
		if err := pw.WriteTile(uint8(k[0]), uint32(k[1]), uint32(k[2]), data); err != nil {
			return nil, err
		}
	}
	return ts, pw.Close()
}

// WriteFile writes the gzipped archive to path.
func WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := Write(f, pmtiles.Gzip); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
