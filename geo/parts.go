package geo

// A dataset's crimes are held in parts, each the crimes of a run of months,
// later parts later months, so that a new month can be added as a part of
// its own without rebuilding the others. A point's crimes in part k are one
// range of the crime table, and its crimes over every month are those
// ranges in part order, which is month order. The functions below are how
// code outside the package walks a point's crimes.

// NumParts returns how many parts the crime table has.
func (d *Dataset) NumParts() int { return 1 }

// PartMonths returns the first and last month of part k, or zeros for an
// empty dataset.
func (d *Dataset) PartMonths(k int) (first, last Month) {
	if len(d.months) == 0 {
		return 0, 0
	}
	return d.months[0], d.months[len(d.months)-1]
}

// PartInFilter reports whether part k holds any month of the filter's range.
func (d *Dataset) PartInFilter(k int, f *Filter) bool {
	first, last := d.PartMonths(k)
	return (f.From == 0 || last >= f.From) && (f.To == 0 || first <= f.To)
}

// PartCrimes returns the range [start, end) of the crimes of snap point p
// in part k.
func (d *Dataset) PartCrimes(k int, p PointID) (start, end CrimeID) {
	return CrimeID(d.ptStart[p]), CrimeID(d.ptStart[p+1])
}

// PartMonthSpan narrows the crimes of point p in part k to those within
// the filter's month range, by binary search: a point's crimes in a part
// are ordered by month.
func (d *Dataset) PartMonthSpan(k int, p PointID, f *Filter) (start, end CrimeID) {
	return d.MonthSpan(p, f)
}

// PointLen returns how many crimes snap point p has over every month.
func (d *Dataset) PointLen(p PointID) int {
	n := 0
	for k := range d.NumParts() {
		s, e := d.PartCrimes(k, p)
		n += int(e - s)
	}
	return n
}

// MonthCrimes returns the crimes of snap point p in month m: one range,
// as a month lies in one part.
func (d *Dataset) MonthCrimes(p PointID, m Month) (start, end CrimeID) {
	f := Filter{From: m, To: m}
	for k := range d.NumParts() {
		if d.PartInFilter(k, &f) {
			return d.PartMonthSpan(k, p, &f)
		}
	}
	return 0, 0
}

// LastCrime returns the latest crime of snap point p, or false when it has
// none.
func (d *Dataset) LastCrime(p PointID) (CrimeID, bool) {
	for k := d.NumParts() - 1; k >= 0; k-- {
		if s, e := d.PartCrimes(k, p); s < e {
			return e - 1, true
		}
	}
	return 0, false
}

// PartRange returns the crimes of part k: a range of the crime table.
func (d *Dataset) PartRange(k int) (start, end CrimeID) { return 0, CrimeID(d.Len()) }

// Extends reports whether d is base with later parts added (see Append):
// base's parts are d's first base.NumParts() parts, with their crimes, and
// base's points d's first points. What was worked out from base's crimes
// then holds for those parts of d, and only the later parts are new.
func (d *Dataset) Extends(base *Dataset) bool { return d == base }
