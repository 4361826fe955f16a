package geo

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
	m := d.Month(c)
	if (f.From != 0 && m < f.From) || (f.To != 0 && m > f.To) {
		return false
	}
	return d.matchTerms(c, f)
}

func (d *Dataset) matchTerms(c CrimeID, f *Filter) bool {
	if !f.Categories.Empty() && !f.Categories.Has(int(d.cat[c])) {
		return false
	}
	if !f.Forces.Empty() && !f.Forces.Has(int(d.force[c])) {
		return false
	}
	if !f.Outcomes.Empty() && !f.Outcomes.Has(int(d.outcome[c])) {
		return false
	}
	return true
}

// termsFree reports whether the filter selects by month alone.
func (f *Filter) termsFree() bool {
	return f.Categories.Empty() && f.Forces.Empty() && f.Outcomes.Empty()
}

// MonthSpan narrows the crimes of point p to those within the filter's month
// range, by binary search: a point's crimes are ordered by month.
func (d *Dataset) MonthSpan(p PointID, f *Filter) (start, end CrimeID) {
	lo, hi := d.ptStart[p], d.ptStart[p+1]
	if f.From != 0 {
		lo = d.searchMonth(lo, hi, f.From)
	}
	if f.To != 0 {
		hi = d.searchMonth(lo, hi, f.To+1)
	}
	return CrimeID(lo), CrimeID(hi)
}

// searchMonth returns the first crime in [lo, hi) whose month is >= m.
func (d *Dataset) searchMonth(lo, hi uint32, m Month) uint32 {
	mi := d.monthIndex(m)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if int(d.month[mid]) < mi {
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
	s, e := d.MonthSpan(p, f)
	free := f.termsFree()
	for c := s; c < e; c++ {
		if free || d.matchTerms(c, f) {
			if !fn(c) {
				return false
			}
		}
	}
	return true
}

// PointCount returns the number of crimes of point p that pass the filter.
func (d *Dataset) PointCount(p PointID, f *Filter) int {
	s, e := d.MonthSpan(p, f)
	if f.termsFree() {
		return int(e - s)
	}
	n := 0
	for c := s; c < e; c++ {
		if d.matchTerms(c, f) {
			n++
		}
	}
	return n
}
