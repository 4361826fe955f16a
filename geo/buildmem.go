package geo

import (
	"math/bits"
	"runtime/debug"

	"crimemap/internal/parallel"
)

// collect runs the collector, and gives the pages it frees back to the
// system, where a build of rows handed over for good (release) has just
// let go of a large part of them. The heap of a build is mostly arrays
// without pointers, so a collection costs little. Without it the collector
// would wait for the heap to double what was live at the last one; and
// the freed rows, in runs a batch long, seldom fit the next step's large
// arrays, which would be new memory beside them. A build on a base is of
// a month or so, and a collection would scan the base too: it does not
// collect; nor does a build of a few files (a revised force-month), whose
// rows are a few megabytes beside a server's heap.
func (bs *building) collect() {
	if bs.release && bs.base == nil && bs.rows >= collectRows {
		debug.FreeOSMemory()
	}
}

// collectRows is the fewest street rows of a build worth a collection
// (collect): a national month has about half a million.
const collectRows = 1 << 21

// gatherIDs copies the kept batches' Crime IDs into d.ids, batch after
// batch in batch order, and returns where each batch's IDs begin. Placement
// then records each ID's rank (see permuteIDs), and the IDs are moved to
// their ranks in place: one array of IDs, not two, ever holds them, where
// a copy straight to the ranks would hold every batch's IDs until the last
// is placed beside a full table of them. With release, each batch lets go
// of its IDs once copied, and the pages they held go back to the system
// every quarter of the way: freed heap is otherwise kept for reuse, and
// the table being filled is fresh memory, so the two would be resident at
// once. Each return is a collection, seconds at 90M crimes, hence not more.
func (bs *building) gatherIDs(nIDs int) (start []int) {
	d := bs.d
	d.ids = make([]crimeID, nIDs)
	start = make([]int, len(bs.batches)+1)
	k, freed := 0, 0
	for bi, sb := range bs.batches {
		start[bi] = k
		k += copy(d.ids[k:], sb.ids)
		if !bs.release {
			continue
		}
		freed += len(sb.ids)
		sb.ids = nil
		if freed > nIDs/4 && freed > 1<<16 && bs.base == nil {
			debug.FreeOSMemory()
			freed = 0
		}
	}
	start[len(bs.batches)] = k
	return start
}

// permuteIDs moves every ID to its rank, ids[i] to ids[rank[i]], in place;
// rank is left as the identity. Following the permutation's cycles would
// miss the cache once an ID, each miss waiting for the one before, for
// the cycles of a random permutation are few and long. Instead the IDs
// are sorted by rank, in place, from the rank's high bits down: a pass
// deals them to at most 256 runs (each holds the ranks of a range, so its
// bounds are known without counting), which it fills from their fronts,
// so its stores stream, and the runs are then sorted apart, on every
// core, until they are small enough to follow their cycles in cache.
func permuteIDs(ids []crimeID, rank []uint32) {
	permuteRange(ids, rank, 0, true)
}

// permuteSmall is the size of a run whose cycles are followed: its IDs
// and ranks, 144 KiB, stay in cache.
const permuteSmall = 1 << 12

// permuteRange is permuteIDs for ids whose ranks are lo..lo+len(ids)-1.
func permuteRange(ids []crimeID, rank []uint32, lo uint32, par bool) {
	n := len(ids)
	if n <= permuteSmall {
		for i := range ids {
			for j := rank[i] - lo; j != uint32(i); j = rank[i] - lo {
				ids[i], ids[j] = ids[j], ids[i]
				rank[i], rank[j] = rank[j], j+lo
			}
		}
		return
	}
	shift := uint(max(bits.Len(uint(n-1))-8, 0))
	nb := (n-1)>>shift + 1
	var head [256]int
	for b := range nb {
		head[b] = b << shift
	}
	for b := range nb {
		end := min((b+1)<<shift, n)
		for i := head[b]; i < end; i = head[b] {
			t := int(rank[i]-lo) >> shift
			if t == b {
				head[b]++
				continue
			}
			j := head[t]
			head[t]++
			ids[i], ids[j] = ids[j], ids[i]
			rank[i], rank[j] = rank[j], rank[i]
		}
	}
	run := func(b int) {
		b0, b1 := b<<shift, min((b+1)<<shift, n)
		permuteRange(ids[b0:b1], rank[b0:b1], lo+uint32(b0), false)
	}
	if par {
		parallel.Each(nb, run)
		return
	}
	for b := range nb {
		run(b)
	}
}

// idBuckets sorts the crimes with an ID into buckets for buildIDIndex,
// from the final columns, a range of crimes on each core. They are filled
// once the batches' rows are gone rather than while those are placed, so
// that the rows and the buckets are never held together.
func (d *Dataset) idBuckets() []*idBuckets {
	nw := len(d.hasID)
	workers := parallel.Cores(nw)
	bks := make([]*idBuckets, workers)
	parallel.Run(workers, func(k int) {
		w0, w1 := nw*k/workers, nw*(k+1)/workers
		r := 0
		for _, x := range d.hasID[:w0] {
			r += bits.OnesCount64(x)
		}
		n := 0
		for _, x := range d.hasID[w0:w1] {
			n += bits.OnesCount64(x)
		}
		ib := newIDBuckets(len(d.ids), n)
		for w := w0; w < w1; w++ {
			for x := d.hasID[w]; x != 0; x &= x - 1 {
				ib.add(&d.ids[r], uint32(w*64+bits.TrailingZeros64(x)))
				r++
			}
		}
		bks[k] = ib
	})
	return bks
}
