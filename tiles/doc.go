// Package tiles works in Web Mercator tile space: it projects the snap points
// of a geo.Dataset onto the XYZ tile pyramid, clusters them Supercluster-style
// at low zooms and encodes Mapbox Vector Tiles (version 2.1) of crimes and of
// H3 cells.
//
// Coordinates here are "world" coordinates: Web Mercator scaled to the unit
// square, x growing east and y growing south, so tile (z, x, y) covers
// [x/2^z, (x+1)/2^z) x [y/2^z, (y+1)/2^z). Every feature belongs to exactly
// one tile of a zoom, the one whose half-open square holds its position, so
// counts summed over the tiles of a zoom are the counts of the dataset. For
// that reason point features are never copied into a neighbour's buffer: a
// tile's geometry always lies in [0, Extent) even though the layer allows a
// Buffer around it (MapLibre draws circles and symbols across tile edges).
//
// An Index is built once per dataset (NewIndex) and is read-only afterwards,
// so tiles are rendered concurrently without locks; a dataset with later
// months added gets a new Index from the old one (Index.Extend), which
// renders exactly as one built anew. Tiles are bounded (see
// Options.MaxFeatures and Options.MaxBytes): a tile that would exceed the
// bounds has its features merged on a grid inside the tile, never dropped.
//
// Every kind of tile is a Layer (layer.go): the crimes of an Index
// (CrimeLayer) and H3 cells with their counts (HexLayer, hex.go). CachedTile
// renders any layer through one Cache, keyed by the layer's name, data
// version, normalised Params and z/x/y. The Index's code is split by stage:
// options.go, hierarchy.go (the cluster hierarchy), tables.go (count
// tables), render.go (a tile's features, grid merging) and encode.go (MVT).
//
// The package does no HTTP; package server adapts it.
package tiles
