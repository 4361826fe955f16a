package geo

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// Public ids. A snap point's location id and a crime's id are derived from
// the data they name, not from positions in the dataset, so that an id a
// client stored still names the same point or crime after another month is
// loaded, on every replica, whatever the order the files were read in.
// Both fit in 53 bits, so JSON readers that hold numbers as doubles keep
// them exact.

// MaxPublicID is the largest location or crime id: 2^53 - 1.
const MaxPublicID = 1<<53 - 1

// locationHash maps a snap point's published coordinates and street name
// to a candidate location id. It is a variable so that tests can force
// collisions.
var locationHash = func(lon, lat float64, street string) uint64 {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(lon))
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(lat))
	h := xxhash.New()
	_, _ = h.Write(b[:])
	_, _ = h.WriteString(street)
	return h.Sum64() & MaxPublicID
}

// LocationHash returns the location id a point at these coordinates with
// this street name takes unless another point took it first.
func LocationHash(lon, lat float64, street string) int64 {
	return int64(locationHash(lon, lat, street))
}

// buildLocationIDs gives every point its location id, its hash, and builds
// the lookup. Points whose hashes meet are taken in the points' order (by
// curve position, coordinates and street, an order of the points
// themselves, not of the files), each taking the first free value from its
// hash up; values past MaxPublicID wrap to the lowest free ones. A
// collision in 53 bits is rare (one load of a million points in about
// 18,000: n²/2 pairs over 2^53 values), and only then can a point's id
// depend on which other points are loaded.
func (d *Dataset) buildLocationIDs() {
	np := len(d.ptLon)
	type hp struct {
		h uint64
		p uint32
	}
	order := make([]hp, np)
	for p := range np {
		order[p] = hp{locationHash(d.ptLon[p], d.ptLat[p], d.strs[d.ptStreet[p]]), uint32(p)}
	}
	slices.SortFunc(order, func(a, b hp) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.p, b.p)
	})
	d.ptID = make([]uint64, np)
	d.ptByID = make([]uint32, np)
	var overflow []uint32
	next := uint64(0) // the lowest value not yet taken by an earlier point
	for i, x := range order {
		id := max(x.h, next)
		if id > MaxPublicID {
			overflow = append(overflow, x.p)
			continue
		}
		d.ptID[x.p] = id
		d.ptByID[i] = x.p
		next = id + 1
	}
	if len(overflow) == 0 {
		return
	}
	// The points that ran past the top take the lowest values no point
	// holds, in the same order.
	taken := d.ptByID[:np-len(overflow)]
	free, k := uint64(0), 0
	for _, p := range overflow {
		for k < len(taken) && d.ptID[taken[k]] <= free {
			if d.ptID[taken[k]] == free {
				free++
			}
			k++
		}
		d.ptID[p] = free
		free++
	}
	copy(d.ptByID[len(taken):], overflow)
	slices.SortFunc(d.ptByID, func(a, b uint32) int { return cmp.Compare(d.ptID[a], d.ptID[b]) })
}

// extendLocationIDs gives the points past the base's their location ids
// and keeps the base's, which is what buildLocationIDs gives when no new
// point's hash meets a value a point holds or another new point's hash,
// and no run of the base's reached the top: a new point then takes its
// hash and moves no other point. Otherwise it calls buildLocationIDs.
// A month brings a few new points to hundreds of thousands: this is
// their hashes, not every point's.
func (d *Dataset) extendLocationIDs(base *Dataset) {
	nb, np := len(base.ptID), len(d.ptLon)
	type hp struct {
		h uint64
		p uint32
	}
	add := make([]hp, 0, np-nb)
	for p := nb; p < np; p++ {
		add = append(add, hp{locationHash(d.ptLon[p], d.ptLat[p], d.strs[d.ptStreet[p]]), uint32(p)})
	}
	slices.SortFunc(add, func(a, b hp) int { return cmp.Compare(a.h, b.h) })
	idAt := func(i int) uint64 { return base.ptID[base.ptByID[i]] }
	free := nb == 0 || idAt(nb-1) < MaxPublicID
	for i := 0; free && i < len(add); i++ {
		_, taken := slices.BinarySearchFunc(base.ptByID, add[i].h, func(p uint32, h uint64) int { return cmp.Compare(base.ptID[p], h) })
		free = !taken && (i == 0 || add[i-1].h != add[i].h)
	}
	if !free {
		d.buildLocationIDs()
		return
	}
	d.ptID = make([]uint64, np)
	copy(d.ptID, base.ptID)
	d.ptByID = make([]uint32, 0, np)
	i := 0 // base.ptByID[:i] are in
	for _, x := range add {
		j := i
		for j < nb && idAt(j) < x.h {
			j++
		}
		d.ptByID = append(append(d.ptByID, base.ptByID[i:j]...), x.p)
		d.ptID[x.p] = x.h
		i = j
	}
	d.ptByID = append(d.ptByID, base.ptByID[i:]...)
}

