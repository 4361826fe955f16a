package basemap

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/paulmach/orb"

	"crimemap/pmtiles"
)

// The land tiles as generated (go generate): one layer of polygons, zooms
// 0..LandMaxZoom, uncompressed MVT.
//
//go:embed land.pmtiles
var landArchive []byte

const (
	// LayerLand is the MVT layer of land polygons; sea is where it is not.
	LayerLand = "land"
	// LandMaxZoom is the deepest zoom generated: the coastline's 10 m
	// resolution is about a pixel there, and MapLibre overzooms beyond.
	LandMaxZoom = 12
	// LandBuffer is how far, in tile units of 4,096, land runs past a
	// tile's edge: 8 pixels, so that the coast line drawn along a clipped
	// edge stays outside the tile MapLibre draws.
	LandBuffer = 64
	// LandAttribution is what the coastline's licence (ODbL) asks shown.
	LandAttribution = "© OpenStreetMap contributors (coastline, ODbL)"
)

// LandBound is the area the land is cut to: Great Britain, Ireland, the
// Isle of Man and the Channel Islands, with the nearby continental coast.
var LandBound = orb.Bound{Min: orb.Point{-11.5, 49.0}, Max: orb.Point{2.5, 61.0}}

var land = sync.OnceValues(func() (*pmtiles.Reader, error) {
	return pmtiles.NewReader(bytes.NewReader(landArchive))
})

// LandTile returns the uncompressed MVT bytes of the land layer of tile
// z/x/y, or nil where the tile holds no land or lies deeper than
// LandMaxZoom.
func LandTile(z, x, y int) ([]byte, error) {
	if z < 0 || z > LandMaxZoom {
		return nil, nil
	}
	r, err := land()
	if err != nil {
		return nil, fmt.Errorf("basemap: land archive: %w", err)
	}
	b, err := r.Tile(uint8(z), uint32(x), uint32(y))
	if err != nil {
		return nil, fmt.Errorf("basemap: land tile %d/%d/%d: %w", z, x, y, err)
	}
	return b, nil
}
