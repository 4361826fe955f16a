package geo

// A dataset's crimes are held in parts, each the crimes of a run of months,
// later parts later months, so that a new month can be added as a part of
// its own without rebuilding the others. A point's crimes in part k are one
// range of the crime table, and its crimes over every month are those
// ranges in part order, which is month order. The functions below are how
// code outside the package walks a point's crimes.

// NumParts returns how many parts the crime table has.
func (d *Dataset) NumParts() int { return len(d.parts) }

// PartMonths returns the first and last month of part k, or zeros for an
// empty dataset.
func (d *Dataset) PartMonths(k int) (first, last Month) {
	pt := d.parts[k]
	if pt.mLast < pt.mFirst {
		return 0, 0
	}
	return d.months[pt.mFirst], d.months[pt.mLast]
}

// PartInFilter reports whether part k holds any month of the filter's range.
func (d *Dataset) PartInFilter(k int, f *Filter) bool {
	first, last := d.PartMonths(k)
	return (f.From == 0 || last >= f.From) && (f.To == 0 || first <= f.To)
}

// PartCrimes returns the range [start, end) of the crimes of snap point p
// in part k.
func (d *Dataset) PartCrimes(k int, p PointID) (start, end CrimeID) {
	pt := d.parts[k]
	if int(p) >= pt.points() {
		return CrimeID(pt.lo), CrimeID(pt.lo)
	}
	return CrimeID(pt.lo + pt.ptStart[p]), CrimeID(pt.lo + pt.ptStart[p+1])
}

// PartMonthSpan narrows the crimes of point p in part k to those within
// the filter's month range, by binary search: a point's crimes in a part
// are ordered by month.
func (d *Dataset) PartMonthSpan(k int, p PointID, f *Filter) (start, end CrimeID) {
	pt := d.parts[k]
	s, e := pt.span(p, d.monthRangeOf(f))
	return CrimeID(pt.lo + s), CrimeID(pt.lo + e)
}

// PointLen returns how many crimes snap point p has over every month.
func (d *Dataset) PointLen(p PointID) int {
	n := 0
	for _, pt := range d.parts {
		if int(p) < pt.points() {
			n += int(pt.ptStart[p+1] - pt.ptStart[p])
		}
	}
	return n
}

// newOnePart returns a dataset whose crime table is the one part pt.
func newOnePart(pt *tablePart) *Dataset {
	if pt.cubes == nil {
		pt.cubes = new(hexCubes)
	}
	return &Dataset{parts: []*tablePart{pt}, tablePart: pt}
}

// sealOnePart records, once a dataset of one part has its months and
// columns, the part's months and the crimes of each month.
func (d *Dataset) sealOnePart() {
	d.mFirst, d.mLast = 0, len(d.months)-1
	d.monthCrimes = monthCounts(d.month, len(d.months))
}

// ListingKey returns the key of located crime c in listing order, as
// PageIn's cursors are: point<<32 | the crime's rank among the point's
// crimes, which is the same however the crime table is cut into parts.
func (d *Dataset) ListingKey(c CrimeID) int64 {
	p := d.PointOf(c)
	k := d.partOf(c)
	rank := uint32(0)
	for _, pt := range d.parts[:k] {
		if int(p) < pt.points() {
			rank += pt.ptStart[p+1] - pt.ptStart[p]
		}
	}
	pt := d.parts[k]
	return listingKey(p, rank+uint32(c)-pt.lo-pt.ptStart[p])
}