// LocationID returns the public id of snap point p: location_id in /v1/,
// street.id in /api/.
func (d *Dataset) LocationID(p PointID) int64 { return int64(d.ptID[p]) }

// PointByLocationID returns the snap point with this location id.
func (d *Dataset) PointByLocationID(id int64) (PointID, bool) {
	if id < 0 || id > MaxPublicID {
		return 0, false
	}
	i, ok := slices.BinarySearchFunc(d.ptByID, uint64(id), func(p uint32, id uint64) int {
		return cmp.Compare(d.ptID[p], id)
	})
	if !ok {
		return 0, false
	}
	return PointID(d.ptByID[i]), true
}

// A crime's id packs its month, its force's number and its ordinal among
// its force-month's crimes: month << 37 | force << 25 | ordinal. The
// ordinal counts the force-month's crimes in the dataset's order (by snap
// point, in the points' own order, then by row in the file; crimes without
// a location last, by row). Points are ordered by their first month, so it
// depends on that force-month's file and on the earlier months': loading a
// later month never changes it; a revised file of the same force-month
// may, and so may a change to an earlier month that moves a point's first
// month.
const (
	ordBits   = 25
	forceBits = 12
	// MaxUnitCrimes is the most crimes one force's month can hold.
	MaxUnitCrimes = 1 << ordBits
	// stdForceKeys are the force numbers kept for StandardForces, in
	// their order; the list only grows at its end, so these never change.
	stdForceKeys = 256
	// sampleEvery is how many of a force-month's crimes one entry of the
	// id lookup stands for.
	sampleEvery = 64
)

// buildForceKeys numbers the forces for crime ids: a standard force by its
// place in StandardForces, any other by a hash of its id above those, the
// next free number in id order where two meet.
func (d *Dataset) buildForceKeys() {
	d.forceKey = make([]uint16, d.forces.Len())
	taken := map[uint16]bool{}
	var others []int
	for f := range d.forceKey {
		if f < numStdForces {
			d.forceKey[f] = uint16(f)
			continue
		}
		others = append(others, f)
	}
	slices.SortFunc(others, func(a, b int) int { return cmp.Compare(d.forces.Term(a).Slug, d.forces.Term(b).Slug) })
	const span = 1<<forceBits - stdForceKeys
	for _, f := range others {
		k := uint16(xxhash.Sum64String(d.forces.Term(f).Slug) % span)
		for taken[k] {
			k = (k + 1) % span
		}
		taken[k] = true
		d.forceKey[f] = stdForceKeys + k
	}
}

// maxUnitCrimes is MaxUnitCrimes, lowered by tests.
var maxUnitCrimes = MaxUnitCrimes

// numStdForces is how many forces the vocabulary starts with.
var numStdForces = newVocab(StandardForces, nil).Len()

// unitOf is the key of a crime's force-month, as its id's top bits.
func (d *Dataset) unitOf(c int) uint32 {
	return uint32(d.months[d.month[c]])<<forceBits | uint32(d.forceKey[d.force[c]])
}

// buildCrimeIDs numbers each crime within its force-month, in position
// order, once buildForceKeys has numbered the forces, and samples every
// sampleEvery-th crime's position for lookups. A crime keeps only the low
// 16 bits of its ordinal, two bytes rather than four: a force-month seldom
// holds more crimes (the Metropolitan Police's about 90,000 do), and for
// those the samples give the rest (see markBigUnits).
func (d *Dataset) buildCrimeIDs() {
	n, nf := len(d.month), len(d.forceKey)
	row := make([]int32, MaxMonths)
	for i := range row {
		row[i] = -1
	}
	var count []uint32 // per slot: row*nf + force
	for c := range n {
		m := d.month[c]
		if row[m] < 0 {
			row[m] = int32(len(count) / nf)
			count = append(count, make([]uint32, nf)...)
		}
		count[int(row[m])*nf+int(d.force[c])]++
	}
	type slotKey struct{ key, slot uint32 }
	var units []slotKey
	for m, r := range row {
		if r < 0 {
			continue
		}
		for f := range nf {
			if slot := int(r)*nf + f; count[slot] > 0 {
				units = append(units, slotKey{uint32(d.months[m])<<forceBits | uint32(d.forceKey[f]), uint32(slot)})
			}
		}
	}
	slices.SortFunc(units, func(a, b slotKey) int { return cmp.Compare(a.key, b.key) })
	d.unitKey = make([]uint32, len(units))
	d.unitSampleStart = make([]uint32, len(units)+1)
	unitOfSlot := make([]uint32, len(count))
	for u, x := range units {
		d.unitKey[u] = x.key
		unitOfSlot[x.slot] = uint32(u)
		d.unitSampleStart[u+1] = d.unitSampleStart[u] + (count[x.slot]+sampleEvery-1)/sampleEvery
	}
	d.unitSample = make([]uint32, d.unitSampleStart[len(units)])
	d.ordLow = make([]uint16, n)
	next := make([]uint32, len(units))
	for c := range n {
		u := unitOfSlot[int(row[d.month[c]])*nf+int(d.force[c])]
		o := next[u]
		next[u]++
		d.ordLow[c] = uint16(o)
		if o%sampleEvery == 0 {
			d.unitSample[d.unitSampleStart[u]+o/sampleEvery] = uint32(c)
		}
	}
	d.markBigUnits()
}

