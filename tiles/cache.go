package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"crimemap/geo"
	"crimemap/internal/lru"
)

// Entry is an encoded tile ready to send.
type Entry struct {
	Raw  []byte // uncompressed MVT; nil for a tile without features
	Gzip []byte // Raw gzipped; nil when Raw is
	// ETag is a strong validator, quoted, derived from Raw alone, so equal
	// tiles have equal ETags on every replica.
	ETag string
}

// NewEntry gzips raw at the fastest level (tiles are small and compress
// well even so) and derives the ETag.
func NewEntry(raw []byte) (*Entry, error) {
	sum := sha256.Sum256(raw)
	e := &Entry{Raw: raw, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	if raw == nil {
		return e, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	// A flate compressor is hundreds of kilobytes of state: reuse them, or
	// allocating and clearing one costs more than compressing a tile.
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("gzip tile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip tile: %w", err)
	}
	e.Gzip = buf.Bytes()
	return e, nil
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

func (e *Entry) size() int64 { return int64(len(e.Raw) + len(e.Gzip) + len(e.ETag)) }

// Cache holds encoded tiles up to a number of bytes, evicting the least
// recently used.
type Cache struct{ c *lru.Cache[*Entry] }

// NewCache returns a cache holding at most maxBytes of tiles and keys; a
// cache of 0 bytes holds nothing.
func NewCache(maxBytes int64) *Cache {
	return &Cache{c: lru.New(maxBytes, (*Entry).size)}
}

// Get returns the entry stored under key.
func (c *Cache) Get(key string) (*Entry, bool) { return c.c.Get(key) }

// Put stores e under key, evicting old entries to stay within the bound. An
// entry bigger than a sixteenth of the bound is not stored.
func (c *Cache) Put(key string, e *Entry) { c.c.Put(key, e) }

// CacheStats reports a cache's use.
type CacheStats = lru.Stats

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats { return c.c.Stats() }

// TileKey identifies a tile of a dataset version for a filter.
func TileKey(version string, z, x, y int, f *geo.Filter) string {
	var b strings.Builder
	b.Grow(48)
	writeTileKey(&b, version, z, x, y, f)
	return b.String()
}

func writeTileKey(b *strings.Builder, version string, z, x, y int, f *geo.Filter) {
	b.WriteString(version)
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(z))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(x))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(y))
	if f != nil {
		b.WriteByte('?')
		b.WriteString(FilterKey(f))
	}
}

// layerKey identifies a tile of a layer for normalised parameters p: the
// layer's name, its resolution when it has one, then TileKey.
func layerKey(l Layer, z, x, y int, p *Params) string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString(l.Name())
	b.WriteByte('/')
	if p.Res >= 0 {
		b.WriteString(strconv.Itoa(p.Res))
		b.WriteByte('/')
	}
	writeTileKey(&b, l.Version(), z, x, y, &p.Filter)
	return b.String()
}

// FilterKey writes a filter canonically: two filters selecting the same
// crimes by the same terms have the same key.
func FilterKey(f *geo.Filter) string {
	var b []byte
	if f.From != 0 {
		b = append(b, 'f')
		b = strconv.AppendUint(b, uint64(f.From), 10)
	}
	if f.To != 0 {
		b = append(b, 't')
		b = strconv.AppendUint(b, uint64(f.To), 10)
	}
	for _, s := range []struct {
		tag byte
		set *geo.Set
	}{{'c', &f.Categories}, {'p', &f.Forces}, {'o', &f.Outcomes}} {
		if s.set.Empty() {
			continue
		}
		b = append(b, s.tag)
		for i := 0; i < geo.MaxTerms; i++ {
			if s.set.Has(i) {
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, ',')
			}
		}
	}
	return string(b)
}

// CachedTile returns tile z/x/y of layer l for p from the cache, rendering,
// gzipping and storing it on a miss; the key is the layer's name and version
// with p as l normalises it for zoom z. A nil cache renders every time.
func CachedTile(ctx context.Context, c *Cache, l Layer, z, x, y int, p Params) (*Entry, error) {
	e, _, err := CachedTileHit(ctx, c, l, z, x, y, p)
	return e, err
}

// CachedTileHit is CachedTile that also reports whether the cache held the
// tile.
func CachedTileHit(ctx context.Context, c *Cache, l Layer, z, x, y int, p Params) (*Entry, bool, error) {
	p = l.Normalize(z, p)
	var key string
	if c != nil {
		key = layerKey(l, z, x, y, &p)
		if e, ok := c.Get(key); ok {
			return e, true, nil
		}
	}
	raw, err := l.Tile(ctx, z, x, y, p)
	if err != nil {
		return nil, false, err
	}
	e, err := NewEntry(raw)
	if err != nil {
		return nil, false, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	if c != nil {
		c.Put(key, e)
	}
	return e, false, nil
}
