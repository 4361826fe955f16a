package geo

import (
	"cmp"
	"fmt"
	"slices"

	"crimemap/fault"
	"crimemap/internal/parallel"
)

// ErrAppend is returned, wrapped, by Append for a month it cannot add to a
// dataset; the caller then builds the dataset in one piece.
var ErrAppend = fault.New(fault.Invalid, "geo: cannot append")

// laterOutcome is an outcome row kept for crimes of another build: a row
// of a month built on a base, which Append joins to the base's crimes with
// its Crime ID as a build in one piece would have, or a row that matched
// no crime, which Append joins to a later month's crimes (an outcomes
// file now and then names a crime that a later month's street file
// holds).
type laterOutcome struct {
	id      crimeID
	other   string // the Crime ID when it is not 64 hex digits; id is then zero
	month   Month
	outcome Outcome
	joined  bool // the row matched a crime of its own build
}

// Append returns the dataset of base with the crimes of month added as a
// part of their own. month is a dataset of one part built on base
// (Builder.BuildOn): its catalogue and vocabularies extend base's, and its
// months are all later than base's. The result shares base's parts, so
// it costs about as much as month; a base part whose crimes gain outcome
// history entries is copied with the new entries. base and month are not
// changed, and stay usable.
func Append(base, month *Dataset) (*Dataset, error) {
	if err := appendable(base, month); err != nil {
		return nil, err
	}
	stops, err := base.stops.concat(&month.stops)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAppend, err)
	}
	d := &Dataset{
		categories: month.categories, outcomes: month.outcomes, forces: month.forces, strs: month.strs,
		ptLon: month.ptLon, ptLat: month.ptLat, ptStreet: month.ptStreet, ptLSOACode: month.ptLSOACode,
		ptLSOAName: month.ptLSOAName, ptCell: month.ptCell, ptID: month.ptID, ptByID: month.ptByID,
		tree: month.tree, bound: month.bound, forceKey: month.forceKey,
		catalogue: month.catalogue, catalogued: month.catalogued,
		months:      slices.Concat(base.months, month.months),
		monthCrimes: slices.Concat(base.monthsCrimes(), month.monthsCrimes()),
		stops:       stops,
	}
	d.latest = latestOf(d.monthCrimes, d.months)
	d.parts = slices.Concat(base.parts, []*tablePart{month.parts[0].rebased(uint32(base.Len()), len(base.months))})
	sums := base.layoutFreeSums()
	sums.add(month.layoutFreeSums())
	found := month.laterFound
	if month.laterOn != base {
		found = nil
	}
	sums.add(d.joinLater(month.later, found))
	sums.add(d.joinEarlier(base.unmatched))
	d.sums = &sums
	d.version = d.versionFrom(sums)
	d.extendLevels(base, month)
	if len(d.parts) == 1 {
		// An empty base: the month's part is the whole table.
		d.tablePart = d.parts[0]
	}
	return d, nil
}

// appendable checks that month can be appended to base.
func appendable(base, month *Dataset) error {
	switch {
	case month.NumParts() != 1:
		return fmt.Errorf("%w: the month is in %d parts", ErrAppend, month.NumParts())
	case len(month.months) == 0:
		return fmt.Errorf("%w: the month has no crimes", ErrAppend)
	case len(base.months) > 0 && month.months[0] <= base.months[len(base.months)-1]:
		return fmt.Errorf("%w: month %v is not later than the dataset's last, %v", ErrAppend, month.months[0], base.months[len(base.months)-1])
	case len(base.months)+len(month.months) > MaxMonths:
		return fmt.Errorf("%w: %w", ErrAppend, ErrTooManyMonths)
	case month.NumPoints() < base.NumPoints() || len(month.strs) < len(base.strs):
		return fmt.Errorf("%w: the month's catalogue does not extend the dataset's", ErrAppend)
	case !month.categories.extends(base.categories) || !month.outcomes.extends(base.outcomes) || !month.forces.extends(base.forces):
		return fmt.Errorf("%w: the month's vocabularies do not extend the dataset's", ErrAppend)
	case !slices.Equal(month.forceKey[:len(base.forceKey)], base.forceKey):
		return fmt.Errorf("%w: the month numbers the dataset's forces otherwise", ErrAppend)
	}
	return nil
}

// extends reports whether v holds base's terms, in base's order, first.
func (v *Vocab) extends(base *Vocab) bool {
	return len(v.terms) >= len(base.terms) && slices.Equal(v.terms[:len(base.terms)], base.terms)
}