// ordLowBits is how many low bits of its ordinal a crime keeps.
const ordLowBits = 16

// markBigUnits finds, from the samples, the crimes whose ordinal is a
// nonzero multiple of 1<<ordLowBits (each 1<<ordLowBits/sampleEvery-th
// sample of a force-month), and marks the forces they belong to.
func (d *Dataset) markBigUnits() {
	const every = 1 << ordLowBits / sampleEvery
	d.bigBounds, d.bigForces = nil, [4]uint64{}
	for u, key := range d.unitKey {
		for s := d.unitSampleStart[u] + every; s < d.unitSampleStart[u+1]; s += every {
			d.bigBounds = append(d.bigBounds, uint64(key)<<32|uint64(d.unitSample[s]))
			if f := slices.Index(d.forceKey, uint16(key&(1<<forceBits-1))); f >= 0 {
				d.bigForces[f/64] |= 1 << (f % 64)
			}
		}
	}
}

// PublicID returns the id of crime c as the API shows it.
func (d *Dataset) PublicID(c CrimeID) int64 {
	pt, i := d.at(c)
	f := pt.force[i]
	key := uint32(d.months[pt.month[i]])<<forceBits | uint32(d.forceKey[f])
	o := uint32(pt.ordLow[i])
	if pt.bigForces[f/64]&(1<<(f%64)) != 0 {
		o |= pt.ordinalHigh(i, key) << ordLowBits
	}
	return int64(key)<<ordBits | int64(o)
}

// ordinalHigh returns the high bits of crime c's ordinal in its
// force-month, whose key is key: the number of the force-month's crimes at
// or before c whose ordinal is a nonzero multiple of 1<<ordLowBits. The
// search is branch-free: the entries are few and the loads cached, so
// mispredicted branches would be most of its cost.
func (pt *tablePart) ordinalHigh(c uint32, key uint32) uint32 {
	b := pt.bigBounds
	x := uint64(key)<<32 | uint64(c)
	// i ends as the number of entries at or before x.
	i := 0
	for n := len(b); n > 0; n /= 2 {
		if j := i + n/2; b[j] <= x {
			i = j + 1
			n--
		}
	}
	hi := uint32(0)
	for ; i > 0 && uint32(b[i-1]>>32) == key; i-- {
		hi++
	}
	return hi
}

// CrimeByPublicID returns the crime with this id.
func (d *Dataset) CrimeByPublicID(id int64) (CrimeID, bool) {
	if id < 0 || id > MaxPublicID {
		return 0, false
	}
	k, o := uint32(id>>ordBits), uint32(id&(MaxUnitCrimes-1))
	// A force-month's crimes are all in the part of its month.
	mi := d.monthIndex(Month(k >> forceBits))
	pi := slices.IndexFunc(d.parts, func(pt *tablePart) bool { return pt.mFirst <= mi && mi <= pt.mLast })
	if pi < 0 {
		return 0, false
	}
	pt := d.parts[pi]
	u, ok := slices.BinarySearch(pt.unitKey, k)
	if !ok {
		return 0, false
	}
	s := pt.unitSampleStart[u] + o/sampleEvery
	if s >= pt.unitSampleStart[u+1] {
		return 0, false
	}
	// The crimes of a force-month come in ordinal order, so the one
	// sought is at most sampleEvery-1 of them past the sample, the one
	// whose low bits are o's (a block of samples never straddles a
	// multiple of 1<<ordLowBits). Other force-months' crimes lie between: the
	// scan compares the month and force columns as they are, not each
	// crime's key.
	// The force-month exists, so its month is one of the dataset's.
	m := uint8(mi)
	f := Force(slices.Index(d.forceKey, uint16(k&(1<<forceBits-1))))
	low := uint16(o)
	months, forces, lows := pt.month, pt.force[:len(pt.month)], pt.ordLow[:len(pt.month)]
	for c := int(pt.unitSample[s]); c < len(months); c++ {
		if months[c] != m || forces[c] != f {
			continue
		}
		switch {
		case lows[c] == low:
			return CrimeID(pt.lo + uint32(c)), true
		case lows[c] > low:
			return 0, false
		}
	}
	return 0, false
}
