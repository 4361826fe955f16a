package geo

import (
	"cmp"
	"slices"
)

// Set is a set of vocabulary indexes (categories, forces or outcomes).
// The zero Set is empty; an empty Set in a Filter matches everything.
type Set struct{ w [MaxTerms / 64]uint64 }

// Add puts i in the set.
func (s *Set) Add(i int) { s.w[i/64] |= 1 << (uint(i) % 64) }

// Has reports whether i is in the set.
func (s *Set) Has(i int) bool { return s.w[i/64]&(1<<(uint(i)%64)) != 0 }

// Empty reports whether the set has no members.
func (s *Set) Empty() bool { return s.w == [MaxTerms / 64]uint64{} }

// Filter selects crimes by month range and vocabulary terms. The zero Filter
// selects every crime.
type Filter struct {
	From, To   Month // inclusive; 0 leaves that end open
	Categories Set
	Forces     Set
	Outcomes   Set
}

// Matches reports whether crime c passes the filter.
func (d *Dataset) Matches(c CrimeID, f *Filter) bool {
	pt, i := d.at(c)
	m := d.months[pt.month[i]]
	if (f.From != 0 && m < f.From) || (f.To != 0 && m > f.To) {
		return false
	}
	return pt.matchTerms(i, f)
}

// matchTerms reports whether the part's crime i passes the filter's terms.
func (pt *tablePart) matchTerms(i uint32, f *Filter) bool {
	if !f.Categories.Empty() && !f.Categories.Has(int(pt.cat[i])) {
		return false
	}
	if !f.Forces.Empty() && !f.Forces.Has(int(pt.force[i])) {
		return false
	}
	if !f.Outcomes.Empty() && !f.Outcomes.Has(int(pt.outcome[i])) {
		return false
	}
	return true
}

// termsFree reports whether the filter selects by month alone.
func (f *Filter) termsFree() bool {
	return f.Categories.Empty() && f.Forces.Empty() && f.Outcomes.Empty()
}

// monthRange is a filter's month range as indexes into the dataset's
// months, [lo, hi): found once per query, not once per point.
type monthRange struct{ lo, hi int }

// monthRangeOf returns the indexes of f's month range.
func (d *Dataset) monthRangeOf(f *Filter) monthRange {
	r := monthRange{0, len(d.months)}
	if f.From != 0 {
		r.lo = d.monthIndex(f.From)
	}
	if f.To != 0 {
		r.hi = d.monthIndex(f.To + 1)
	}
	return r
}

// partsIn returns the parts with crimes of any month of r: parts are in
// month order, so they are a run of them.
func (d *Dataset) partsIn(r monthRange) []*tablePart {
	ps := d.parts
	if len(ps) == 1 {
		return ps
	}
	lo, _ := slices.BinarySearchFunc(ps, r.lo, func(pt *tablePart, m int) int { return cmp.Compare(pt.mLast, m) })
	hi, _ := slices.BinarySearchFunc(ps, r.hi, func(pt *tablePart, m int) int { return cmp.Compare(pt.mFirst, m) })
	return ps[lo:max(lo, hi)]
}

// holds reports whether the part has crimes of any month of r.
func (pt *tablePart) holds(r monthRange) bool { return r.lo <= pt.mLast && r.hi > pt.mFirst }

// span returns the positions [s, e) of the part's crimes of point p within
// the months r, by binary search where r cuts into the part's months: a
// point's crimes in a part are ordered by month.
func (pt *tablePart) span(p PointID, r monthRange) (s, e uint32) {
	if int(p) >= pt.points() || !pt.holds(r) {
		return 0, 0
	}
	s, e = pt.ptStart[p], pt.ptStart[p+1]
	if r.lo > pt.mFirst {
		s = pt.searchMonth(s, e, r.lo)
	}
	if r.hi <= pt.mLast {
		e = pt.searchMonth(s, e, r.hi)
	}
	return s, e
}

// searchMonth returns the first of the part's crimes in [lo, hi) whose
// month index is >= mi.
func (pt *tablePart) searchMonth(lo, hi uint32, mi int) uint32 {
	for lo < hi {
		mid := lo + (hi-lo)/2
		if int(pt.month[mid]) < mi {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// PointMatches calls fn for each crime of point p that passes the filter, in
// month order, until fn returns false. It reports whether fn never stopped it.
func (d *Dataset) PointMatches(p PointID, f *Filter, fn func(CrimeID) bool) bool {
	r := d.monthRangeOf(f)
	free := f.termsFree()
	for _, pt := range d.partsIn(r) {
		s, e := pt.span(p, r)
		for i := s; i < e; i++ {
			if free || pt.matchTerms(i, f) {
				if !fn(CrimeID(pt.lo + i)) {
					return false
				}
			}
		}
	}
	return true
}

// PointCount returns the number of crimes of point p that pass the filter.
func (d *Dataset) PointCount(p PointID, f *Filter) int {
	r := d.monthRangeOf(f)
	free := f.termsFree()
	n := 0
	for _, pt := range d.partsIn(r) {
		s, e := pt.span(p, r)
		if free {
			n += int(e - s)
			continue
		}
		for i := s; i < e; i++ {
			if pt.matchTerms(i, f) {
				n++
			}
		}
	}
	return n
}
