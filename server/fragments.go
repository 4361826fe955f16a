package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"crimemap/geo"
)

// DefaultListingCacheBytes bounds the cache of encoded crimes behind the
// listings (listingCache).
const DefaultListingCacheBytes = 128 << 20

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
// It is bounded in bytes and evicts points at random: a least recently
// used order would cost a list update per point listed, and loses
// everything once listings cycle through more than it holds (as a load
// test's URL list does), where random eviction still keeps its share. A
// lookup is one atomic load of the point's slot, without a lock or a hash:
// a listing makes hundreds, and a large map's probes missed the CPU caches.
type listingCache struct {
	slots []atomic.Pointer[pointRuns] // by point and format
	mu    sync.Mutex
	held  []int // slots holding runs
	size  int64
	max   int64
}

// pointRuns are the runs of one point and format, one a month; a slot's
// value is replaced, never changed, so readers need no lock.
type pointRuns struct {
	months []geo.Month
	runs   []*encodedRun
	bytes  int64
}

// encodedRun is the JSON of the crimes first.. of one point and month,
// each followed by a comma: crime first+i is b[offs[i] : offs[i+1]-1].
type encodedRun struct {
	first geo.CrimeID
	offs  []uint32
	b     []byte
}

// runOverhead approximates the headers of one run and its slot's share.
const runOverhead = 96

func (e *encodedRun) bytes() int64 { return int64(len(e.b)+4*len(e.offs)) + runOverhead }

// listingFormats is the number of listingFormat values.
const listingFormats = 2

// newListingCache returns a cache of at most maxBytes for a dataset of
// points snap points, or nil for none. Its slots take 16 bytes a point
// beyond the bound.
func newListingCache(maxBytes int64, points int) *listingCache {
	if maxBytes <= 0 {
		return nil
	}
	return &listingCache{slots: make([]atomic.Pointer[pointRuns], points*listingFormats), max: maxBytes}
}

func slot(p geo.PointID, f listingFormat) int { return int(p)*listingFormats + int(f) }

func (c *listingCache) get(p geo.PointID, m geo.Month, f listingFormat) *encodedRun {
	if pr := c.slots[slot(p, f)].Load(); pr != nil {
		for i, x := range pr.months {
			if x == m {
				return pr.runs[i]
			}
		}
	}
	return nil
}

func (c *listingCache) put(p geo.PointID, m geo.Month, f listingFormat, e *encodedRun) {
	n := e.bytes()
	if n > c.max/16 {
		return
	}
	s := slot(p, f)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.size+n > c.max && len(c.held) > 0 {
		c.evict(rand.IntN(len(c.held)))
	}
	old := c.slots[s].Load()
	pr := &pointRuns{months: []geo.Month{m}, runs: []*encodedRun{e}, bytes: n}
	if old != nil {
		if slices.Contains(old.months, m) {
			return
		}
		pr.months, pr.runs = append(slices.Clip(old.months), m), append(slices.Clip(old.runs), e)
		pr.bytes = old.bytes + n
	} else {
		c.held = append(c.held, s)
	}
	c.size += n
	c.slots[s].Store(pr)
}

// evict drops the runs of the slot held[i].
func (c *listingCache) evict(i int) {
	s, last := c.held[i], len(c.held)-1
	c.size -= c.slots[s].Load().bytes
	c.slots[s].Store(nil)
	c.held[i] = c.held[last]
	c.held = c.held[:last]
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
	return w.pointMonth(p, w.enc.ds.Month(c))
}

// pointMonth finds or encodes the run of point p in month m.
func (w *listingWriter) pointMonth(p geo.PointID, m geo.Month) *encodedRun {
	ds := w.enc.ds
	r := w.cache.get(p, m, w.f)
	if r == nil {
		s, e := ds.MonthCrimes(p, m)
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
		w.cache.put(p, m, w.f, r)
	}
	w.run, w.runP = r, p
	return r
}

// firstPageRuns lists the first page of /v1/crimes as whole runs, one a
// point in table order, when the filter selects one month and no terms and
// the page holds every crime (at most limit): the common one-mile listing,
// copied a point at a time rather than a crime at a time. It reports false
// when that does not apply, or without the cache.
func firstPageRuns(ctx context.Context, snap *snapshot, a geo.Area, f *geo.Filter, limit int) ([]*encodedRun, bool, error) {
	if snap.listings == nil || f.From == 0 || f.From != f.To ||
		!f.Categories.Empty() || !f.Forces.Empty() || !f.Outcomes.Empty() {
		return nil, false, nil
	}
	ds := snap.ds
	// Only the points with crimes in the month are sorted into table
	// order, most of a circle's having none.
	var ps []geo.PointID
	for p := range ds.PointsIn(ctx, a) {
		if s, e := ds.MonthCrimes(p, f.From); s != e {
			ps = append(ps, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("crimes in area: %w", err)
	}
	slices.Sort(ps)
	w := newListingWriter(snap, featureFormat)
	runs := make([]*encodedRun, 0, len(ps))
	n := 0
	for _, p := range ps {
		r := w.pointMonth(p, f.From)
		if n += len(r.offs) - 1; n > limit {
			return nil, false, nil
		}
		runs = append(runs, r)
	}
	return runs, true, nil
}
