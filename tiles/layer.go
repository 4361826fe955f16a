package tiles

import (
	"context"

	"crimemap/geo"
)

// Layer is one set of vector tiles drawn from a dataset, served under its
// own name: the crimes of an Index (CrimeLayer), H3 cells (HexLayer). A new
// kind of tile implements it with a small adapter like theirs, and CachedTile
// and the server's one tile handler serve it as they serve the others.
type Layer interface {
	// Name tells the layer's tiles apart from other layers' in a Cache.
	Name() string
	// Version is the version of the data drawn: the tiles of one version
	// and one set of parameters never change.
	Version() string
	// Normalize returns p as a tile of zoom z is drawn for it: defaults
	// resolved and parameters the layer does not read cleared, so that
	// requests for the same tile share one cache entry.
	Normalize(z int, p Params) Params
	// Tile renders tile z/x/y and returns its uncompressed MVT bytes, or
	// nil when the tile has no feature. The bytes depend only on the data
	// version, the tile and the normalised parameters.
	Tile(ctx context.Context, z, x, y int, p Params) ([]byte, error)
	// TileJSON describes the layer's tiles served at tileURL (a template
	// with {z}, {x} and {y}) for p; its zoom range is the one p allows.
	TileJSON(tileURL string, p Params) TileJSON
}

// Params are what a request may ask of a layer's tiles.
type Params struct {
	// Filter selects the crimes drawn.
	Filter geo.Filter
	// Res is the H3 resolution of a layer drawn on cells, -1 for the one of
	// the tile's zoom; other layers ignore it.
	Res int
}

// CrimeLayer serves the crime tiles of ix (Index.Tile) as a Layer.
func CrimeLayer(ix *Index) Layer { return crimeLayer{ix} }

type crimeLayer struct{ ix *Index }

func (l crimeLayer) Name() string    { return "crimes" }
func (l crimeLayer) Version() string { return l.ix.ds.Version() }

func (l crimeLayer) Normalize(_ int, p Params) Params {
	p.Res = -1
	return p
}

func (l crimeLayer) Tile(ctx context.Context, z, x, y int, p Params) ([]byte, error) {
	return l.ix.Tile(ctx, z, x, y, &p.Filter)
}

func (l crimeLayer) TileJSON(tileURL string, _ Params) TileJSON { return l.ix.TileJSON(tileURL) }

// HexLayer serves the hex tiles of ds (HexTile) as a Layer.
func HexLayer(ds *geo.Dataset) Layer { return hexLayer{ds} }

type hexLayer struct{ ds *geo.Dataset }

func (l hexLayer) Name() string    { return LayerHexes }
func (l hexLayer) Version() string { return l.ds.Version() }

func (l hexLayer) Normalize(z int, p Params) Params {
	if p.Res < 0 && z >= 0 && z <= MaxZoom {
		p.Res = HexZoomRes[z]
	}
	return p
}

func (l hexLayer) Tile(ctx context.Context, z, x, y int, p Params) ([]byte, error) {
	return HexTile(ctx, l.ds, z, x, y, p.Res, &p.Filter)
}

func (l hexLayer) TileJSON(tileURL string, p Params) TileJSON {
	return HexTileJSON(l.ds, tileURL, p.Res)
}
