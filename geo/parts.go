package geo

import "slices"

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

// newOnePart returns a dataset whose crime table is the one part pt.
func newOnePart(pt *tablePart) *Dataset {
	if pt.cubes == nil {
		pt.cubes = new(hexCubes)
	}
	if pt.byForceMonth == nil {
		pt.byForceMonth = new(forceMonths)
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

// PartRange returns the crimes of part k: a range of the crime table.
func (d *Dataset) PartRange(k int) (start, end CrimeID) {
	pt := d.parts[k]
	return CrimeID(pt.lo), CrimeID(pt.lo + uint32(len(pt.month)))
}

// Extends reports whether d is base with later parts added (see Append):
// base's parts are d's first base.NumParts() parts, with their crimes, and
// base's points d's first points. What was worked out from base's crimes
// then holds for those parts of d, and only the later parts are new.
func (d *Dataset) Extends(base *Dataset) bool {
	if d == base {
		return true
	}
	if len(d.parts) < len(base.parts) || d.NumPoints() < base.NumPoints() {
		return false
	}
	for k, b := range base.parts {
		if !d.parts[k].sameCrimes(b) {
			return false
		}
	}
	return true
}

// Regroups reports whether d holds base's crimes with its later parts cut
// otherwise: several months' parts built again as one (serve merges the
// parts monthly reloads append), the crimes, points, vocabularies and
// every answer the same. Their versions, which change exactly when an
// answer does, are then equal, and so are their months, snap points and
// numbers of crimes; this compares those rather than the crimes one by
// one, as caches and ETags already take equal versions for equal answers.
func (d *Dataset) Regroups(base *Dataset) bool {
	return d != base && d.version == base.version && d.Len() == base.Len() && slices.Equal(d.months, base.months) &&
		d.categories.Len() == base.categories.Len() && slices.Equal(d.ptLon, base.ptLon) && slices.Equal(d.ptLat, base.ptLat)
}

// sameCrimes reports whether two parts hold the same crimes: one is the
// other, or a copy of it with more outcome history (see Append). A copy
// with other last outcomes (see Restate) does not.
func (pt *tablePart) sameCrimes(o *tablePart) bool {
	return pt.lo == o.lo && pt.mFirst == o.mFirst && len(pt.cat) == len(o.cat) &&
		(len(pt.cat) == 0 || &pt.cat[0] == &o.cat[0] && &pt.outcome[0] == &o.outcome[0])
}

// Columns is one part's crime types and months, for code that reads many
// crimes of a part in a row: Dataset.Category and Month first find the
// crime's part, a search on every call once a dataset has several.
type Columns struct {
	lo     CrimeID
	cat    []Category
	month  []uint8
	months []Month
}

// PartColumns returns the columns of part k.
func (d *Dataset) PartColumns(k int) Columns {
	pt := d.parts[k]
	return Columns{lo: CrimeID(pt.lo), cat: pt.cat, month: pt.month, months: d.months}
}

// Category returns the crime type of crime c, which must be in the part.
func (cs *Columns) Category(c CrimeID) Category { return cs.cat[c-cs.lo] }

// Month returns the month of crime c, which must be in the part.
func (cs *Columns) Month(c CrimeID) Month { return cs.months[cs.month[c-cs.lo]] }

// SharingPoints returns d with its snap points' columns and strings read
// from ds's, where ds extends d (Append): ds's catalogue begins with d's,
// so d need not keep a copy of its own. A server keeps d beside ds to
// build ds's later months again on it, and the copy would cost it 40 MB
// at 90M. d is unchanged; a column that is not a prefix of ds's stays d's.
func (d *Dataset) SharingPoints(ds *Dataset) *Dataset {
	if d == ds || !ds.Extends(d) {
		return d
	}
	nd := *d
	nd.ptLon, nd.ptLat = prefixOf(d.ptLon, ds.ptLon), prefixOf(d.ptLat, ds.ptLat)
	nd.ptStreet, nd.ptLSOACode, nd.ptLSOAName = prefixOf(d.ptStreet, ds.ptStreet), prefixOf(d.ptLSOACode, ds.ptLSOACode), prefixOf(d.ptLSOAName, ds.ptLSOAName)
	nd.ptCell, nd.ptID = prefixOf(d.ptCell, ds.ptCell), prefixOf(d.ptID, ds.ptID)
	nd.strs = prefixOf(d.strs, ds.strs)
	return &nd
}

// prefixOf returns of's first len(own) values when they are own's, else own.
func prefixOf[T comparable](own, of []T) []T {
	if len(of) >= len(own) && slices.Equal(own, of[:len(own)]) {
		return of[:len(own):len(own)]
	}
	return own
}
