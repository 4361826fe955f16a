package pmtiles

import (
	"encoding/binary"
	"fmt"
	"math"

	"crimemap/fault"
)

// HeaderLen is the fixed size of a v3 header.
const HeaderLen = 127

// RootLimit is the most bytes header plus root directory may take, so that a
// client's first 16 KiB read always holds the whole root.
const RootLimit = 16384

// ErrUnsupported is returned, wrapped, for archives this package cannot read
// (another spec version, an internal compression other than none or gzip).
var ErrUnsupported = fault.New(fault.Invalid, "pmtiles: unsupported archive")

// Compression is the header's compression enum.
type Compression uint8

// Compression values of the v3 header.
const (
	UnknownCompression Compression = 0
	NoCompression      Compression = 1
	Gzip               Compression = 2
	Brotli             Compression = 3
	Zstd               Compression = 4
)

// TileType is the header's tile type enum.
type TileType uint8

// TileType values of the v3 header.
const (
	UnknownTileType TileType = 0
	MVT             TileType = 1
	PNG             TileType = 2
	JPEG            TileType = 3
	WebP            TileType = 4
	AVIF            TileType = 5
)

// Header is the decoded 127-byte header. Offsets are from the start of the
// archive; tile and leaf offsets in directories are relative to
// TileDataOffset and LeafDirectoryOffset.
type Header struct {
	RootOffset, RootLength                    uint64
	MetadataOffset, MetadataLength            uint64
	LeafDirectoryOffset, LeafDirectoryLength  uint64
	TileDataOffset, TileDataLength            uint64
	AddressedTiles, TileEntries, TileContents uint64
	Clustered                                 bool
	InternalCompression, TileCompression      Compression
	TileType                                  TileType
	MinZoom, MaxZoom                          uint8
	// Bounds and centre in WGS84 degrees, stored to 1e-7.
	MinLon, MinLat, MaxLon, MaxLat float64
	CenterZoom                     uint8
	CenterLon, CenterLat           float64
}

func e7(v float64) uint32 { return uint32(int32(math.Round(v * 1e7))) }

func fromE7(v uint32) float64 { return float64(int32(v)) / 1e7 }

func (h Header) marshal() []byte {
	b := make([]byte, HeaderLen)
	copy(b, "PMTiles")
	b[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{
		h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafDirectoryOffset, h.LeafDirectoryLength, h.TileDataOffset, h.TileDataLength,
		h.AddressedTiles, h.TileEntries, h.TileContents,
	} {
		le.PutUint64(b[8+8*i:], v)
	}
	if h.Clustered {
		b[96] = 1
	}
	b[97] = byte(h.InternalCompression)
	b[98] = byte(h.TileCompression)
	b[99] = byte(h.TileType)
	b[100] = h.MinZoom
	b[101] = h.MaxZoom
	le.PutUint32(b[102:], e7(h.MinLon))
	le.PutUint32(b[106:], e7(h.MinLat))
	le.PutUint32(b[110:], e7(h.MaxLon))
	le.PutUint32(b[114:], e7(h.MaxLat))
	b[118] = h.CenterZoom
	le.PutUint32(b[119:], e7(h.CenterLon))
	le.PutUint32(b[123:], e7(h.CenterLat))
	return b
}

func parseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen || string(b[:7]) != "PMTiles" {
		return Header{}, fmt.Errorf("%w: no PMTiles magic", ErrCorrupt)
	}
	if b[7] != 3 {
		return Header{}, fmt.Errorf("%w: spec version %d", ErrUnsupported, b[7])
	}
	le := binary.LittleEndian
	u := func(i int) uint64 { return le.Uint64(b[8+8*i:]) }
	h := Header{
		RootOffset: u(0), RootLength: u(1), MetadataOffset: u(2), MetadataLength: u(3),
		LeafDirectoryOffset: u(4), LeafDirectoryLength: u(5), TileDataOffset: u(6), TileDataLength: u(7),
		AddressedTiles: u(8), TileEntries: u(9), TileContents: u(10),
		Clustered:           b[96] == 1,
		InternalCompression: Compression(b[97]),
		TileCompression:     Compression(b[98]),
		TileType:            TileType(b[99]),
		MinZoom:             b[100],
		MaxZoom:             b[101],
		MinLon:              fromE7(le.Uint32(b[102:])),
		MinLat:              fromE7(le.Uint32(b[106:])),
		MaxLon:              fromE7(le.Uint32(b[110:])),
		MaxLat:              fromE7(le.Uint32(b[114:])),
		CenterZoom:          b[118],
		CenterLon:           fromE7(le.Uint32(b[119:])),
		CenterLat:           fromE7(le.Uint32(b[123:])),
	}
	return h, nil
}
