package pmtiles

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"crimemap/fault"
)

// ErrDuplicateTile is returned, wrapped, by Close when a tile was written twice.
var ErrDuplicateTile = fault.New(fault.Conflict, "pmtiles: tile written twice")

// ErrNoTiles is returned by Close when no non-empty tile was written: the
// format has no empty archive.
var ErrNoTiles = fault.New(fault.Invalid, "pmtiles: no tiles written")

// ErrClosed is returned for writes after Close.
var ErrClosed = fault.New(fault.Conflict, "pmtiles: writer closed")

// Bounds is a WGS84 extent in degrees.
type Bounds struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Center is where a viewer should open the map.
type Center struct {
	Lon, Lat float64
	Zoom     uint8
}

// Options describe the archive beyond its tiles.
type Options struct {
	// TileType is written to the header; set MVT for vector tiles.
	TileType TileType
	// TileCompression says how the bytes given to WriteTile are compressed
	// (Gzip for gzipped MVT); they are stored unchanged.
	TileCompression Compression
	// Metadata is encoded as the archive's JSON metadata; nil writes {}.
	// For MVT it should hold "vector_layers" (TileJSON 3.0).
	Metadata any
	// Bounds and Center default to the extent of the tiles written and its
	// middle at the shallowest zoom.
	Bounds *Bounds
	Center *Center
	// TempDir holds tile data until Close; "" means os.TempDir.
	TempDir string
}

type content struct {
	off    uint64 // in the temporary file
	length uint32
}

type tileRef struct {
	id      uint64
	content uint32
}

// Writer builds an archive. Tiles are kept in a temporary file until Close
// writes the whole archive to the destination in one pass, because the
// directories that precede the tile data depend on every tile.
type Writer struct {
	dst      io.Writer
	opt      Options
	tmp      *os.File
	tmpW     *bufio.Writer
	tmpLen   uint64
	byHash   map[[sha256.Size]byte]uint32
	contents []content
	tiles    []tileRef
	minZ     uint8
	maxZ     uint8
	bounds   Bounds
	closed   bool

	// rootLimit is RootLimit; tests lower it to reach leaf directories with
	// fewer tiles.
	rootLimit int
}

// NewWriter returns a Writer that writes the archive to dst on Close.
func NewWriter(dst io.Writer, opt Options) (*Writer, error) {
	tmp, err := os.CreateTemp(opt.TempDir, "pmtiles-*.tiles")
	if err != nil {
		return nil, fmt.Errorf("pmtiles: temporary tile file: %w", err)
	}
	return &Writer{
		dst:       dst,
		opt:       opt,
		tmp:       tmp,
		tmpW:      bufio.NewWriterSize(tmp, 1<<20),
		byHash:    map[[sha256.Size]byte]uint32{},
		minZ:      MaxZoom,
		bounds:    Bounds{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)},
		rootLimit: RootLimit,
	}, nil
}

// WriteTile adds tile z/x/y with content data, in any order. Empty data is
// skipped: the format cannot store an empty tile, and a missing one reads as
// empty. Identical contents are stored once. data is not retained.
func (w *Writer) WriteTile(z uint8, x, y uint32, data []byte) error {
	if w.closed {
		return ErrClosed
	}
	id, err := ZxyToID(z, x, y)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	if len(data) > math.MaxUint32 {
		return fmt.Errorf("pmtiles: tile %d/%d/%d of %d bytes is too large", z, x, y, len(data))
	}
	sum := sha256.Sum256(data)
	ci, ok := w.byHash[sum]
	if !ok {
		if _, err := w.tmpW.Write(data); err != nil {
			return fmt.Errorf("pmtiles: buffer tile: %w", err)
		}
		ci = uint32(len(w.contents))
		w.contents = append(w.contents, content{off: w.tmpLen, length: uint32(len(data))})
		w.tmpLen += uint64(len(data))
		w.byHash[sum] = ci
	}
	w.tiles = append(w.tiles, tileRef{id: id, content: ci})
	w.minZ = min(w.minZ, z)
	w.maxZ = max(w.maxZ, z)
	west, south, east, north := tileBounds(z, x, y)
	w.bounds.MinLon = min(w.bounds.MinLon, west)
	w.bounds.MinLat = min(w.bounds.MinLat, south)
	w.bounds.MaxLon = max(w.bounds.MaxLon, east)
	w.bounds.MaxLat = max(w.bounds.MaxLat, north)
	return nil
}

// tileBounds returns the WGS84 extent of a Web Mercator tile.
func tileBounds(z uint8, x, y uint32) (west, south, east, north float64) {
	n := math.Exp2(float64(z))
	lon := func(x float64) float64 { return x/n*360 - 180 }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi }
	return lon(float64(x)), lat(float64(y) + 1), lon(float64(x) + 1), lat(float64(y))
}

