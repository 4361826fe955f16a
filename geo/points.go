package geo

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// pointTable finds the snap point of a street row. Every row of a load goes
// through it, and a national year's points do not fit in cache, so it is
// laid out for two memory accesses per row: an open-addressed slot, and an
// entry holding everything a row is compared with (coordinates, street,
// LSOA code and name) end to end. A Go map with the points beside it took
// four or five.
type pointTable struct {
	// slots are 0 when empty, else the top 32 bits of the coordinate hash
	// above the entry offset + 1. A slot's home is the top bits of its
	// hash, which the slot itself holds, so growing the table reads no
	// entry.
	slots []uint64
	shift uint // 64 - log2(len(slots))
	n     int  // slots in use
	// entries are kept in chunks that are never moved: a single slice
	// grown by doubling copied tens of megabytes into fresh pages.
	entries [][]byte
	sink    uint64 // what prefetch read, so that its loads are kept
}

const (
	offBits    = 32
	offMask    = 1<<offBits - 1
	entryHead  = 4 + 8 + 8 + 3*2 // point, lon, lat, three lengths
	chunkBits  = 20
	chunkBytes = 1 << chunkBits // more than the longest entry
)

// entry returns the entry of a slot.
func (t *pointTable) entry(s uint64) []byte {
	off := s&offMask - 1
	return t.entries[off>>chunkBits][off&(chunkBytes-1):]
}

func coordHash(lon, lat uint64) uint64 {
	h := lon*0x9E3779B97F4A7C15 ^ bits.RotateLeft64(lat, 31)
	h = (h ^ h>>32) * 0xD6E8FEB86659FD93
	return h ^ h>>32
}

// pointKey is what a row is looked up by: its coordinates, and its street,
// LSOA code and LSOA name end to end in text, as an entry holds them.
type pointKey struct {
	lon, lat float64
	text     []byte
	sl, cl   int // lengths of the street and the LSOA code
}

func (k *pointKey) street() []byte   { return k.text[:k.sl] }
func (k *pointKey) lsoaCode() []byte { return k.text[k.sl : k.sl+k.cl] }
func (k *pointKey) lsoaName() []byte { return k.text[k.sl+k.cl:] }

// find returns the point of a row, or ok false and the slot to insert at.
// sameLSOA reports whether the row's LSOA is the one the point was added
// with.
func (t *pointTable) find(r *pointKey, h uint64) (p uint32, sameLSOA, ok bool, slot int) {
	if len(t.slots) == 0 {
		t.slots, t.shift = make([]uint64, 1<<16), 64-16
	}
	lb, ab := math.Float64bits(r.lon), math.Float64bits(r.lat)
	nl := len(r.text) - r.sl - r.cl
	tag := h >> offBits
	mask := uint64(len(t.slots) - 1)
	le := binary.LittleEndian
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false, false, int(i)
		}
		if s>>offBits != tag {
			continue
		}
		head := t.entry(s)
		if le.Uint64(head[4:]) != lb || le.Uint64(head[12:]) != ab {
			continue
		}
		e := head[entryHead:]
		sl := int(le.Uint16(head[20:]))
		// The usual case, the same point in the same LSOA, takes one
		// comparison of the three strings rather than three.
		if sl == r.sl && int(le.Uint16(head[22:])) == r.cl && int(le.Uint16(head[24:])) == nl &&
			string(e[:len(r.text)]) == string(r.text) {
			return le.Uint32(head), true, true, 0
		}
		if sl != r.sl || string(e[:sl]) != string(r.street()) {
			continue
		}
		return le.Uint32(head), false, true, 0
	}
}

// insert records point p of row r at the slot find returned. A row whose
// strings are too long for the entry's lengths is not recorded: each such
// row gets a point of its own, which Build merges by street name.
func (t *pointTable) insert(r *pointKey, p uint32, slot int, h uint64) {
	nl := len(r.text) - r.sl - r.cl
	if r.sl > math.MaxUint16 || r.cl > math.MaxUint16 || nl > math.MaxUint16 {
		return
	}
	size := entryHead + len(r.text)
	last := len(t.entries) - 1
	if last < 0 || len(t.entries[last])+size > chunkBytes {
		if uint64(len(t.entries)+1)<<chunkBits >= offMask {
			return
		}
		t.entries = append(t.entries, make([]byte, 0, chunkBytes))
		last++
	}
	e := t.entries[last]
	off := uint64(last)<<chunkBits | uint64(len(e))
	le := binary.LittleEndian
	e = le.AppendUint32(e, p)
	e = le.AppendUint64(e, math.Float64bits(r.lon))
	e = le.AppendUint64(e, math.Float64bits(r.lat))
	e = le.AppendUint16(e, uint16(r.sl))
	e = le.AppendUint16(e, uint16(r.cl))
	e = le.AppendUint16(e, uint16(nl))
	e = append(e, r.text...)
	t.entries[last] = e
	t.slots[slot] = h>>offBits<<offBits | (off + 1)
	t.n++
	if 2*t.n > len(t.slots) {
		t.grow()
	}
}

// grow doubles the slots.
func (t *pointTable) grow() {
	old := t.slots
	t.slots, t.shift = make([]uint64, 2*len(old)), t.shift-1
	// Fresh pages read before they are written are first mapped to the
	// zero page, then copied on the write, and the copy stops the other
	// cores to flush their TLBs; writing them first faults each page once.
	clear(t.slots)
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := (s >> offBits) >> (t.shift - offBits)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// prefetch reads the home slot of each row and the entry it points to.
func (t *pointTable) prefetch(rows []stagedRow) {
	if len(t.slots) == 0 {
		return
	}
	var sv [stageRows]uint64
	n := min(len(rows), stageRows)
	for k := range n {
		sv[k] = t.slots[rows[k].h>>t.shift]
	}
	var sink uint64
	for k := range n {
		if s := sv[k]; s != 0 {
			// An entry is about 70 bytes, so it spans two cache lines.
			e := t.entry(s)
			sink += uint64(e[0])
			if len(e) > 64 {
				sink += uint64(e[64])
			}
		}
	}
	t.sink += sink
}