// monthsCrimes returns the crimes of each month, counting them for a
// dataset that does not keep them.
func (d *Dataset) monthsCrimes() []int {
	if len(d.monthCrimes) == len(d.months) {
		return d.monthCrimes
	}
	counts := make([]int, len(d.months))
	for _, pt := range d.parts {
		for i, n := range monthCounts(pt.month, len(d.months)) {
			counts[i] += n
		}
	}
	return counts
}

// rebased returns a copy of the part as the part of a dataset in which its
// first crime is lo and whose months before its own are the first
// monthOff: its month column is shifted by monthOff. Its other columns
// and indexes are by position in the part, and are shared.
func (pt *tablePart) rebased(lo uint32, monthOff int) *tablePart {
	np := *pt
	np.lo = lo
	if monthOff > 0 {
		np.month = make([]uint8, len(pt.month))
		for i, m := range pt.month {
			np.month[i] = m + uint8(monthOff)
		}
		np.mFirst, np.mLast = pt.mFirst+monthOff, pt.mLast+monthOff
	}
	return &np
}

// joinChunk is the fewest later outcome rows worth a core of their own.
var joinChunk = 4096

// joinLater joins later outcome rows to the crimes of every part but the
// last, replacing each part that gains entries with a copy holding them
// beside its packed ones, so that the cost is the rows', not the part's.
// found holds the crimes each part's rows name (rowMatches), when the
// month's build found them; else they are looked up here. Rows that match
// no crime, here or in their own build, are kept as unmatched. It returns
// the entries' part of the version's sums.
func (d *Dataset) joinLater(rows []laterOutcome, found [][]uint64) (sums versionSums) {
	if len(rows) == 0 {
		return sums
	}
	base := d.parts[:len(d.parts)-1]
	if len(found) != len(base) {
		found = make([][]uint64, len(base))
		for k, pt := range base {
			found[k] = pt.rowMatches(rows)
		}
	}
	// The entries keep their row's number, and so the rows' order; their
	// keys for the version are worked out on every core, each worker a
	// run of the rows.
	type joined struct {
		histRow
		row int
	}
	workers := parallel.Cores(len(rows) / joinChunk)
	gainedBy := make([][][]joined, workers) // per worker, per part
	matched := make([]bool, len(rows))
	workerSums := make([]versionSums, workers)
	parallel.Run(workers, func(w int) {
		gained := make([][]joined, len(base))
		r0, r1 := len(rows)*w/workers, len(rows)*(w+1)/workers
		gain := func(k, ri int, c CrimeID) {
			r := &rows[ri]
			matched[ri] = true
			gained[k] = append(gained[k], joined{histRow{crime: uint32(c) - base[k].lo, month: r.month, outcome: r.outcome}, ri})
			workerSums[w].addEntry(d.crimeKeyOf(c), r.month, r.outcome)
		}
		for k, pt := range base {
			f := found[k]
			i, _ := slices.BinarySearch(f, uint64(r0)<<32)
			for ; i < len(f) && f[i]>>32 < uint64(r1); i++ {
				gain(k, int(f[i]>>32), CrimeID(pt.lo+uint32(f[i])))
			}
		}
		var crimes []CrimeID
		for ri := r0; ri < r1; ri++ {
			if r := &rows[ri]; r.other != "" {
				crimes = d.crimesByOther(base, r.other, crimes[:0])
				for _, c := range crimes {
					gain(d.partOf(c), ri, c)
				}
			}
		}
		gainedBy[w] = gained
	})
	for _, ws := range workerSums {
		sums.add(ws)
	}
	for ri, r := range rows {
		if !matched[ri] && !r.joined {
			d.unmatched = append(d.unmatched, r)
		}
	}
	for k := range base {
		var js []joined
		for _, g := range gainedBy {
			js = append(js, g[k]...)
		}
		if len(js) == 0 {
			continue
		}
		// A crime's new entries are of a later month than its old ones,
		// and among themselves in row order, as a build in one piece
		// would order them.
		slices.SortFunc(js, func(a, b joined) int { return cmp.Or(cmp.Compare(a.crime, b.crime), cmp.Compare(a.row, b.row)) })
		rows := make([]histRow, len(js))
		for i, j := range js {
			rows[i] = j.histRow
		}
		np := *d.parts[k]
		np.histMore = mergeHist(np.histMore, rows)
		d.parts[k] = &np
	}
	return sums
}

