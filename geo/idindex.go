package geo

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync/atomic"

	"crimemap/internal/parallel"
)

// idIndex finds crimes by Crime ID: the positions of the crimes with a
// 64-hex ID, ordered by the ID's first four bytes (then by position), each
// packed in as few bits as the largest position needs, with a directory of
// where each run of IDs sharing their top bits starts. Crime IDs are
// SHA-256 digests, so those bytes are uniform: a lookup guesses an entry's
// place within its run by interpolation, and a lookup reads five or six
// entries (and their IDs). At 90M crimes a position takes 27 bits and the
// directory a quarter of a bit, against 40 bits per ID for an
// open-addressed hash table a quarter larger than the IDs, which on the
// national year answers more slowly too (BenchmarkCrimesByPersistentID).
type idIndex struct {
	packed []uint64 // entry i is bits [i*width, (i+1)*width)
	dir    []uint32 // dir[b] is the first entry whose key's top bits are >= b; 1<<dirBits+1 of them
	width  uint     // bits per position
	shift  uint     // 32 - dirBits: a key's run is key>>shift
}

// idKey is the part of an ID the index orders by.
func idKey(id *crimeID) uint32 { return binary.BigEndian.Uint32(id[:4]) }

// idWidth is the bits a position among n crimes takes.
func idWidth(n int) uint { return uint(max(bits.Len(uint(max(n, 1)-1)), 1)) }

// idDirBits is log2 of the directory's runs for n IDs: 128 to 256 IDs a
// run, a quarter of a bit per ID; interpolation within a run takes about
// as few probes as within runs a quarter the size.
func idDirBits(n int) uint { return uint(min(max(bits.Len(uint(n))-8, 0), 32)) }

// idPackedWords is the length of the packed positions of n IDs.
func idPackedWords(n int, width uint) int { return (n*int(width) + 63) / 64 }

// newIDIndex returns an empty index for nIDs IDs among n crimes.
func newIDIndex(n, nIDs int) idIndex {
	w, lg := idWidth(n), idDirBits(nIDs)
	return idIndex{packed: make([]uint64, idPackedWords(nIDs, w)), dir: make([]uint32, 1<<lg+1), width: w, shift: 32 - lg}
}

// at returns the position of entry i.
func (x *idIndex) at(i int) uint32 {
	bit := uint(i) * x.width
	w, off := bit/64, bit%64
	v := x.packed[w] >> off
	if off+x.width > 64 {
		v |= x.packed[w+1] << (64 - off)
	}
	return uint32(v & (1<<x.width - 1))
}

// set stores position pos as entry i. The words edge0 and edge1 are
// shared with another goroutine's entries and are written atomically; the
// rest are the caller's alone.
func (x *idIndex) set(i int, pos uint32, edge0, edge1 uint) {
	bit := uint(i) * x.width
	w, off := bit/64, bit%64
	or := func(w uint, v uint64) {
		if w == edge0 || w == edge1 {
			atomic.OrUint64(&x.packed[w], v)
		} else {
			x.packed[w] |= v
		}
	}
	or(w, uint64(pos)<<off)
	if off+x.width > 64 {
		or(w+1, uint64(pos)>>(64-off))
	}
}

// idPair is a crime with a 64-hex ID as the index takes it in, as
// key<<32 | position: pairs sort as the index orders them.
type idPair uint64

// idBuckets sorts the crimes with an ID by their key's top bits as they
// are placed, into buckets of a few thousand, so the index is built by
// sorting each bucket on its own.
type idBuckets struct {
	shift uint // 64 - log2(len(b))
	b     [][]idPair
}

// newIDBuckets returns buckets for n IDs in all, to take about expect
// pairs.
func newIDBuckets(n, expect int) *idBuckets {
	// About 8,192 IDs per bucket.
	lg := min(bits.Len(uint(n/8192)), 16)
	ib := &idBuckets{shift: uint(64 - lg), b: make([][]idPair, 1<<lg)}
	per := expect>>lg + expect>>(lg+3) + 16
	for k := range ib.b {
		ib.b[k] = make([]idPair, 0, per)
	}
	return ib
}

// add records that the crime at pos has the ID id.
func (ib *idBuckets) add(id *crimeID, pos uint32) {
	k := binary.BigEndian.Uint64(id[:8]) >> ib.shift
	ib.b[k] = append(ib.b[k], idPair(uint64(idKey(id))<<32|uint64(pos)))
}

