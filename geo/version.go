package geo

import (
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"math/bits"
	"slices"

	"github.com/cespare/xxhash/v2"

	"crimemap/internal/parallel"
)

// The version of a dataset is a hash of everything a response can show:
// equal inputs give equal versions on every replica, and any change to a
// crime, a point or a vocabulary gives a new one, which is what lets tile
// ETags and CDN caches key on it. It must not depend on how the crimes are
// laid out: a dataset built in one piece and the same data built as a base
// and an appended month have one version. So each crime, each outcome
// history entry and each stop is hashed on its own, as a tuple naming it
// by what a response shows (see crimeKey), and the hashes are summed mod
// 2^64: a sum does not depend on order, and the sums of two sets of crimes
// add up to the sum of their union without hashing them again. The
// catalogue of points, the vocabularies and the months are hashed in
// order, as they are shared and only grow. The version needs no defence
// against forged collisions, so the hashes are fast ones: XXH64 over the
// catalogue and strings, wyhash's mixing (below) over each crime.

// versionSums are the sums the version is made of beside the catalogue,
// vocabularies and months: per kind, the sum of the hashes and how many
// there are.
type versionSums struct {
	crimes, hist, stops    uint64
	nCrimes, nHist, nStops uint64
}

// addEntry adds an outcome history entry of the crime with key k.
func (s *versionSums) addEntry(k crimeKey, m Month, o Outcome) {
	s.hist += hashKey(k, tagHist, uint64(m)<<8|uint64(o), 0)
	s.nHist++
}

// add adds the sums of another set of crimes, histories and stops.
func (s *versionSums) add(o versionSums) {
	s.crimes += o.crimes
	s.hist += o.hist
	s.stops += o.stops
	s.nCrimes += o.nCrimes
	s.nHist += o.nHist
	s.nStops += o.nStops
}

// Tags set the hashes of the kinds apart, in the top byte of a key's
// second word.
const (
	tagCrime = iota + 1
	tagOtherID
	tagContext
	tagHist
	tagStop
)

// crimeKey names a crime independently of its position: its snap point
// (NoPoint without one) and its rank among the crimes of its force-month
// at that point in k0, its month and force in k1. A crime's public id is
// the same thing counted differently: its ordinal is the number of its
// force-month's crimes at earlier points plus this rank. The crimes of a
// force-month at one point are consecutive in any layout, so the rank is
// counted by walking them.
type crimeKey struct{ k0, k1 uint64 }

// keySpan is a run of crimes walkKeys can number on its own: the crimes of
// points [p0, p1), or those without a location.
type keySpan struct {
	p0, p1 int
	unloc  bool
}

// keySpans splits the crimes into spans of about equal size, more than the
// cores so that an uneven span does not leave a core idle.
func (d *Dataset) keySpans() []keySpan {
	np := d.NumPoints()
	n := 4 * parallel.Cores(d.Located()/(1<<16))
	spans := make([]keySpan, 0, n+1)
	p0 := 0
	for k := 1; k <= n; k++ {
		target := uint32(uint64(d.Located()) * uint64(k) / uint64(n))
		p1, _ := slices.BinarySearch(d.ptStart[:np+1], target)
		p1 = max(min(p1, np), p0)
		if k == n {
			p1 = np
		}
		if p1 > p0 {
			spans = append(spans, keySpan{p0: p0, p1: p1})
		}
		p0 = p1
	}
	return append(spans, keySpan{unloc: true})
}

// walkKeys calls fn for each crime of span s, in position order, with its
// key.
func (d *Dataset) walkKeys(s keySpan, fn func(c int, k crimeKey)) {
	run := func(c0, c1 int, pt uint32) {
		var rank uint64
		for c := c0; c < c1; c++ {
			if c > c0 && (d.month[c] != d.month[c-1] || d.force[c] != d.force[c-1]) {
				rank = 0
			}
			fn(c, crimeKey{uint64(pt)<<32 | rank, uint64(d.months[d.month[c]])<<16 | uint64(d.force[c])})
			rank++
		}
	}
	if s.unloc {
		run(d.Located(), d.Len(), uint32(NoPoint))
		return
	}
	for p := s.p0; p < s.p1; p++ {
		run(int(d.ptStart[p]), int(d.ptStart[p+1]), uint32(p))
	}
}

// The per-item hashes are wyhash's mixing of 64-bit words: a 128-bit
// product folded to 64 bits, two words at a time. A crime is a handful of
// words, and XXH64 over its bytes took most of the time its hash took.
const (
	wy0 = 0xa0761d6478bd642f
	wy1 = 0xe7037ed1a0b428db
	wy2 = 0x8ebc6af09c88c6e3
	wy3 = 0x589965cc75374cc3
)

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hash4 hashes four words.
func hash4(a, b, c, d uint64) uint64 {
	return mum(mum(a^wy0, b^wy1)^wy2, mum(c^wy2, d^wy3)^wy1)
}

