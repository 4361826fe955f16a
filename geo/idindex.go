package geo

import (
	"encoding/binary"
	"math/bits"
)

// idIndex finds crimes by Crime ID: an open-addressed hash table of the
// positions of the crimes with a 64-hex ID. Crime IDs are SHA-256 digests,
// so their first eight bytes are already a uniform hash. A table a quarter
// larger than the IDs costs five bytes per ID, one more than a sorted
// list, and is built in one scattered pass on every core rather than a
// sort.
type idIndex struct {
	slots []uint32 // position + 1, or 0 when empty
}

func idHome(id *crimeID, n int) int {
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(id[:8]), uint64(n))
	return int(hi)
}

// buildIDIndex indexes every crime with an ID. It needs hasID, idRank and
// ids filled. Each goroutine owns a range of slots and reads every ID,
// inserting those whose home slot is in its range with plain stores:
// compare-and-swap would be simpler, but an atomic instruction waits for
// its cache miss before the next can start, and the inserts are nothing but
// cache misses. An insert that would probe past the end of its range is
// left to a last pass.
func (d *Dataset) buildIDIndex() {
	nIDs := len(d.ids)
	n := nIDs + nIDs/4 + 1
	slots := make([]uint32, n)
	workers := min(cores(n), 8)
	type spill struct {
		home int
		v    uint32
	}
	spills := make([][]spill, workers)
	inParallel(workers, func(k int) {
		lo, hi := n*k/workers, n*(k+1)/workers
		r := 0
		for w, word := range d.hasID {
			for b := word; b != 0; b &= b - 1 {
				i := idHome(&d.ids[r], n)
				r++
				if i < lo || i >= hi {
					continue
				}
				v := uint32(w*64+bits.TrailingZeros64(b)) + 1
				for i < hi && slots[i] != 0 {
					i++
				}
				if i == hi {
					spills[k] = append(spills[k], spill{i, v})
					continue
				}
				slots[i] = v
			}
		}
	})
	for _, sp := range spills {
		for _, s := range sp {
			i := s.home
			for {
				if i == n {
					i = 0
				}
				if slots[i] == 0 {
					break
				}
				i++
			}
			slots[i] = s.v
		}
	}
	d.byID = idIndex{slots: slots}
}

// lookup appends the positions of the crimes with this ID.
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
