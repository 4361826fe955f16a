package server

import (
	"sync"

	"crimemap/geo"
)

// DefaultListingCacheBytes bounds the cache of encoded crimes behind the
// listings (listingCache).
const DefaultListingCacheBytes = 64 << 20

// listingFormat is the JSON form a listing gives each crime.
type listingFormat uint8

const (
	featureFormat listingFormat = iota // a /v1/crimes GeoJSON Feature
	policeFormat                       // a data.police.uk crime
)

// listingCache holds the JSON of the crimes of one snap point in one month,
// in one format, encoded once: a one-mile listing is a few hundred crimes at
// a few hundred points that its neighbours share, so most of a listing not
// seen before is a copy of bytes already encoded for another. The dataset
// never changes under it (each dataset version has its own), so nothing is
// ever invalidated.
//
// It is bounded in bytes by two generations per shard: entries go into the
// current one, and when that is full the previous one is dropped and the
// current one takes its place; a hit in the previous generation moves the
// entry forward. That keeps what listings keep using at the cost of one map
// lookup, where an LRU list would cost a list update per crime run.
type listingCache struct {
	shards [listingShards]listingShard
}

const listingShards = 16

type listingShard struct {
	mu        sync.Mutex
	cur, prev map[listingKey]*encodedRun
	size, max int64 // bytes in cur; a generation's bound
}

type listingKey struct {
	p geo.PointID
	m geo.Month
	f listingFormat
}

// encodedRun is the JSON of the crimes first.. of one point and month,
// each followed by a comma: crime first+i is b[offs[i] : offs[i+1]-1].
type encodedRun struct {
	first geo.CrimeID
	offs  []uint32
	b     []byte
}

// runOverhead approximates the map slot and headers of one entry.
const runOverhead = 96

func (e *encodedRun) bytes() int64 { return int64(len(e.b)+4*len(e.offs)) + runOverhead }

// newListingCache returns a cache of at most maxBytes, or nil for none.
func newListingCache(maxBytes int64) *listingCache {
	if maxBytes <= 0 {
		return nil
	}
	c := &listingCache{}
	for i := range c.shards {
		c.shards[i] = listingShard{cur: map[listingKey]*encodedRun{}, max: maxBytes / (2 * listingShards)}
	}
	return c
}

func (c *listingCache) get(k listingKey) *encodedRun {
	s := &c.shards[k.p%listingShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.cur[k]; ok {
		return e
	}
	e, ok := s.prev[k]
	if ok {
		s.add(k, e)
	}
	return e
}

func (c *listingCache) put(k listingKey, e *encodedRun) {
	s := &c.shards[k.p%listingShards]
	s.mu.Lock()
	s.add(k, e)
	s.mu.Unlock()
}

func (s *listingShard) add(k listingKey, e *encodedRun) {
	n := e.bytes()
	if n > s.max {
		return
	}
	if s.size+n > s.max {
		s.prev, s.cur, s.size = s.cur, make(map[listingKey]*encodedRun, len(s.cur)), 0
	}
	s.cur[k] = e
	s.size += n
}

// listingWriter gives the JSON of crimes in one format, from the cache
// where it can; one serves one request.
type listingWriter struct {
	enc   *crimeEncoder
	cache *listingCache
	f     listingFormat
	run   *encodedRun
	runP  geo.PointID
	buf   []byte // a crime encoded without the cache, or a run being built
}

func newListingWriter(snap *snapshot, f listingFormat) *listingWriter {
	return &listingWriter{enc: newCrimeEncoder(snap), cache: snap.listings, f: f}
}

func (w *listingWriter) encode(b []byte, c geo.CrimeID, p geo.PointID) []byte {
	if w.f == policeFormat {
		return w.enc.appendPolice(b, c, p)
	}
	return w.enc.appendFeature(b, c, p)
}

// appendCrime appends the JSON of crime c at point p.
func (w *listingWriter) appendCrime(b []byte, c geo.CrimeID, p geo.PointID) []byte {
	if w.cache == nil || p == geo.NoPoint {
		return w.encode(b, c, p)
	}
	r := w.run
	if r == nil || p != w.runP || c < r.first || int(c-r.first) >= len(r.offs)-1 {
		r = w.load(c, p)
	}
	i := c - r.first
	return append(b, r.b[r.offs[i]:r.offs[i+1]-1]...)
}

// load finds or encodes the run of crime c's point and month.
func (w *listingWriter) load(c geo.CrimeID, p geo.PointID) *encodedRun {
	ds := w.enc.ds
	k := listingKey{p: p, m: ds.Month(c), f: w.f}
	r := w.cache.get(k)
	if r == nil {
		s, e := ds.MonthSpan(p, &geo.Filter{From: k.m, To: k.m})
		offs := make([]uint32, 0, e-s+1)
		b := w.buf[:0]
		for x := s; x < e; x++ {
			offs = append(offs, uint32(len(b)))
			b = w.encode(b, x, p)
			b = append(b, ',')
		}
		offs = append(offs, uint32(len(b)))
		// A copy of the exact length: an appended slice keeps up to twice
		// its bytes, which the bound would not see.
		r = &encodedRun{first: s, offs: offs, b: append([]byte(nil), b...)}
		w.buf = b
		w.cache.put(k, r)
	}
	w.run, w.runP = r, p
	return r
}