// hashKey hashes a key with a tag and two more words.
func hashKey(k crimeKey, tag, x, y uint64) uint64 {
	return hash4(k.k0, k.k1|tag<<56, x, y)
}

// crimeHash is a crime's hash in the version's crime sum: its key, its
// Crime ID when it has one (hasID 1; id is read either way, and masked out
// without one), its type and its outcome.
func crimeHash(key crimeKey, id *crimeID, hasID uint64, cat Category, out Outcome) uint64 {
	le := binary.LittleEndian
	mask := -hasID
	a := mum(le.Uint64(id[:])^wy0, le.Uint64(id[8:])^wy1) & mask
	b := mum(le.Uint64(id[16:])^wy2, le.Uint64(id[24:])^wy3) & mask
	attrs := uint64(cat)<<32 | uint64(out)<<40 | hasID<<48
	return mum(key.k0^a^wy2, key.k1|tagCrime<<56|attrs^b^wy3)
}

// keyedString hashes a key and a string.
func keyedString(k crimeKey, tag uint64, s string) uint64 {
	return hashKey(k, tag, xxhash.Sum64String(s), uint64(len(s)))
}

// crimeSums hashes every crime: key, category, outcome and Crime ID; a
// Crime ID kept as text and a context each count as a hash of their own.
// The columns, Crime IDs and the other and ctx maps must be final. The
// crimes are walked here rather than through walkKeys: a call per crime
// would cost a third of the hashing.
func (d *Dataset) crimeSums() versionSums {
	other, ctx := slices.Sorted(maps.Keys(d.other)), slices.Sorted(maps.Keys(d.ctx))
	spans := d.keySpans()
	sums := make([]versionSums, len(spans))
	parallel.Each(len(spans), func(k int) {
		sp := spans[k]
		s := &sums[k]
		c0, c1 := d.Located(), d.Len()
		if !sp.unloc {
			c0, c1 = int(d.ptStart[sp.p0]), int(d.ptStart[sp.p1])
		}
		if c0 == c1 {
			return
		}
		idk := d.idsBefore(c0)
		ids := d.ids
		if len(ids) == 0 {
			ids = make([]crimeID, 1) // read and masked out
		}
		oi, _ := slices.BinarySearch(other, uint32(c0))
		ci, _ := slices.BinarySearch(ctx, uint32(c0))
		p, end := sp.p0, c1 // the point of c and where its crimes end
		pt := uint64(p)
		if sp.unloc {
			pt = uint64(NoPoint)
		} else {
			end = int(d.ptStart[p+1])
		}
		var rank uint64
		for c := c0; c < c1; c++ {
			switch {
			case c == end:
				for end == c {
					p++
					end = int(d.ptStart[p+1])
				}
				pt, rank = uint64(p), 0
			case c > c0 && (d.month[c] != d.month[c-1] || d.force[c] != d.force[c-1]):
				rank = 0
			}
			key := crimeKey{pt<<32 | rank, uint64(d.months[d.month[c]])<<16 | uint64(d.force[c])}
			rank++
			// Branch-free: whether a crime has a Crime ID is as good as
			// random, and a mispredicted branch cost more than hashing a
			// Crime ID for nothing.
			bit := d.hasID[c/64] >> (c % 64) & 1
			id := &ids[min(idk, len(ids)-1)]
			idk += int(bit)
			s.crimes += crimeHash(key, id, bit, d.cat[c], d.outcome[c])
			if oi < len(other) && other[oi] == uint32(c) {
				s.crimes += keyedString(key, tagOtherID, d.other[uint32(c)])
				oi++
			}
			if ci < len(ctx) && ctx[ci] == uint32(c) {
				s.crimes += keyedString(key, tagContext, d.strs[d.ctx[uint32(c)]])
				ci++
			}
		}
		s.nCrimes += uint64(c1 - c0)
	})
	var total versionSums
	for _, s := range sums {
		total.add(s)
	}
	return total
}

// idsBefore returns how many of the part's crimes before c have a Crime
// ID; c may be the part's length.
func (pt *tablePart) idsBefore(c int) int {
	w := c / 64
	if w >= len(pt.hasID) {
		return len(pt.ids)
	}
	r := int(pt.idRank[w/rankWords])
	for x := w / rankWords * rankWords; x < w; x++ {
		r += bits.OnesCount64(pt.hasID[x])
	}
	return r + bits.OnesCount64(pt.hasID[w]&(1<<(c%64)-1))
}

