package pmtiles

import (
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// Reader reads tiles from an archive. It is safe for concurrent use.
type Reader struct {
	r    io.ReaderAt
	size int64 // of the archive, or -1 when r cannot tell
	h    Header
	root []Entry

	mu     sync.Mutex
	leaves map[uint64][]Entry // by leaf offset
}

// maxDepth bounds the directory levels followed, against loops in a corrupt
// archive; real writers use one level of leaves.
const maxDepth = 4

// NewReader reads the header and root directory of the archive in r.
func NewReader(r io.ReaderAt) (*Reader, error) {
	hb := make([]byte, HeaderLen)
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, fmt.Errorf("pmtiles: read header: %w", err)
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	rd := &Reader{r: r, size: sizeOf(r), h: h, leaves: map[uint64][]Entry{}}
	rd.root, err = rd.directory(h.RootOffset, h.RootLength)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: root directory: %w", err)
	}
	return rd, nil
}

// Header returns the archive's header.
func (rd *Reader) Header() Header { return rd.h }

// Metadata returns the archive's JSON metadata, decompressed.
func (rd *Reader) Metadata() ([]byte, error) {
	b, err := rd.read(rd.h.MetadataOffset, rd.h.MetadataLength)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	return decompress(b, rd.h.InternalCompression)
}

// sizeOf returns the size of r when it can tell (bytes.Reader, os.File,
// io.SectionReader), so that lengths in a corrupt header are caught before
// anything is allocated for them.
func sizeOf(r io.ReaderAt) int64 {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

func (rd *Reader) read(off, n uint64) ([]byte, error) {
	if n > maxInflated || (rd.size >= 0 && (off > uint64(rd.size) || n > uint64(rd.size)-off)) {
		return nil, fmt.Errorf("%w: %d bytes at %d beyond the archive", ErrCorrupt, n, off)
	}
	b := make([]byte, n)
	if _, err := rd.r.ReadAt(b, int64(off)); err != nil {
		return nil, err
	}
	return b, nil
}

func (rd *Reader) directory(off, n uint64) ([]Entry, error) {
	b, err := rd.read(off, n)
	if err != nil {
		return nil, err
	}
	raw, err := decompress(b, rd.h.InternalCompression)
	if err != nil {
		return nil, err
	}
	return deserializeEntries(raw)
}

// Tile returns the content of tile z/x/y as stored (compressed per
// Header().TileCompression), or nil when the archive has no such tile.
func (rd *Reader) Tile(z uint8, x, y uint32) ([]byte, error) {
	id, err := ZxyToID(z, x, y)
	if err != nil {
		return nil, err
	}
	dir := rd.root
	for depth := 0; depth < maxDepth; depth++ {
		e, ok := findEntry(dir, id)
		if !ok {
			return nil, nil
		}
		if e.RunLength > 0 {
			return rd.read(rd.h.TileDataOffset+e.Offset, uint64(e.Length))
		}
		dir, err = rd.leaf(e.Offset, uint64(e.Length))
		if err != nil {
			return nil, fmt.Errorf("pmtiles: leaf directory: %w", err)
		}
	}
	return nil, fmt.Errorf("%w: directories nested deeper than %d", ErrCorrupt, maxDepth)
}

func (rd *Reader) leaf(off, n uint64) ([]Entry, error) {
	rd.mu.Lock()
	dir, ok := rd.leaves[off]
	rd.mu.Unlock()
	if ok {
		return dir, nil
	}
	dir, err := rd.directory(rd.h.LeafDirectoryOffset+off, n)
	if err != nil {
		return nil, err
	}
	rd.mu.Lock()
	rd.leaves[off] = dir
	rd.mu.Unlock()
	return dir, nil
}

// findEntry returns the entry covering id: the last entry with TileID <= id,
// if it is a leaf pointer or its run reaches id.
func findEntry(dir []Entry, id uint64) (Entry, bool) {
	i := sort.Search(len(dir), func(i int) bool { return dir[i].TileID > id }) - 1
	if i < 0 {
		return Entry{}, false
	}
	e := dir[i]
	if e.RunLength == 0 || id < e.TileID+uint64(e.RunLength) {
		return e, true
	}
	return Entry{}, false
}

// ForEach calls fn for every tile of the archive in TileID order, once per
// addressed tile (a run of identical tiles gives one call per tile, with the
// same data). It stops at the first error fn returns and returns it.
func (rd *Reader) ForEach(fn func(z uint8, x, y uint32, data []byte) error) error {
	return rd.walk(rd.root, 0, fn)
}

func (rd *Reader) walk(dir []Entry, depth int, fn func(z uint8, x, y uint32, data []byte) error) error {
	if depth >= maxDepth {
		return fmt.Errorf("%w: directories nested deeper than %d", ErrCorrupt, maxDepth)
	}
	for _, e := range dir {
		if e.RunLength == 0 {
			leaf, err := rd.leaf(e.Offset, uint64(e.Length))
			if err != nil {
				return fmt.Errorf("pmtiles: leaf directory: %w", err)
			}
			if err := rd.walk(leaf, depth+1, fn); err != nil {
				return err
			}
			continue
		}
		data, err := rd.read(rd.h.TileDataOffset+e.Offset, uint64(e.Length))
		if err != nil {
			return fmt.Errorf("pmtiles: tile data: %w", err)
		}
		for id := e.TileID; id < e.TileID+uint64(e.RunLength); id++ {
			z, x, y, err := IDToZxy(id)
			if err != nil {
				return err
			}
			if err := fn(z, x, y, data); err != nil {
				return err
			}
		}
	}
	return nil
}
