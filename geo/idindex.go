package geo

import (
	"encoding/binary"
	"math/bits"

	"crimemap/internal/parallel"
)

// idIndex finds crimes by Crime ID: an open-addressed hash table of the
// positions of the crimes with a 64-hex ID. Crime IDs are SHA-256 digests,
// so their first eight bytes are already a uniform hash. A table a quarter
// larger than the IDs costs five bytes per ID, one more than a sorted
// list, and is built without a sort.
type idIndex struct {
	slots []uint32 // position + 1, or 0 when empty
}

// idSlots is the size of the table for n IDs.
func idSlots(n int) int { return n + n/4 + 1 }

func idHome(id *crimeID, n int) int {
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(id[:8]), uint64(n))
	return int(hi)
}

// idPair is a crime with a 64-hex ID as the index takes it in.
type idPair struct{ home, pos uint32 }

// idBuckets sorts the crimes with an ID by their home slot as they are
// placed, into buckets of a few thousand consecutive slots. Inserted at
// random, the IDs of a national year miss the cache once each; bucket by
// bucket, the slots being filled stay in cache.
type idBuckets struct {
	n     int  // slots
	shift uint // 64 - log2(len(b))
	b     [][]idPair
}

// newIDBuckets returns buckets for a table of n slots, to take about
// expect pairs.
func newIDBuckets(n, expect int) *idBuckets {
	// About 8,192 slots, 32 KiB, per bucket.
	lg := min(bits.Len(uint(n/8192)), 16)
	ib := &idBuckets{n: n, shift: uint(64 - lg), b: make([][]idPair, 1<<lg)}
	per := expect>>lg + expect>>(lg+3) + 16
	for k := range ib.b {
		ib.b[k] = make([]idPair, 0, per)
	}
	return ib
}

// add records that the crime at pos has the ID id. A home slot h*n/2^64
// lies in the slot range of bucket h>>shift, [k*n>>lg, (k+1)*n>>lg].
func (ib *idBuckets) add(id *crimeID, pos uint32) {
	k := binary.BigEndian.Uint64(id[:8]) >> ib.shift
	ib.b[k] = append(ib.b[k], idPair{uint32(idHome(id, ib.n)), pos})
}

// buildIDIndex indexes every crime with an ID from the buckets that
// placement filled, which all have the same number of buckets. Each
// goroutine fills the slots of a range of buckets with plain stores; an
// insert that would probe past the end of its range is left to a last
// pass.
func (d *Dataset) buildIDIndex(bks []*idBuckets) {
	n := idSlots(len(d.ids))
	slots := make([]uint32, n)
	if len(bks) == 0 {
		d.byID = idIndex{slots: slots}
		return
	}
	nb := len(bks[0].b)
	lg := uint(64 - bks[0].shift)
	slotOf := func(k int) int { return int(uint64(k) * uint64(n) >> lg) }
	workers := min(parallel.Cores(nb), 8)
	spills := make([][]idPair, workers)
	parallel.Run(workers, func(w int) {
		k0, k1 := nb*w/workers, nb*(w+1)/workers
		hi := slotOf(k1)
		// Written before they are probed, the pages fault once each; see
		// pointTable.grow.
		clear(slots[slotOf(k0):hi])
		for k := k0; k < k1; k++ {
			for _, ib := range bks {
				for _, p := range ib.b[k] {
					i := int(p.home)
					for i < hi && slots[i] != 0 {
						i++
					}
					if i >= hi {
						spills[w] = append(spills[w], p)
						continue
					}
					slots[i] = p.pos + 1
				}
			}
		}
	})
	for _, sp := range spills {
		for _, p := range sp {
			i := int(p.home)
			for {
				if i == n {
					i = 0
				}
				if slots[i] == 0 {
					break
				}
				i++
			}
			slots[i] = p.pos + 1
		}
	}
	d.byID = idIndex{slots: slots}
}

// lookupID appends the positions of the crimes with this ID.
func (d *Dataset) lookupID(id crimeID, out []CrimeID) []CrimeID {
	slots := d.byID.slots
	if len(slots) == 0 {
		return out
	}
	for i := idHome(&id, len(slots)); slots[i] != 0; {
		c := CrimeID(slots[i] - 1)
		if k, _ := d.idIndex(c); d.ids[k] == id {
			out = append(out, c)
		}
		if i++; i == len(slots) {
			i = 0
		}
	}
	return out
}