// histSums hashes every outcome history entry with its crime's key.
func (d *Dataset) histSums() versionSums {
	if !d.hasHist() {
		return versionSums{}
	}
	spans := d.keySpans()
	sums := make([]versionSums, len(spans))
	parallel.Each(len(spans), func(k int) {
		s := &sums[k]
		hi, hw := 0, -1 // hw is the word of crimes hi is in
		d.walkKeys(spans[k], func(c int, key crimeKey) {
			if ev, ok := d.oneEvent(uint32(c), d.months); ok {
				s.addEntry(key, ev.Month, ev.Outcome)
				return
			}
			w := c / 64
			if w+1 >= len(d.histStart) {
				return
			}
			if w != hw {
				hi, hw = int(d.histStart[w]), w
			}
			for end := int(d.histStart[w+1]); hi < end && d.hist[hi].off() < uint32(c%64); hi++ {
			}
			for end := int(d.histStart[w+1]); hi < end && d.hist[hi].off() == uint32(c%64); hi++ {
				e := d.hist[hi]
				s.addEntry(key, e.month(), e.outcome())
			}
		})
	})
	var total versionSums
	for _, s := range sums {
		total.add(s)
	}
	return total
}

// stopSums hashes every stop and search: its force, month, rank among its
// force-month's and every field. A force-month's stops are consecutive.
func (d *Dataset) stopSums() versionSums {
	var s versionSums
	w := newHashWriter()
	var rank uint64
	rows := d.stops.rows
	for i := range rows {
		r := &rows[i]
		if i > 0 && (r.force != rows[i-1].force || r.month != rows[i-1].month) {
			rank = 0
		}
		w.h.Reset()
		w.u64(tagStop<<56 | uint64(r.month)<<16 | uint64(r.force))
		w.u64(rank)
		// The fields in the order of StopRow.strings.
		for _, s := range d.stops.fields(r) {
			w.str(s)
		}
		loc := uint64(0)
		if r.located {
			loc = 1
		}
		w.u64(loc)
		w.u64(math.Float64bits(r.lon))
		w.u64(math.Float64bits(r.lat))
		s.stops += w.sum()
		s.nStops++
		rank++
	}
	return s
}

// computeSums hashes the crimes, histories and stops.
func (d *Dataset) computeSums() versionSums {
	s := d.crimeSums()
	s.add(d.histSums())
	s.add(d.stopSums())
	return s
}

// layoutFreeSums returns the dataset's sums: those Build kept, or, for a
// dataset opened from a snapshot, computed again.
func (d *Dataset) layoutFreeSums() versionSums {
	if d.sums != nil {
		return *d.sums
	}
	return d.computeSums()
}

// hashWriter gathers small writes into large ones: a Write call per field
// or per Crime ID costs more than the hashing.
type hashWriter struct {
	h   *xxhash.Digest
	buf []byte
}

func newHashWriter() *hashWriter {
	return &hashWriter{h: xxhash.New(), buf: make([]byte, 0, 64<<10)}
}

func (w *hashWriter) room(n int) {
	if len(w.buf)+n > cap(w.buf) {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *hashWriter) u64(v uint64) {
	w.room(8)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, v)
}

// str writes s with its length, so that no two lists of strings write the
// same bytes.
func (w *hashWriter) str(s string) {
	w.u64(uint64(len(s)))
	if len(s) > cap(w.buf)/2 {
		w.room(cap(w.buf))
		w.h.Write([]byte(s))
		return
	}
	w.room(len(s))
	w.buf = append(w.buf, s...)
}

func (w *hashWriter) sum() uint64 {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
	return w.h.Sum64()
}

// versionFrom returns the version from the sums and what is hashed in
// order: the catalogue of points, the vocabularies and the months.
func (d *Dataset) versionFrom(s versionSums) string {
	if !d.catalogued {
		d.catalogue, d.catalogued = d.catalogueSum(), true
	}
	return d.versionWith(s, d.catalogue)
}

// catalogueSum hashes the points in order: coordinates, street and LSOA.
func (d *Dataset) catalogueSum() uint64 {
	w := newHashWriter()
	w.u64(uint64(len(d.ptLon)))
	for p := range d.ptLon {
		w.u64(math.Float64bits(d.ptLon[p]))
		w.u64(math.Float64bits(d.ptLat[p]))
		w.str(d.strs[d.ptStreet[p]])
		w.str(d.strs[d.ptLSOACode[p]])
		w.str(d.strs[d.ptLSOAName[p]])
	}
	return w.sum()
}

// versionWith is versionFrom with the catalogue's hash already taken.
func (d *Dataset) versionWith(s versionSums, catalogue uint64) string {
	w := newHashWriter()
	for _, x := range []uint64{s.crimes, s.hist, s.stops, s.nCrimes, s.nHist, s.nStops, catalogue} {
		w.u64(x)
	}
	for _, t := range [][]Term{d.categories.terms, d.outcomes.terms, d.forces.terms} {
		w.u64(uint64(len(t)))
		for _, x := range t {
			w.str(x.Slug)
			w.str(x.Name)
		}
	}
	w.u64(uint64(len(d.months)))
	for _, m := range d.months {
		w.u64(uint64(m))
	}
	return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, w.sum()))
}