// joinEarlier joins the outcome rows that matched no crime before to the
// crimes of the last part, the month appended: such a row is of an earlier
// month than the crime's own entries, so the part's histories are packed
// again with the new entries first, as a build in one piece orders them.
// Rows that still match nothing stay unmatched. It returns the entries'
// part of the version's sums.
func (d *Dataset) joinEarlier(rows []laterOutcome) (sums versionSums) {
	k := len(d.parts) - 1
	pt := d.parts[k]
	var gained []histRow
	var crimes []CrimeID
	next := pt.rowMatches(rows)
	for ri, r := range rows {
		crimes = crimes[:0]
		if r.other != "" {
			crimes = d.crimesByOther(d.parts[k:], r.other, crimes)
		}
		for ; len(next) > 0 && next[0]>>32 == uint64(ri); next = next[1:] {
			crimes = append(crimes, CrimeID(pt.lo+uint32(next[0])))
		}
		if len(crimes) == 0 {
			d.unmatched = append(d.unmatched, r)
			continue
		}
		for _, c := range crimes {
			gained = append(gained, histRow{crime: uint32(c) - pt.lo, month: r.month, outcome: r.outcome})
			sums.addEntry(d.crimeKeyOf(c), r.month, r.outcome)
		}
	}
	if len(gained) == 0 {
		return sums
	}
	pt.eachHist(d.months, func(crime uint32, e histEntry) {
		gained = append(gained, histRow{crime: crime, month: e.month(), outcome: e.outcome()})
	})
	np := *pt
	np.packHist(sortHist(gained), d.months)
	d.parts[k] = &np
	return sums
}

// rowMatches returns the crimes of pt that each of rows names by its
// 64-hex ID, as row<<32 | position, sorted: the rows looked up side by
// side (lookupIDs), a run of them to a core. A dataset holds the rows that
// matched no crime for each later month, which over an archive could be
// many.
func (pt *tablePart) rowMatches(rows []laterOutcome) []uint64 {
	workers := parallel.Cores(len(rows) / joinChunk)
	out := make([][]uint64, workers)
	parallel.Run(workers, func(w int) {
		r0, r1 := len(rows)*w/workers, len(rows)*(w+1)/workers
		idOf := laterIDs(rows[r0:r1])
		out[w] = pt.appendMatches(nil, idOrder(r1-r0, idOf), idOf, r0)
	})
	return slices.Concat(out...)
}

// laterIDs returns the 64-hex ID of each of rows, nil for a row with an ID
// in another form, as lookupIDs takes them.
func laterIDs(rows []laterOutcome) func(q int) *crimeID {
	return func(q int) *crimeID {
		if r := &rows[q]; r.other == "" {
			return &r.id
		}
		return nil
	}
}

// crimeKeyOf returns the key of crime c (see crimeKey): its point, and its
// rank among the point's crimes of its month and force, which are
// consecutive.
func (d *Dataset) crimeKeyOf(c CrimeID) crimeKey {
	pt := d.parts[d.partOf(c)]
	i := uint32(c) - pt.lo
	p := d.PointOf(c)
	start := pt.ptStart[len(pt.ptStart)-1] // the part's crimes without a point
	if p != NoPoint {
		start = pt.ptStart[p]
	}
	r := i
	for r > start && pt.month[r-1] == pt.month[i] && pt.force[r-1] == pt.force[i] {
		r--
	}
	return crimeKey{uint64(p)<<32 | uint64(i-r), uint64(d.months[pt.month[i]])<<16 | uint64(pt.force[i])}
}

// crimesByOther appends the crimes of parts whose Crime ID is other, which
// is not 64 hex digits.
func (d *Dataset) crimesByOther(parts []*tablePart, other string, out []CrimeID) []CrimeID {
	for _, pt := range parts {
		for c, o := range pt.other {
			if o == other {
				out = append(out, CrimeID(pt.lo+c))
			}
		}
	}
	return out
}

// mergeHist merges two lists of entries sorted by crime into a new one, a
// crime's entries of old first.
func mergeHist(old, rows []histRow) []histRow {
	out := make([]histRow, 0, len(old)+len(rows))
	i := 0
	for _, r := range rows {
		for i < len(old) && old[i].crime <= r.crime {
			out = append(out, old[i])
			i++
		}
		out = append(out, r)
	}
	return append(out, old[i:]...)
}
