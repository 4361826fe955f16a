// Command genland cuts the land polygons of the @geo-maps/earth-lands-10m
// package (OpenStreetMap coastline, 10 m resolution, ODbL) to the British
// Isles and writes them as land tiles, simplified for each zoom, into the
// PMTiles archive that package basemap embeds.
//
//	go run ./basemap/internal/genland -in map.geo.json -out basemap/land.pmtiles
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"

	"crimemap/basemap"
	"crimemap/pmtiles"
)

func main() {
	in := flag.String("in", "", "earth-lands GeoJSON (a GeometryCollection of MultiPolygons)")
	out := flag.String("out", "", "PMTiles archive to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		log.Fatal(err)
	}
}

func run(in, out string) error {
	land, err := readLand(in, basemap.LandBound)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("genland: %w", err)
	}
	defer f.Close()
	w, err := pmtiles.NewWriter(f, pmtiles.Options{
		TileType:        pmtiles.MVT,
		TileCompression: pmtiles.NoCompression,
		Metadata: map[string]any{
			"name":        "land",
			"attribution": basemap.LandAttribution,
			"vector_layers": []map[string]any{{"id": basemap.LayerLand, "fields": map[string]string{},
				"minzoom": 0, "maxzoom": basemap.LandMaxZoom}},
		},
		Bounds: &pmtiles.Bounds{MinLon: basemap.LandBound.Min[0], MinLat: basemap.LandBound.Min[1],
			MaxLon: basemap.LandBound.Max[0], MaxLat: basemap.LandBound.Max[1]},
	})
	if err != nil {
		return fmt.Errorf("genland: %w", err)
	}
	n := 0
	// Each level clips its parent's pieces, so every vertex is clipped once
	// a zoom rather than once a tile.
	level := map[maptile.Tile]orb.MultiPolygon{maptile.New(0, 0, 0): land}
	for z := maptile.Zoom(0); z <= basemap.LandMaxZoom; z++ {
		next := map[maptile.Tile]orb.MultiPolygon{}
		for t, mp := range level {
			data, err := encode(t, mp)
			if err != nil {
				return err
			}
			if data != nil {
				if err := w.WriteTile(uint8(t.Z), t.X, t.Y, data); err != nil {
					return fmt.Errorf("genland: tile %v: %w", t, err)
				}
				n++
			}
			if z == basemap.LandMaxZoom {
				continue
			}
			for _, c := range t.Children() {
				// Clipping works in place: each child clips its own copy.
				if piece := clip.MultiPolygon(buffered(c), mp.Clone()); len(piece) > 0 {
					next[c] = piece
				}
			}
		}
		log.Printf("zoom %d: %d tiles", z, len(level))
		level = next
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("genland: %w", err)
	}
	log.Printf("%d tiles written to %s", n, out)
	return f.Close()
}

// buffered is t's bound grown by the buffer the tiles keep, so that the
// fill of neighbouring tiles overlaps rather than leaving a hairline.
func buffered(t maptile.Tile) orb.Bound {
	b := t.Bound()
	dx := (b.Max[0] - b.Min[0]) * basemap.LandBuffer / mvt.DefaultExtent
	dy := (b.Max[1] - b.Min[1]) * basemap.LandBuffer / mvt.DefaultExtent
	return orb.Bound{Min: orb.Point{b.Min[0] - dx, b.Min[1] - dy}, Max: orb.Point{b.Max[0] + dx, b.Max[1] + dy}}
}

// encode draws a tile's land as one MVT layer, simplified to a quarter of a
// pixel of a 512-pixel tile; nil when nothing is left. Tiles are stored
// uncompressed, so serving one is a copy: the binary is compressed anyway
// where it is shipped, and the tile cache gzips what it sends.
func encode(t maptile.Tile, mp orb.MultiPolygon) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	fc.Append(geojson.NewFeature(mp.Clone()))
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{basemap.LayerLand: fc})
	layers.ProjectToTile(t)
	layers.Simplify(simplify.DouglasPeucker(2))
	for _, f := range layers[0].Features {
		f.Geometry = dropSpecks(f.Geometry)
	}
	layers.RemoveEmpty(4, minIsland)
	if len(layers[0].Features) == 0 {
		return nil, nil
	}
	raw, err := mvt.Marshal(layers)
	if err != nil {
		return nil, fmt.Errorf("genland: tile %v: %w", t, err)
	}
	return raw, nil
}

// Smallest rings kept, in square tile units (64 to a pixel of a 512-pixel
// tile): an island of a pixel is still land, but a lake or a dock must be
// 4 × 4 pixels to be cut out of it, else land is speckled with holes.
const (
	minIsland = 64
	minHole   = 1024
)

// dropSpecks removes the islands and holes too small to be seen.
func dropSpecks(g orb.Geometry) orb.Geometry {
	var polys orb.MultiPolygon
	switch v := g.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{v}
	case orb.MultiPolygon:
		polys = v
	default:
		return g
	}
	var out orb.MultiPolygon
	for _, p := range polys {
		if len(p) == 0 || math.Abs(planar.Area(p[0])) < minIsland {
			continue
		}
		kept := orb.Polygon{p[0]}
		for _, hole := range p[1:] {
			if math.Abs(planar.Area(hole)) >= minHole {
				kept = append(kept, hole)
			}
		}
		out = append(out, kept)
	}
	return out
}

// readLand reads the polygons of the GeometryCollection that meet bound,
// clipped to it.
func readLand(path string, bound orb.Bound) (orb.MultiPolygon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("genland: %w", err)
	}
	defer f.Close()
	var gc struct {
		Geometries []json.RawMessage `json:"geometries"`
	}
	if err := json.NewDecoder(f).Decode(&gc); err != nil {
		return nil, fmt.Errorf("genland: %s: %w", path, err)
	}
	var out orb.MultiPolygon
	for i, raw := range gc.Geometries {
		g, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			return nil, fmt.Errorf("genland: %s: geometry %d: %w", path, i, err)
		}
		var polys orb.MultiPolygon
		switch v := g.Geometry().(type) {
		case orb.Polygon:
			polys = orb.MultiPolygon{v}
		case orb.MultiPolygon:
			polys = v
		}
		for _, p := range polys {
			if !p.Bound().Intersects(bound) {
				continue
			}
			if c := clip.Polygon(bound, p.Clone()); len(c) > 0 {
				out = append(out, c)
			}
		}
	}
	log.Printf("%d polygons in the bound", len(out))
	return out, nil
}