// buildIDIndex indexes every crime with an ID from the buckets that
// placement filled, which all have the same number of buckets. Each
// goroutine sorts and stores a range of buckets.
func (pt *tablePart) buildIDIndex(bks []*idBuckets) {
	x := newIDIndex(len(pt.month), len(pt.ids))
	if len(bks) == 0 {
		pt.byID = x
		return
	}
	nb := len(bks[0].b)
	start := make([]int, nb+1)
	for k := range nb {
		start[k+1] = start[k]
		for _, ib := range bks {
			start[k+1] += len(ib.b[k])
		}
	}
	workers := min(parallel.Cores(nb), 8)
	counts := make([][]uint32, workers) // per goroutine, of each run
	parallel.Run(workers, func(w int) {
		k0, k1 := nb*w/workers, nb*(w+1)/workers
		// The first and last words of the goroutine's entries may hold
		// its neighbours' entries too.
		edge0, edge1 := uint(start[k0])*x.width/64, (uint(start[k1])*x.width+63)/64-1
		counts[w] = make([]uint32, len(x.dir))
		var run, tmp []idPair
		for k := k0; k < k1; k++ {
			run = run[:0]
			for _, ib := range bks {
				run = append(run, ib.b[k]...)
			}
			// A bucket's keys share their top bits: only the rest are
			// sorted.
			run, tmp = sortPairs(run, tmp, 64-bks[0].shift)
			for i, p := range run {
				x.set(start[k]+i, uint32(p), edge0, edge1)
				counts[w][uint64(p)>>(32+x.shift)]++
			}
		}
	})
	for b := range len(x.dir) - 1 {
		x.dir[b+1] = x.dir[b]
		for _, cw := range counts {
			x.dir[b+1] += cw[b]
		}
	}
	pt.byID = x
}

// sortPairs sorts pairs whose keys share their top `same` bits, by key
// then position, and returns them with a buffer for the next call. It
// sorts by the keys' other bits in radix passes of at most 11 bits, then
// orders the few pairs of equal keys by position: at 16M IDs, several
// times quicker than a comparison sort (BenchmarkBuildIDIndex).
func sortPairs(run, tmp []idPair, same uint) ([]idPair, []idPair) {
	tmp = slices.Grow(tmp[:0], len(run))[:len(run)]
	rest := 32 - same
	passes := (rest + 10) / 11
	var count [1 << 11]int
	for p := range passes {
		lo := 32 + rest*p/passes
		w := 32 + rest*(p+1)/passes - lo
		mask := uint64(1)<<w - 1
		clear(count[:1<<w])
		for _, x := range run {
			count[uint64(x)>>lo&mask]++
		}
		sum := 0
		for i, c := range count[:1<<w] {
			count[i], sum = sum, sum+c
		}
		for _, x := range run {
			b := uint64(x) >> lo & mask
			tmp[count[b]] = x
			count[b]++
		}
		run, tmp = tmp, run
	}
	for i := 1; i < len(run); i++ {
		for j := i; j > 0 && run[j]>>32 == run[j-1]>>32 && run[j] < run[j-1]; j-- {
			run[j], run[j-1] = run[j-1], run[j]
		}
	}
	return run, tmp
}

// idSearch is the state of one lookup in an idIndex: the entries
// [lo, hi) left to search, whose keys lie in [kl, kh).
type idSearch struct {
	t, kl, kh uint64
	lo, hi    int
	step      int
}

// start begins the search for key t.
func (x *idIndex) start(t uint64) idSearch {
	b := t >> x.shift
	return idSearch{t: t, kl: b << x.shift, kh: (b + 1) << x.shift, lo: int(x.dir[b]), hi: int(x.dir[b+1])}
}

// guess is the entry to read next. Interpolation brings the range down
// to an entry in two or three steps when the keys are uniform; should
// they crowd, a binary search finishes after eight.
func (s *idSearch) guess() int {
	if s.step < 8 {
		return s.lo + int((s.t-s.kl)*uint64(s.hi-s.lo)/(s.kh-s.kl))
	}
	return s.lo + (s.hi-s.lo)/2
}

// narrow takes in that entry g has key kg.
func (s *idSearch) narrow(g int, kg uint32) {
	if uint64(kg) < s.t {
		s.lo, s.kl = g+1, uint64(kg)+1
	} else {
		s.hi, s.kh = g, uint64(kg)+1
	}
	s.step++
}

