// Package pmtiles writes and reads PMTiles version 3 archives: a single file
// holding a tile pyramid that a map client reads with HTTP range requests.
//
// The layout follows the v3 specification
// (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): a
// 127-byte little-endian header, a root directory, JSON metadata, optional
// leaf directories, then tile data. Tiles are addressed by TileID, the
// position on the sequence of Hilbert curves of zooms 0, 1, 2, ... (ZxyToID).
// Directories are lists of (TileID, Offset, Length, RunLength) entries,
// varint-encoded column by column and compressed with the archive's internal
// compression (gzip here).
//
// Writer accepts tiles in any order, stores identical contents once, merges
// runs of consecutive identical tiles into one entry, writes tile data in
// TileID order (a "clustered" archive) and moves entries into leaf
// directories when the root would not fit the first 16,384 bytes. Tile bytes
// are stored as given: Options.TileCompression says what they are.
//
// Reader is a small reader of the same format, enough to serve tiles from an
// archive and to check one.
//
// The package is written from the specification rather than with
// github.com/protomaps/go-pmtiles, whose dependency tree is far larger than
// this writer.
package pmtiles
