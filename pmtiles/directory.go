package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"crimemap/fault"
)

// Entry is one directory entry. RunLength 0 marks a pointer to a leaf
// directory whose first TileID is TileID; otherwise the tile's content is
// repeated at TileID .. TileID+RunLength-1.
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// ErrCorrupt is returned, wrapped, for bytes that are not a valid archive.
var ErrCorrupt = fault.New(fault.Invalid, "pmtiles: corrupt archive")

// serializeEntries encodes entries (sorted by TileID) the v3 way: count,
// then TileID deltas, run lengths, lengths and offsets as uvarints, where an
// offset directly following the previous entry's data is written as 0 and any
// other as offset+1.
func serializeEntries(entries []Entry) []byte {
	b := make([]byte, 0, 1+len(entries)*8)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.RunLength))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.Offset+1)
		}
	}
	return b
}

// deserializeEntries is the inverse of serializeEntries.
func deserializeEntries(b []byte) ([]Entry, error) {
	r := bytes.NewReader(b)
	next := func(what string) (uint64, error) {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, fmt.Errorf("%w: directory %s: %w", ErrCorrupt, what, err)
		}
		return v, nil
	}
	n, err := next("count")
	if err != nil {
		return nil, err
	}
	// Each entry takes at least four bytes, which bounds a hostile count.
	if n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: directory of %d entries in %d bytes", ErrCorrupt, n, len(b))
	}
	entries := make([]Entry, n)
	var id uint64
	for i := range entries {
		d, err := next("tile id")
		if err != nil {
			return nil, err
		}
		id += d
		entries[i].TileID = id
	}
	for i := range entries {
		v, err := next("run length")
		if err != nil {
			return nil, err
		}
		if v > 1<<32-1 {
			return nil, fmt.Errorf("%w: run length %d", ErrCorrupt, v)
		}
		entries[i].RunLength = uint32(v)
	}
	for i := range entries {
		v, err := next("length")
		if err != nil {
			return nil, err
		}
		if v > 1<<32-1 {
			return nil, fmt.Errorf("%w: length %d", ErrCorrupt, v)
		}
		entries[i].Length = uint32(v)
	}
	for i := range entries {
		v, err := next("offset")
		if err != nil {
			return nil, err
		}
		if v == 0 {
			if i == 0 {
				return nil, fmt.Errorf("%w: first offset is relative", ErrCorrupt)
			}
			entries[i].Offset = entries[i-1].Offset + uint64(entries[i-1].Length)
		} else {
			entries[i].Offset = v - 1
		}
	}
	return entries, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b) // a bytes.Buffer does not fail
	zw.Close()
	return buf.Bytes()
}

// maxInflated bounds decompressed directories and metadata, so a small
// hostile archive cannot exhaust memory.
const maxInflated = 256 << 20

func decompress(b []byte, c Compression) ([]byte, error) {
	switch c {
	case NoCompression:
		return b, nil
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxInflated))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w: internal compression %d", ErrUnsupported, c)
	}
}