// lookupID appends the positions of the crimes with this ID: a batch of
// one lookup (lookupIDs).
func (pt *tablePart) lookupID(id crimeID, out []CrimeID) []CrimeID {
	idOf := func(int) *crimeID { return &id }
	pt.lookupIDs([]uint64{uint64(idKey(&id)) << 32}, idOf, func(_ int, pos uint32) { out = append(out, CrimeID(pt.lo+pos)) })
	return out
}

// idBatch is how many lookups lookupIDs runs side by side.
const idBatch = 64

// idOrder returns the queries q in [0, n) with an ID (idOf(q) not nil),
// as key<<32 | q, sorted: the order lookupIDs takes them in.
func idOrder(n int, idOf func(q int) *crimeID) []uint64 {
	order := make([]uint64, 0, n)
	for q := range n {
		if id := idOf(q); id != nil {
			order = append(order, uint64(idKey(id))<<32|uint64(q))
		}
	}
	slices.Sort(order)
	return order
}

// idProbes are the lookups of a batch: their searches, and for each the
// entry to read next, whether it reads one, and where its ID is.
type idProbes struct {
	s    [idBatch]idSearch
	e    [idBatch]int
	live [idBatch]bool
	pos  [idBatch]uint32
	rank [idBatch]int
}

// read finds the position and the ID's rank of the entry each live probe
// reads, stage by stage over the batch, so that the processor has the
// reads of many probes in flight at once.
func (pt *tablePart) read(p *idProbes, m int) {
	for j := range m {
		if p.live[j] {
			p.pos[j] = pt.byID.at(p.e[j])
		}
	}
	for j := range m {
		if p.live[j] {
			p.rank[j], _ = pt.idIndex(p.pos[j])
		}
	}
}

// appendMatches appends to out the crimes that the queries of order
// (idOrder) name, as (q0+q)<<32 | position, sorted among themselves.
func (pt *tablePart) appendMatches(out, order []uint64, idOf func(q int) *crimeID, q0 int) []uint64 {
	from := len(out)
	pt.lookupIDs(order, idOf, func(q int, pos uint32) { out = append(out, uint64(q0+q)<<32|uint64(pos)) })
	slices.Sort(out[from:])
	return out
}

// lookupIDs calls found(q, pos) for the position of each crime with the
// ID idOf(q), for the queries of order (idOrder). A query's crimes come in
// position order, the queries in no given order. Each step of a lookup is
// three reads in turn, each likely a cache miss in a large part (the
// entry, the rank of its position, the ID): one at a time, a lookup at 90M
// took about 3 µs. Here the lookups of a batch take each step together,
// and, taken in key order, a batch's entries lie near one another.
func (pt *tablePart) lookupIDs(order []uint64, idOf func(q int) *crimeID, found func(q int, pos uint32)) {
	x := &pt.byID
	if len(x.dir) == 0 {
		return
	}
	end := int(x.dir[len(x.dir)-1])
	var p idProbes
	for b := 0; b < len(order); b += idBatch {
		m := min(idBatch, len(order)-b)
		for j := range m {
			p.s[j] = x.start(order[b+j] >> 32)
		}
		for more := true; more; {
			more = false
			for j := range m {
				if p.live[j] = p.s[j].lo < p.s[j].hi; p.live[j] {
					p.e[j] = p.s[j].guess()
				}
			}
			pt.read(&p, m)
			for j := range m {
				if p.live[j] {
					p.s[j].narrow(p.e[j], idKey(&pt.ids[p.rank[j]]))
					more = more || p.s[j].lo < p.s[j].hi
				}
			}
		}
		// The entries of the key from lo on, read as the search was.
		for j := range m {
			p.e[j] = p.s[j].lo
			p.live[j] = p.e[j] < end
		}
		for more := true; more; {
			pt.read(&p, m)
			more = false
			for j := range m {
				if !p.live[j] {
					continue
				}
				id := &pt.ids[p.rank[j]]
				if uint64(idKey(id)) != p.s[j].t {
					p.live[j] = false
					continue
				}
				q := int(uint32(order[b+j]))
				if *id == *idOf(q) {
					found(q, p.pos[j])
				}
				p.e[j]++
				p.live[j] = p.e[j] < end
				more = more || p.live[j]
			}
		}
	}
}
