package geo

// The tests join later outcome rows on several cores even when they are
// few, as a national month's are.
func init() { joinChunk = 8 }

// SplitMonths cuts a dataset built in one piece into the dataset of all
// but its last k months and one dataset for each of those k months, each
// as Builder.BuildOn builds a month on the datasets before it: the same
// catalogue and vocabularies, a part of its own crimes with their own
// histories, and, kept for Append, the outcome rows of its month that
// joined crimes of earlier months.
func SplitMonths(d *Dataset, k int) (base *Dataset, months []*Dataset) {
	cut := len(d.months) - k
	base = d.sub(0, cut, 0)
	for m := cut; m < len(d.months); m++ {
		months = append(months, d.sub(m, m+1, 0))
	}
	return base, months
}

// NextMonth returns a month to append to d, for the benchmarks: d's last
// month's crimes, stops and later outcome rows as if they were of the
// month after, built on d, with outcome rows for about later more of d's
// crimes with a Crime ID, spread over them, as a real month's outcomes
// files give new outcomes to crimes of many months before.
func NextMonth(d *Dataset, later int) *Dataset {
	n := len(d.months)
	m := d.sub(n-1, n, d.months[n-1]+1)
	if step := len(d.ids) / max(later, 1); later > 0 {
		for k := 0; k < len(d.ids); k += max(step, 1) {
			m.later = append(m.later, laterOutcome{id: d.ids[k], month: m.months[0], outcome: Outcome(1 + k%(d.outcomes.Len()-1))})
		}
	}
	return m
}

// LaterRows returns how many outcome rows of a month built on a base are
// kept for Append to join to the base's crimes.
func LaterRows(month *Dataset) int { return len(month.later) }

// sub returns the dataset of d's crimes of the months [m0, m1), with the
// history entries of months before m1, and as later rows the entries of
// month m0 (when m0 > 0) of crimes of earlier months. A month as, unless
// zero, relabels the one month m0.
func (d *Dataset) sub(m0, m1 int, as Month) *Dataset {
	src := d.tablePart
	r := monthRange{m0, m1}
	np := d.NumPoints()
	pt := &tablePart{ptStart: make([]uint32, np+1), other: map[uint32]string{}, ctx: map[uint32]uint32{}, cubes: new(hexCubes)}
	var take []uint32
	for p := range np {
		s, e := src.span(PointID(p), r)
		for i := s; i < e; i++ {
			take = append(take, i)
		}
		pt.ptStart[p+1] = uint32(len(take))
	}
	for i := src.located(); int(i) < len(src.month); i++ {
		if m := int(src.month[i]); m >= m0 && m < m1 {
			take = append(take, i)
		}
	}
	n := len(take)
	pt.month, pt.cat, pt.force, pt.outcome = make([]uint8, n), make([]Category, n), make([]Force, n), make([]Outcome, n)
	pt.hasID = make([]uint64, (n+63)/64)
	var hist []histRow
	end := Month(1<<16 - 1)
	if m1 < len(d.months) {
		end = d.months[m1]
	}
	for j, i := range take {
		pt.month[j] = src.month[i] - uint8(m0)
		pt.cat[j], pt.force[j], pt.outcome[j] = src.cat[i], src.force[i], src.outcome[i]
		if x, ok := src.idIndex(i); ok {
			pt.hasID[j/64] |= 1 << (j % 64)
			pt.ids = append(pt.ids, src.ids[x])
		}
		if o, ok := src.other[i]; ok {
			pt.other[uint32(j)] = o
		}
		if c, ok := src.ctx[i]; ok {
			pt.ctx[uint32(j)] = c
		}
		for _, e := range d.OutcomeHistory(CrimeID(i)) {
			if e.Month < end {
				hist = append(hist, histRow{crime: uint32(j), month: e.Month, outcome: e.Outcome})
			}
		}
	}
	pt.idRank = idRanks(pt.hasID)
	out := &Dataset{
		categories: d.categories, outcomes: d.outcomes, forces: d.forces, strs: d.strs,
		ptLon: d.ptLon, ptLat: d.ptLat, ptStreet: d.ptStreet, ptLSOACode: d.ptLSOACode,
		ptLSOAName: d.ptLSOAName, ptCell: d.ptCell, ptID: d.ptID, ptByID: d.ptByID,
		tree: d.tree, bound: d.bound, forceKey: d.forceKey,
		months: d.months[m0:m1], parts: []*tablePart{pt}, tablePart: pt,
	}
	first := Month(0)
	if m0 > 0 {
		first = d.months[m0]
	}
	var stops []stopRow
	for _, s := range d.stops.rows {
		if s.month >= first && s.month < end {
			if as != 0 {
				s.month = as
			}
			stops = append(stops, s)
		}
	}
	out.stops = stopTable{rows: stops, terms: d.stops.terms, text: d.stops.text, off: d.stops.off}
	if m0 > 0 {
		out.later = d.laterRows(m0)
	}
	if as != 0 {
		out.months = []Month{as}
		for i := range out.later {
			out.later[i].month = as
		}
	}
	pt.packHist(hist, out.months)
	out.buildCrimeIDs()
	out.buildIDIndex(out.idBuckets())
	out.sealOnePart()
	out.latest = latestOf(out.monthCrimes, out.months)
	out.version = out.versionFrom(out.computeSums())
	return out
}

// laterRows rebuilds the outcome rows of month index m that joined crimes
// of earlier months: a row gave one entry to every crime with its Crime
// ID, so a crime's entries of one key are the rows of that key.
func (d *Dataset) laterRows(m int) []laterOutcome {
	type key struct {
		id      string
		outcome Outcome
	}
	month := d.months[m]
	rows := map[key]int{}
	var order []key
	src := d.tablePart
	per, last := map[key]int{}, ^uint32(0)
	src.eachHist(d.months, func(c uint32, e histEntry) {
		if e.month() != month || int(src.month[c]) >= m {
			return
		}
		if c != last {
			clear(per)
			last = c
		}
		k := key{d.PersistentID(CrimeID(c)), e.outcome()}
		per[k]++
		if _, ok := rows[k]; !ok {
			order = append(order, k)
		}
		rows[k] = max(rows[k], per[k])
	})
	var out []laterOutcome
	for _, k := range order {
		r := laterOutcome{month: month, outcome: k.outcome}
		if id, ok := parseCrimeID([]byte(k.id)); ok {
			r.id = id
		} else {
			r.other = k.id
		}
		for range rows[k] {
			out = append(out, r)
		}
	}
	return out
}

// PartCube returns the counts of part k at res that dataset d reads, to
// tell whether two datasets share them.
func PartCube(d *Dataset, res, k int) any { return d.hexCube(res).parts[k].cube }

// HexLevelShared reports whether two datasets read the same cell column
// at res.
func HexLevelShared(a, b *Dataset, res int) bool {
	la, lb := a.hexLevel(res), b.hexLevel(res)
	return len(la.of) > 0 && &la.of[0] == &lb.of[0]
}

// SharesPoints reports whether a's snap points' columns and strings are
// held in b's memory.
func SharesPoints(a, b *Dataset) bool {
	return len(a.ptLon) > 0 && len(a.strs) > 0 && &a.ptLon[0] == &b.ptLon[0] && &a.ptID[0] == &b.ptID[0] && &a.strs[0] == &b.strs[0]
}