// Close writes the archive to the destination and removes the temporary
// file. It does not close the destination. It returns ErrNoTiles when
// nothing was written and ErrDuplicateTile when a tile was written twice.
func (w *Writer) Close() (err error) {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	defer func() {
		name := w.tmp.Name()
		w.tmp.Close()
		if rerr := os.Remove(name); err == nil && rerr != nil {
			err = fmt.Errorf("pmtiles: remove temporary file: %w", rerr)
		}
	}()
	if err := w.tmpW.Flush(); err != nil {
		return fmt.Errorf("pmtiles: buffer tiles: %w", err)
	}
	if len(w.tiles) == 0 {
		return ErrNoTiles
	}
	slices.SortFunc(w.tiles, func(a, b tileRef) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})

	// Lay contents out in TileID order of first use (a clustered archive),
	// and merge runs of consecutive TileIDs with the same content.
	newOff := make([]uint64, len(w.contents))
	placed := make([]bool, len(w.contents))
	order := make([]uint32, 0, len(w.contents))
	var dataLen, addressed uint64
	entries := make([]Entry, 0, len(w.tiles))
	for i, t := range w.tiles {
		if i > 0 && t.id == w.tiles[i-1].id {
			z, x, y, _ := IDToZxy(t.id)
			return fmt.Errorf("%w: %d/%d/%d", ErrDuplicateTile, z, x, y)
		}
		c := w.contents[t.content]
		if !placed[t.content] {
			placed[t.content] = true
			newOff[t.content] = dataLen
			dataLen += uint64(c.length)
			order = append(order, t.content)
		}
		addressed++
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.Offset == newOff[t.content] && last.TileID+uint64(last.RunLength) == t.id && last.RunLength < math.MaxUint32 {
				last.RunLength++
				continue
			}
		}
		entries = append(entries, Entry{TileID: t.id, Offset: newOff[t.content], Length: c.length, RunLength: 1})
	}

	root, leaves := buildDirectories(entries, w.rootLimit)
	meta := w.opt.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("pmtiles: metadata: %w", err)
	}
	metaGz := gzipBytes(metaJSON)

	b := w.bounds
	if w.opt.Bounds != nil {
		b = *w.opt.Bounds
	}
	// Web Mercator tiles reach ±85.05°; clamp so the header stays in range.
	b.MinLat, b.MaxLat = max(b.MinLat, -90), min(b.MaxLat, 90)
	c := Center{Lon: (b.MinLon + b.MaxLon) / 2, Lat: (b.MinLat + b.MaxLat) / 2, Zoom: w.minZ}
	if w.opt.Center != nil {
		c = *w.opt.Center
	}
	h := Header{
		RootOffset:          HeaderLen,
		RootLength:          uint64(len(root)),
		MetadataOffset:      HeaderLen + uint64(len(root)),
		MetadataLength:      uint64(len(metaGz)),
		LeafDirectoryLength: uint64(len(leaves)),
		TileDataLength:      dataLen,
		AddressedTiles:      addressed,
		TileEntries:         uint64(len(entries)),
		TileContents:        uint64(len(order)),
		Clustered:           true,
		InternalCompression: Gzip,
		TileCompression:     w.opt.TileCompression,
		TileType:            w.opt.TileType,
		MinZoom:             w.minZ,
		MaxZoom:             w.maxZ,
		MinLon:              b.MinLon, MinLat: b.MinLat, MaxLon: b.MaxLon, MaxLat: b.MaxLat,
		CenterZoom: c.Zoom, CenterLon: c.Lon, CenterLat: c.Lat,
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength

	out := bufio.NewWriterSize(w.dst, 1<<20)
	for _, part := range [][]byte{h.marshal(), root, metaGz, leaves} {
		if _, err := out.Write(part); err != nil {
			return fmt.Errorf("pmtiles: write archive: %w", err)
		}
	}
	buf := make([]byte, 0, 64<<10)
	for _, ci := range order {
		c := w.contents[ci]
		buf = slices.Grow(buf[:0], int(c.length))[:c.length]
		if _, err := w.tmp.ReadAt(buf, int64(c.off)); err != nil {
			return fmt.Errorf("pmtiles: read back tile: %w", err)
		}
		if _, err := out.Write(buf); err != nil {
			return fmt.Errorf("pmtiles: write archive: %w", err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("pmtiles: write archive: %w", err)
	}
	return nil
}

// buildDirectories returns the compressed root directory and the leaf
// directory section. All entries go in the root when header and root fit in
// limit bytes; otherwise they are split into leaves of equal entry counts,
// doubled until the root of pointers to them fits.
func buildDirectories(entries []Entry, limit int) (root, leaves []byte) {
	root = gzipBytes(serializeEntries(entries))
	if HeaderLen+len(root) <= limit {
		return root, nil
	}
	for leafSize := 4096; ; leafSize *= 2 {
		leaves = leaves[:0]
		var ptrs []Entry
		for i := 0; i < len(entries); i += leafSize {
			chunk := entries[i:min(i+leafSize, len(entries))]
			leaf := gzipBytes(serializeEntries(chunk))
			ptrs = append(ptrs, Entry{TileID: chunk[0].TileID, Offset: uint64(len(leaves)), Length: uint32(len(leaf))})
			leaves = append(leaves, leaf...)
		}
		root = gzipBytes(serializeEntries(ptrs))
		if HeaderLen+len(root) <= limit || len(ptrs) == 1 {
			return root, leaves
		}
	}
}
