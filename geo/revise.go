package geo

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"
	"weak"

	"crimemap/internal/parallel"
)

// Revise returns base with the crimes of the force-months units in place of
// base's, as rev gives them: rev is built (Builder.Build) from the revised
// street files of force-months base holds, whose crimes changed (dropped,
// added, moved to another of base's snap points, retyped, given other
// Crime IDs), and units are those files' force-months, rev's crimes all
// among them (a file may have lost every row). Force-months whose crimes
// are unchanged but for their last outcomes are restated (Restate), which
// shares every column but the outcomes. Otherwise each part holding one of
// them is made again from its own columns with the force-months' crimes
// replaced, rather than from its files: a month's force file revised in
// the latest months of a long history costs about a pass over that part,
// not the parse and build of every month in it.
//
// The result answers as base's files would with the revised ones in their
// place, version included. Crimes whose Crime ID a replaced crime had take
// its outcome history, as a build in one piece joins the outcome rows
// naming an ID to every crime with it; a crime with an ID no replaced
// crime had takes the history of another crime with it, or the outcome
// rows that matched no crime before; the rows of a replaced crime whose ID
// no crime has any more are kept as unmatched.
//
// A point whose first crime is now a revised one takes that crime's LSOA.
// It fails with an error wrapping ErrRestate where a revision cannot be
// made so, as it would change what the rest of the dataset was built
// from: a crime at a place base has no snap point at (by coordinates and
// street), a type, outcome or context base does not hold, a crime at a
// point first used in a later month, a point that would lose its first
// month's crimes or have another of base's crimes first (a point's place
// in the catalogue and its LSOA come from its first crime), a month left
// without crimes; or where the part to make again holds too many crimes
// to hold twice (MaxRevisedShare). Outcomes and stop-and-search files are
// not revised so. base is not changed.
func Revise(base, rev *Dataset, units []Unit) (*Dataset, error) {
	if rev.stops.len() > 0 || len(rev.later) > 0 || len(rev.unmatched) > 0 || slices.ContainsFunc(rev.parts, (*tablePart).hasHist) {
		return nil, fmt.Errorf("%w: outcomes or stop-and-search files are among them", ErrRestate)
	}
	want, err := reviseUnits(base, units)
	if err != nil {
		return nil, err
	}
	revCrimes, err := restateUnits(base, rev)
	if err != nil {
		return nil, err
	}
	for u := range revCrimes {
		if _, ok := want[u]; !ok {
			return nil, fmt.Errorf("%w: the files hold crimes of %s %v, not among their force-months", ErrRestate, base.forces.Term(int(u.force)).Slug, base.months[u.month])
		}
	}
	old := base.unitCrimes(want)
	if sameCounts(old, revCrimes, want) {
		// Most often only outcomes moved on: restated, the dataset shares
		// every column but the outcomes, whatever the parts' size.
		if ds, err := Restate(base, rev); !errors.Is(err, ErrRestate) {
			return ds, err
		}
	}
	if err := revisableParts(base, want); err != nil {
		return nil, err
	}
	m, err := newRestateMap(base, rev, false)
	if err != nil {
		return nil, err
	}
	r := &revision{base: base, rev: rev, m: m, old: old, ctxID: base.contextIDs()}
	if err := r.collect(want, revCrimes); err != nil {
		return nil, err
	}
	return r.apply()
}

// MaxRevisedShare bounds the parts Revise makes again in place: a part
// holding more than this share of a dataset's crimes (and more than
// minRevisedLimit) is not, since the dataset would then hold it twice
// until the swap, beyond the peak a reload may take (at 90M, the months
// before the latest 36 hold 70M crimes, 2.5 GB of columns and IDs); the
// caller reads the files instead.
const MaxRevisedShare = 1.0 / 3

// minRevisedLimit is the fewest crimes MaxRevisedShare allows a part, so
// that a dataset of a year or two in one piece is revised in place; a
// variable for the tests.
var minRevisedLimit = 8 << 20

// revisableParts checks that the parts holding the force-months of units
// are small enough to be made again (MaxRevisedShare).
func revisableParts(base *Dataset, units map[unit][]CrimeID) error {
	limit := max(int(float64(base.Len())*MaxRevisedShare), minRevisedLimit)
	for u := range units {
		pt := base.parts[base.partOfMonth(u.month)]
		if n := len(pt.month); n > limit {
			return fmt.Errorf("%w: %v is in a part of %d crimes, more than %d to make again", ErrRestate, base.months[u.month], n, limit)
		}
	}
	return nil
}

// sameCounts reports whether each force-month of units has as many crimes
// in old as in revised.
func sameCounts(old, revised, units map[unit][]CrimeID) bool {
	for u := range units {
		if len(old[u]) != len(revised[u]) {
			return false
		}
	}
	return true
}

// reviseUnits returns the force-months of units as base numbers them,
// each of a month and force base holds.
func reviseUnits(base *Dataset, units []Unit) (map[unit][]CrimeID, error) {
	out := make(map[unit][]CrimeID, len(units))
	for _, u := range units {
		mi, ok := slices.BinarySearch(base.months, u.Month)
		if !ok {
			return nil, fmt.Errorf("%w: month %v is not in the dataset", ErrRestate, u.Month)
		}
		f, ok := base.forces.BySlug(u.Force)
		if !ok {
			return nil, fmt.Errorf("%w: force %q is not in the dataset", ErrRestate, u.Force)
		}
		out[unit{mi, Force(f)}] = nil
	}
	return out, nil
}

// contextIDs returns the string id of each context a crime of d has.
func (d *Dataset) contextIDs() map[string]uint32 {
	out := map[string]uint32{}
	for _, pt := range d.parts {
		for _, s := range pt.ctx {
			out[d.strs[s]] = s
		}
	}
	return out
}

// revision is the work of Revise.
type revision struct {
	base, rev *Dataset
	m         *restateMap
	ctxID     map[string]uint32
	old       map[unit][]CrimeID // base's crimes of each revised force-month
	// The revised force-months and their new crimes, by part.
	byPart map[int][]unit
	newOf  map[int][]newCrime
	rank   []uint16 // forceRanks
}

// newCrime is a crime of a revised force-month as base's columns hold it.
type newCrime struct {
	u     unit
	p     PointID // base's; NoPoint without a location
	cat   Category
	out   Outcome
	hasID bool
	id    crimeID
	other string
	ctx   uint32
	hasCx bool
	key   uint32 // the crime's place in its point's run: month<<16 | force rank
	rc    CrimeID
}

// collect maps rev's crimes to base's terms and points, and checks that
// replacing them changes nothing but the force-months' crimes.
func (r *revision) collect(want map[unit][]CrimeID, revCrimes map[unit][]CrimeID) error {
	base, rev, m := r.base, r.rev, r.m
	r.rank = base.forceRanks()
	rank := r.rank
	r.byPart, r.newOf = map[int][]unit{}, map[int][]newCrime{}
	counts := slices.Clone(base.monthsCrimes())
	units := slices.SortedFunc(maps.Keys(want), func(a, b unit) int {
		return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(rank[a.force], rank[b.force]))
	})
	for _, u := range units {
		name := fmt.Sprintf("%s %v", base.forces.Term(int(u.force)).Slug, base.months[u.month])
		k := base.partOfMonth(u.month)
		r.byPart[k] = append(r.byPart[k], u)
		key := uint32(u.month)<<16 | uint32(rank[u.force])
		r.newOf[k] = slices.Grow(r.newOf[k], len(revCrimes[u]))
		for _, rc := range revCrimes[u] {
			nc := newCrime{u: u, p: NoPoint, key: key, rc: rc}
			if rp := rev.PointOf(rc); rp != NoPoint {
				if nc.p = m.points[rp]; nc.p == NoPoint {
					return fmt.Errorf("%w: %s has a crime at %s, a place the dataset has none at", ErrRestate, name, rev.PointStreet(rp))
				}
				if base.firstMonthOf(nc.p) > u.month {
					return fmt.Errorf("%w: %s has a crime at %s, a place first used in a later month", ErrRestate, name, rev.PointStreet(rp))
				}
			}
			nc.cat = m.cats[rev.Category(rc)]
			ro := rev.Outcome(rc)
			if !m.hasOut[ro] {
				return fmt.Errorf("%w: %s has the outcome %q, which the dataset has not", ErrRestate, name, rev.outcomes.Term(int(ro)).Name)
			}
			nc.out = m.outcomes[ro]
			pt, i := rev.at(rc)
			if x, ok := pt.idIndex(i); ok {
				nc.hasID, nc.id = true, pt.ids[x]
			} else {
				nc.other = pt.other[i]
			}
			if s, ok := pt.ctx[i]; ok {
				id, known := r.ctxID[rev.strs[s]]
				if !known {
					return fmt.Errorf("%w: %s has the context %q, which no crime of the dataset has", ErrRestate, name, rev.strs[s])
				}
				nc.ctx, nc.hasCx = id, true
			}
			r.newOf[k] = append(r.newOf[k], nc)
		}
		counts[u.month] += len(revCrimes[u]) - len(r.old[u])
	}
	for mi, n := range counts {
		if n == 0 {
			return fmt.Errorf("%w: %v would have no crimes", ErrRestate, base.months[mi])
		}
	}
	return nil
}

// forceRanks returns each force's rank among the forces by slug, the
// order of a month's force files (Unit.Force), which is the order of a
// point's crimes of a month.
func (d *Dataset) forceRanks() []uint16 {
	n := d.forces.Len()
	order := make([]int, n)
	for f := range order {
		order[f] = f
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(d.forces.Term(a).Slug, d.forces.Term(b).Slug) })
	rank := make([]uint16, n)
	for r, f := range order {
		rank[f] = uint16(r)
	}
	return rank
}

// partOfMonth returns the index of the part holding month index mi.
func (d *Dataset) partOfMonth(mi int) int {
	for k, pt := range d.parts {
		if mi >= pt.mFirst && mi <= pt.mLast {
			return k
		}
	}
	return len(d.parts) - 1
}

// firstMonthOf returns the month index of point p's first crime.
func (d *Dataset) firstMonthOf(p PointID) int {
	for _, pt := range d.parts {
		if int(p) < pt.points() && pt.ptStart[p+1] > pt.ptStart[p] {
			return int(pt.month[pt.ptStart[p]])
		}
	}
	return len(d.months)
}

// apply makes the revised dataset. The outcome histories the new crimes
// take and the sums of the crimes replaced are worked out beside the
// copy of the parts' columns, which waits on memory more than on a core.
func (r *revision) apply() (*Dataset, error) {
	base := r.base
	nd := *base
	nd.parts = slices.Clone(base.parts)
	nd.laterFound, nd.laterOn, nd.later = nil, nil, nil
	var old []CrimeID
	for _, cs := range r.old {
		old = append(old, cs...)
	}
	var oldSums versionSums
	transferred := make(chan *transfer, 1)
	go func() {
		oldSums = sumsOf(base, old)
		transferred <- r.transfers()
	}()
	var t *transfer
	shift := uint32(0)
	var placed []CrimeID // the new crimes in nd
	var news []*newCrime // theirs, in the same order
	for k, pt := range base.parts {
		if shift != 0 {
			nd.parts[k] = pt.rebased(pt.lo+shift, 0)
		}
		if _, ok := r.byPart[k]; !ok {
			continue
		}
		np, at, lsoa, err := r.splice(k, func() *transfer {
			if t == nil {
				t = <-transferred
			}
			return t
		})
		if err != nil {
			if t == nil {
				<-transferred
			}
			return nil, err
		}
		nd.relabel(r.rev, lsoa)
		np.lo = pt.lo + shift
		shift += uint32(len(np.month)) - uint32(len(pt.month))
		nd.parts[k] = np
		for j, i := range at {
			placed = append(placed, CrimeID(np.lo+i))
			news = append(news, &r.newOf[k][j])
		}
	}
	if t == nil {
		t = <-transferred
	}
	nd.tablePart = nil
	if len(nd.parts) == 1 {
		nd.tablePart = nd.parts[0]
	}
	nd.monthCrimes = slices.Clone(base.monthsCrimes())
	for u, cs := range r.old {
		nd.monthCrimes[u.month] -= len(cs)
	}
	for _, nc := range news {
		nd.monthCrimes[nc.u.month]++
	}
	nd.latest = latestOf(nd.monthCrimes, nd.months)
	nd.unmatched = t.unmatched
	sums := base.layoutFreeSums()
	sums.sub(oldSums)
	sums.add(sumsOf(&nd, placed))
	nd.sums = &sums
	nd.version = nd.versionFrom(sums)
	nd.extendLevels(base, base)
	nd.revised = &Revision{base: weak.Make(base), Changes: make([]CountChange, 0, len(old)+len(placed))}
	for _, c := range old {
		pt, i := base.at(c)
		nd.revised.Changes = append(nd.revised.Changes, CountChange{Point: base.PointOf(c), Month: base.months[pt.month[i]], Category: pt.cat[i], Delta: -1})
	}
	for _, nc := range news {
		nd.revised.Changes = append(nd.revised.Changes, CountChange{Point: nc.p, Month: base.months[nc.u.month], Category: nc.cat, Delta: 1})
	}
	for k := range r.byPart {
		pt := base.parts[k]
		var changes []CountChange
		for _, ch := range nd.revised.Changes {
			if ch.Month >= base.months[pt.mFirst] && ch.Month <= base.months[pt.mLast] {
				changes = append(changes, ch)
			}
		}
		noteCubes(nd.parts[k], pt, changes)
	}
	return &nd, nil
}

// sumsOf returns the part of d's version sums of crimes cs (crimeSumOf),
// on every core.
func sumsOf(d *Dataset, cs []CrimeID) versionSums {
	workers := parallel.Cores(len(cs) / 4096)
	part := make([]versionSums, workers)
	parallel.Run(workers, func(w int) {
		for _, c := range cs[len(cs)*w/workers : len(cs)*(w+1)/workers] {
			part[w].add(d.crimeSumOf(c))
		}
	})
	var s versionSums
	for _, x := range part {
		s.add(x)
	}
	return s
}

// relabel gives each point of lsoa the LSOA of rev's point, in copies of
// the LSOA columns and strings.
func (d *Dataset) relabel(rev *Dataset, lsoa []newLSOA) {
	if len(lsoa) == 0 {
		return
	}
	d.ptLSOACode, d.ptLSOAName = slices.Clone(d.ptLSOACode), slices.Clone(d.ptLSOAName)
	d.strs = slices.Clip(d.strs)
	for _, x := range lsoa {
		d.ptLSOACode[x.p] = uint32(len(d.strs))
		d.ptLSOAName[x.p] = uint32(len(d.strs) + 1)
		d.strs = append(d.strs, rev.strs[rev.ptLSOACode[x.rp]], rev.strs[rev.ptLSOAName[x.rp]])
	}
	d.catalogued = false
}

// sub takes the sums of a set of crimes, histories and stops away.
func (s *versionSums) sub(o versionSums) {
	s.crimes -= o.crimes
	s.hist -= o.hist
	s.stops -= o.stops
	s.nCrimes -= o.nCrimes
	s.nHist -= o.nHist
	s.nStops -= o.nStops
}

// crimeSumOf returns crime c's part of the version's sums: its hash, its
// Crime ID kept as text and context, and its history entries.
func (d *Dataset) crimeSumOf(c CrimeID) versionSums {
	pt, i := d.at(c)
	key := d.crimeKeyOf(c)
	var s versionSums
	var id crimeID
	bit := uint64(0)
	if k, ok := pt.idIndex(i); ok {
		id, bit = pt.ids[k], 1
	}
	s.crimes += crimeHash(key, &id, bit, pt.cat[i], pt.outcome[i])
	if o, ok := pt.other[i]; ok {
		s.crimes += keyedString(key, tagOtherID, o)
	}
	if x, ok := pt.ctx[i]; ok {
		s.crimes += keyedString(key, tagContext, d.strs[x])
	}
	s.nCrimes++
	for _, ev := range d.OutcomeHistory(c) {
		s.addEntry(key, ev.Month, ev.Outcome)
	}
	return s
}

// Revision is what Revise changed: per crime dropped or added, its point,
// month and type, for what counts them.
type Revision struct {
	Changes []CountChange
	// base is the dataset revised, held weakly: the revised dataset must
	// not keep every dataset before it alive.
	base weak.Pointer[Dataset]
}

// CountChange is a crime taken out of a count (Delta -1) or put in (+1).
type CountChange struct {
	Point    PointID
	Month    Month
	Category Category
	Delta    int
}

// Revises returns what Revise changed to make d from base, or nil when d
// was not made so from base.
func (d *Dataset) Revises(base *Dataset) *Revision {
	if d.revised == nil || d.revised.base != weak.Make(base) {
		return nil
	}
	return d.revised
}

// transfer is the outcome histories of the revised crimes: the entries of
// the crimes replaced, by Crime ID, for the new crimes with their IDs, and
// the rows left unmatched.
type transfer struct {
	byID      map[crimeID][]OutcomeEvent
	byOther   map[string][]OutcomeEvent
	unmatched []laterOutcome
}

// transfers works out the histories the new crimes take and the rows left
// unmatched (see Revise). The IDs are matched by sorting: a force-month's
// crimes, a hundred thousand or so, are sorted quicker than hashed.
func (r *revision) transfers() *transfer {
	base := r.base
	t := &transfer{byID: map[crimeID][]OutcomeEvent{}, byOther: map[string][]OutcomeEvent{}}
	replaced := func(c CrimeID) bool {
		pt, i := base.at(c)
		_, ok := r.old[unit{int(pt.month[i]), pt.force[i]}]
		return ok
	}
	// others returns the history of a crime other than the replaced with
	// the ID, and whether there is one.
	others := func(s string) ([]OutcomeEvent, bool) {
		for _, c := range base.CrimesByPersistentID(s) {
			if !replaced(c) {
				return base.OutcomeHistory(c), true
			}
		}
		return nil, false
	}
	type held struct {
		id crimeID
		c  CrimeID
	}
	byID := func(a, b held) int { return slices.Compare(a.id[:], b.id[:]) }
	// The replaced crimes' 64-hex IDs, sorted, and their other IDs.
	var oldIDs []held
	oldOther := map[string][]OutcomeEvent{}
	for _, cs := range r.old {
		for _, c := range cs {
			pt, i := base.at(c)
			if k, ok := pt.idIndex(i); ok {
				oldIDs = append(oldIDs, held{pt.ids[k], c})
			} else if o := pt.other[i]; o != "" {
				oldOther[o] = base.OutcomeHistory(c)
			}
		}
	}
	slices.SortFunc(oldIDs, byID)
	var newIDs []crimeID
	newOther := map[string]bool{}
	for _, cs := range r.newOf {
		for j := range cs {
			if nc := &cs[j]; nc.hasID {
				newIDs = append(newIDs, nc.id)
			} else if nc.other != "" {
				newOther[nc.other] = true
			}
		}
	}
	slices.SortFunc(newIDs, func(a, b crimeID) int { return slices.Compare(a[:], b[:]) })
	newIDs = slices.Compact(newIDs)
	// A new crime takes the history of a replaced crime with its ID (all
	// crimes with an ID have the rows naming it), else of another crime
	// with it; histories are kept only where there are entries.
	i := 0
	for _, id := range newIDs {
		for i < len(oldIDs) && slices.Compare(oldIDs[i].id[:], id[:]) < 0 {
			i++
		}
		var h []OutcomeEvent
		if i < len(oldIDs) && oldIDs[i].id == id {
			h = base.OutcomeHistory(oldIDs[i].c)
		} else {
			h, _ = others(fmt.Sprintf("%x", id[:]))
		}
		if len(h) > 0 {
			t.byID[id] = h
		}
	}
	for o := range newOther {
		if h, ok := oldOther[o]; ok {
			t.byOther[o] = h
		} else if h, ok := others(o); ok {
			t.byOther[o] = h
		}
	}
	hasNew := func(id crimeID) bool {
		_, ok := slices.BinarySearchFunc(newIDs, id, func(a, b crimeID) int { return slices.Compare(a[:], b[:]) })
		return ok
	}
	// Rows that matched no crime before and name a new crime's ID now
	// join it, as a build in one piece joins them.
	for _, lr := range base.unmatched {
		ev := OutcomeEvent{Month: lr.month, Outcome: lr.outcome}
		switch {
		case lr.other == "" && hasNew(lr.id):
			t.byID[lr.id] = append(t.byID[lr.id], ev)
		case lr.other != "" && newOther[lr.other]:
			t.byOther[lr.other] = append(t.byOther[lr.other], ev)
		default:
			t.unmatched = append(t.unmatched, lr)
		}
	}
	// The rows of a replaced crime whose ID no crime has now match
	// nothing.
	orphan := func(id crimeID, other string, h []OutcomeEvent) {
		if len(h) == 0 {
			return
		}
		s := other
		if other == "" {
			s = fmt.Sprintf("%x", id[:])
		}
		if _, ok := others(s); ok {
			return
		}
		for _, ev := range h {
			t.unmatched = append(t.unmatched, laterOutcome{id: id, other: other, month: ev.Month, outcome: ev.Outcome})
		}
	}
	for k, x := range oldIDs {
		if (k == 0 || oldIDs[k-1].id != x.id) && !hasNew(x.id) {
			orphan(x.id, "", base.OutcomeHistory(x.c))
		}
	}
	for _, o := range slices.Sorted(maps.Keys(oldOther)) {
		if !newOther[o] {
			orphan(crimeID{}, o, oldOther[o])
		}
	}
	return t
}

// spliced is a run of a part's crimes kept in place (new < 0: crimes
// [from, to) of the old part) or a new crime (the part's news[new]).
type spliced struct {
	from, to uint32
	new      int32
}

// splice returns part k of base with the revised force-months' crimes
// replaced, the positions of the new crimes in it, in order of r.newOf[k],
// and the points whose LSOA changes; transfers gives the histories the new
// crimes take. Its lo is left for the caller.
func (r *revision) splice(k int, transfers func() *transfer) (*tablePart, []uint32, []newLSOA, error) {
	base := r.base
	pt := base.parts[k]
	news := r.newOf[k]
	rank := r.rank
	nf := base.forces.Len()
	drop := make([]bool, len(base.months)*nf)
	for _, u := range r.byPart[k] {
		drop[u.month*nf+int(u.force)] = true
	}
	npt := uint32(pt.points())
	n := uint32(len(pt.month))
	// The touched points, the part's crimes without a location as point
	// npt, and the new crimes sorted by point, then as a point's run
	// orders them.
	at := func(nc *newCrime) uint32 {
		if nc.p == NoPoint {
			return npt
		}
		return uint32(nc.p)
	}
	// news are in the order of their force-months (month, then force
	// slug: collect takes them so), each in row order, so a stable sort by
	// point puts them in the order a build places them.
	order := stableOrder(len(news), func(j int) uint32 { return at(&news[j]) })
	touched := make([]uint32, 0, len(news))
	for _, j := range order {
		touched = append(touched, at(&news[j]))
	}
	for _, u := range r.byPart[k] {
		for _, c := range r.old[u] {
			i := uint32(c) - pt.lo
			if i >= pt.located() {
				touched = append(touched, npt)
			} else {
				touched = append(touched, uint32(base.PointOf(c)))
			}
		}
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	span := func(p uint32) (uint32, uint32) {
		if p == npt {
			return pt.located(), n
		}
		return pt.ptStart[p], pt.ptStart[p+1]
	}
	var segs []spliced
	var lsoa []newLSOA
	run := func(from, to uint32) {
		if from < to {
			segs = append(segs, spliced{from, to, -1})
		}
	}
	delta := make([]int, len(touched))
	cur, j := uint32(0), 0
	for x, p := range touched {
		s, e := span(p)
		run(cur, s)
		before := len(segs)
		from := s
		for i := s; i < e; i++ {
			if drop[int(pt.month[i])*nf+int(pt.force[i])] {
				run(from, i)
				from = i + 1
				continue
			}
			key := uint32(pt.month[i])<<16 | uint32(rank[pt.force[i]])
			if j < len(order) && at(&news[order[j]]) == p && news[order[j]].key < key {
				run(from, i)
				from = i
				for ; j < len(order) && at(&news[order[j]]) == p && news[order[j]].key < key; j++ {
					segs = append(segs, spliced{new: order[j]})
				}
			}
		}
		run(from, e)
		for ; j < len(order) && at(&news[order[j]]) == p; j++ {
			segs = append(segs, spliced{new: order[j]})
		}
		if p != npt && base.firstMonthOf(PointID(p)) >= pt.mFirst {
			// The point's first crime is here: it orders the catalogue
			// and gives the point its LSOA.
			if err := r.firstCrime(PointID(p), s, segs[before:], news, &lsoa); err != nil {
				return nil, nil, nil, err
			}
		}
		size := 0
		for _, sg := range segs[before:] {
			if sg.new < 0 {
				size += int(sg.to - sg.from)
			} else {
				size++
			}
		}
		delta[x] = size - int(e-s)
		cur = e
	}
	run(cur, n)

	np := &tablePart{mFirst: pt.mFirst, mLast: pt.mLast, cubes: new(hexCubes), byForceMonth: new(forceMonths)}
	total := 0
	for _, sg := range segs {
		if sg.new < 0 {
			total += int(sg.to - sg.from)
		} else {
			total++
		}
	}
	np.ptStart = make([]uint32, len(pt.ptStart))
	acc, x := 0, 0
	for p := range pt.ptStart {
		np.ptStart[p] = uint32(int(pt.ptStart[p]) + acc)
		if x < len(touched) && touched[x] == uint32(p) {
			acc += delta[x]
			x++
		}
	}
	np.month = make([]uint8, total)
	np.cat = make([]Category, total)
	np.force = make([]Force, total)
	np.outcome = make([]Outcome, total)
	np.ordLow = make([]uint16, total)
	np.hasID = make([]uint64, (total+63)/64)
	np.other, np.ctx = map[uint32]string{}, map[uint32]uint32{}
	newAt := make([]uint32, len(news))
	// The segments' places in the new part, and the runs kept, for where
	// (below). A long run is copied in pieces, a core to a piece: the part
	// is hundreds of megabytes, most of it Crime IDs, and one copy of a
	// run would also hold off the collector, which cannot stop a copy.
	type piece struct {
		sg     spliced
		o, oid uint32 // where it goes, crimes and IDs
	}
	const pieceLen = 1 << 18
	var pieces []piece
	starts := make([]uint32, 0, len(segs))
	runs := make([]spliced, 0, len(segs))
	o, oid := uint32(0), uint32(0)
	for _, sg := range segs {
		if sg.new >= 0 {
			pieces = append(pieces, piece{sg, o, oid})
			newAt[sg.new] = o
			if news[sg.new].hasID {
				oid++
			}
			o++
			continue
		}
		starts, runs = append(starts, o), append(runs, sg)
		for from := sg.from; from < sg.to; from += pieceLen {
			to := min(from+pieceLen, sg.to)
			pieces = append(pieces, piece{spliced{from, to, -1}, o, oid})
			o, oid = o+to-from, oid+uint32(pt.idsBefore(int(to))-pt.idsBefore(int(from)))
		}
	}
	np.ids = make([]crimeID, oid)
	parallel.Each(len(pieces), func(k int) {
		pc := &pieces[k]
		if pc.sg.new >= 0 {
			nc := &news[pc.sg.new]
			np.month[pc.o], np.cat[pc.o], np.force[pc.o], np.outcome[pc.o] = uint8(nc.u.month), nc.cat, nc.u.force, nc.out
			if nc.hasID {
				np.ids[pc.oid] = nc.id
			}
			return
		}
		from, to := pc.sg.from, pc.sg.to
		copy(np.month[pc.o:], pt.month[from:to])
		copy(np.cat[pc.o:], pt.cat[from:to])
		copy(np.force[pc.o:], pt.force[from:to])
		copy(np.outcome[pc.o:], pt.outcome[from:to])
		copy(np.ordLow[pc.o:], pt.ordLow[from:to])
		copy(np.ids[pc.oid:], pt.ids[pt.idsBefore(int(from)):pt.idsBefore(int(to))])
	})
	// The bits share words across pieces: set in one pass.
	for _, pc := range pieces {
		if pc.sg.new < 0 {
			copyBits(np.hasID, pc.o, pt.hasID, pc.sg.from, pc.sg.to-pc.sg.from)
			continue
		}
		nc := &news[pc.sg.new]
		if nc.hasID {
			np.hasID[pc.o/64] |= 1 << (pc.o % 64)
		} else if nc.other != "" {
			np.other[pc.o] = nc.other
		}
		if nc.hasCx {
			np.ctx[pc.o] = nc.ctx
		}
	}
	np.idRank = idRanks(np.hasID)
	where := func(i uint32) (uint32, bool) {
		x := sort.Search(len(runs), func(x int) bool { return runs[x].to > i })
		if x == len(runs) || runs[x].from > i {
			return 0, false
		}
		return starts[x] + i - runs[x].from, true
	}
	for i, s := range pt.other {
		if p, ok := where(i); ok {
			np.other[p] = s
		}
	}
	for i, s := range pt.ctx {
		if p, ok := where(i); ok {
			np.ctx[p] = s
		}
	}
	// Histories: the kept crimes' entries at their new places, the new
	// crimes' from their IDs.
	var rows []histRow
	pt.eachHist(base.months, func(c uint32, e histEntry) {
		if p, ok := where(c); ok {
			rows = append(rows, histRow{crime: p, month: e.month(), outcome: e.outcome()})
		}
	})
	for _, h := range pt.histMore {
		if p, ok := where(h.crime); ok {
			rows = append(rows, histRow{crime: p, month: h.month, outcome: h.outcome})
		}
	}
	t := transfers()
	for j := range news {
		nc := &news[j]
		var h []OutcomeEvent
		switch {
		case nc.hasID:
			h = t.byID[nc.id]
		case nc.other != "":
			h = t.byOther[nc.other]
		}
		for _, ev := range h {
			rows = append(rows, histRow{crime: newAt[j], month: ev.Month, outcome: ev.Outcome})
		}
	}
	np.packHist(sortHist(rows), base.months)
	// The counts by force and month: the old part's, the revised
	// force-months' counted again.
	counts := slices.Clone(pt.forceMonthCounts())
	for _, u := range r.byPart[k] {
		if int(u.force) >= len(counts) {
			counts = append(counts, make([][]int, int(u.force)+1-len(counts))...)
		}
		counts[u.force] = slices.Clone(counts[u.force])
		if counts[u.force] == nil {
			counts[u.force] = make([]int, pt.mLast-pt.mFirst+1)
		}
		counts[u.force][u.month-pt.mFirst] = 0
	}
	for j := range news {
		counts[news[j].u.force][news[j].u.month-pt.mFirst]++
	}
	for f, byMonth := range counts {
		if byMonth != nil && !slices.ContainsFunc(byMonth, func(n int) bool { return n != 0 }) {
			counts[f] = nil
		}
	}
	np.byForceMonth.once.Do(func() { np.byForceMonth.n = counts })
	// Ordinals and public-id samples: a kept crime keeps its ordinal, and
	// its force-month's samples move with it; the revised force-months are
	// numbered again. The ID index is made again from the columns.
	tmp := &Dataset{months: base.months, forceKey: base.forceKey, tablePart: np}
	r.renumber(pt, np, news, newAt, where)
	tmp.markBigUnits()
	np.buildIDIndex(tmp.idBuckets())
	return np, newAt, lsoa, nil
}

// renumber gives np, part pt with the revised force-months' crimes
// replaced, its ordinals and samples (see buildCrimeIDs) from pt's: the
// new crimes, at newAt, are numbered in position order within their
// force-month, and the kept force-months' samples are moved to their
// crimes' places (where).
func (r *revision) renumber(pt, np *tablePart, news []newCrime, newAt []uint32, where func(uint32) (uint32, bool)) {
	base := r.base
	keyOf := func(u unit) uint32 {
		return uint32(base.months[u.month])<<forceBits | uint32(base.forceKey[u.force])
	}
	// The new crimes of each revised force-month, in position order.
	fresh := map[uint32][]uint32{}
	for _, u := range r.byPart[slices.Index(base.parts, pt)] {
		fresh[keyOf(u)] = nil
	}
	for j := range news {
		k := keyOf(news[j].u)
		fresh[k] = append(fresh[k], newAt[j])
	}
	keys := slices.Clone(pt.unitKey)
	for k := range fresh {
		if _, ok := slices.BinarySearch(pt.unitKey, k); !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	np.unitKey = make([]uint32, 0, len(keys))
	np.unitSampleStart = make([]uint32, 1, len(keys)+1)
	np.unitSample = make([]uint32, 0, len(pt.unitSample))
	for _, k := range keys {
		if at, ok := fresh[k]; ok {
			if len(at) == 0 {
				continue
			}
			slices.Sort(at)
			for o, c := range at {
				np.ordLow[c] = uint16(o)
				if o%sampleEvery == 0 {
					np.unitSample = append(np.unitSample, c)
				}
			}
		} else {
			u, _ := slices.BinarySearch(pt.unitKey, k)
			for _, c := range pt.unitSample[pt.unitSampleStart[u]:pt.unitSampleStart[u+1]] {
				p, _ := where(c)
				np.unitSample = append(np.unitSample, p)
			}
		}
		np.unitKey = append(np.unitKey, k)
		np.unitSampleStart = append(np.unitSampleStart, uint32(len(np.unitSample)))
	}
}

// newLSOA is a point whose first crime is now a revised crime, which gives
// it the LSOA of rev's point rp.
type newLSOA struct{ p, rp PointID }

// firstCrime checks that point p, whose first crime is at s in the part,
// keeps its first month and its LSOA once its run is segs: its first crime
// the same, or a new crime of that month, whose LSOA it then takes when
// rev's point has it from that crime.
func (r *revision) firstCrime(p PointID, s uint32, segs []spliced, news []newCrime, lsoa *[]newLSOA) error {
	where := fmt.Sprintf("the place %s", r.base.PointStreet(p))
	if len(segs) == 0 {
		return fmt.Errorf("%w: %s would lose its first crimes", ErrRestate, where)
	}
	first := segs[0]
	if first.new < 0 {
		if first.from != s {
			return fmt.Errorf("%w: %s would have another first crime", ErrRestate, where)
		}
		return nil
	}
	nc := &news[first.new]
	if nc.u.month != r.base.firstMonthOf(p) {
		return fmt.Errorf("%w: %s would have another first month", ErrRestate, where)
	}
	rev := r.rev
	rp := rev.PointOf(nc.rc)
	if pr, i := rev.at(nc.rc); pr.ptStart[rp] != i {
		return fmt.Errorf("%w: %s would take its LSOA from a crime not first at its place in the files", ErrRestate, where)
	}
	if rev.strs[rev.ptLSOACode[rp]] != r.base.strs[r.base.ptLSOACode[p]] || rev.strs[rev.ptLSOAName[rp]] != r.base.strs[r.base.ptLSOAName[p]] {
		*lsoa = append(*lsoa, newLSOA{p, rp})
	}
	return nil
}

// stableOrder returns 0..n-1 sorted stably by key: an LSD radix sort, 16
// bits at a time.
func stableOrder(n int, key func(j int) uint32) []int32 {
	keys := make([]uint32, n)
	src, dst := make([]int32, n), make([]int32, n)
	for j := range n {
		keys[j], src[j] = key(j), int32(j)
	}
	count := make([]int, 1<<16+1)
	for shift := 0; shift < 32; shift += 16 {
		clear(count)
		for _, k := range keys {
			count[k>>shift&0xFFFF+1]++
		}
		for d := 1; d < len(count); d++ {
			count[d] += count[d-1]
		}
		for _, j := range src {
			d := keys[j] >> shift & 0xFFFF
			dst[count[d]] = j
			count[d]++
		}
		src, dst = dst, src
	}
	return src
}

// copyBits copies n bits of src from bit from to dst from bit to; dst's
// bits there are zero.
func copyBits(dst []uint64, to uint32, src []uint64, from, n uint32) {
	for n > 0 {
		// As many bits as fit in the rest of both words.
		k := min(n, 64-from%64, 64-to%64)
		v := src[from/64] >> (from % 64)
		if k < 64 {
			v &= 1<<k - 1
		}
		dst[to/64] |= v << (to % 64)
		from, to, n = from+k, to+k, n-k
	}
}

// Moved returns a copy of k with each change of a month k counts taken in:
// the counts of every crime, by type and month, of a dataset revised
// (Revise) from the dataset k counts, where k counts every crime of its
// months.
func (k Counts) Moved(changes []CountChange) Counts {
	out := k
	out.cells = slices.Clone(k.cells)
	for _, ch := range changes {
		if m, ok := slices.BinarySearch(k.Months, ch.Month); ok && int(ch.Category) < k.NumCategories {
			out.cells[int(ch.Category)*len(k.Months)+m] += ch.Delta
			out.Total += ch.Delta
		}
	}
	return out
}

// cubeRevisions maps the cube slots of a part Revise made again to what
// its counts by cell, month and type can be worked out from: the cubes of
// the part it replaced, as far as they were built, and the crimes taken
// out and put in. A revised part's cubes are then a copy with a few cells
// changed rather than a count of its millions of crimes, which took about
// 7 s of a core for the latest 36 months at 90M. The entry goes when the
// part is collected.
var cubeRevisions sync.Map // weak.Pointer[hexCubes] -> *cubeRevision

type cubeRevision struct {
	old     *hexCubes
	changes []CountChange
	mu      sync.Mutex
	left    int // resolutions of old built and not yet worked out
}

// noteCubes records, for np made again from pt with changes, how np's
// cubes can be worked out from pt's.
func noteCubes(np, pt *tablePart, changes []CountChange) {
	left := 0
	for r := range pt.cubes.built {
		if pt.cubes.built[r].Load() != nil {
			left++
		}
	}
	if left == 0 {
		return
	}
	key := weak.Make(np.cubes)
	cubeRevisions.Store(key, &cubeRevision{old: pt.cubes, changes: changes, left: left})
	runtime.AddCleanup(np.cubes, func(k weak.Pointer[hexCubes]) { cubeRevisions.Delete(k) }, key)
}

// revisedCube returns part pt's counts at resolution res on level lv from
// the cube of the part it was made again from (noteCubes), or nil when pt
// was not made so or that cube was not built on the same cells.
func revisedCube(pt *tablePart, lv *hexLevel, res int) *hexCube {
	v, ok := cubeRevisions.Load(weak.Make(pt.cubes))
	if !ok {
		return nil
	}
	cr := v.(*cubeRevision)
	old := cr.old.built[res].Load()
	if old == nil {
		return nil
	}
	defer func() {
		// Once every cube the old part had is worked out, the old cubes
		// are let go.
		cr.mu.Lock()
		defer cr.mu.Unlock()
		if cr.left--; cr.left == 0 {
			cubeRevisions.Delete(weak.Make(pt.cubes))
		}
	}()
	if !slices.Equal(old.cells, lv.cells) {
		return nil
	}
	// The net change of each cell and key, cell<<32 | key, ascending.
	net := map[uint64]int{}
	for _, ch := range cr.changes {
		if ch.Point != NoPoint {
			net[uint64(lv.of[ch.Point])<<32|uint64(ch.Month)<<8|uint64(ch.Category)] += ch.Delta
		}
	}
	maps.DeleteFunc(net, func(_ uint64, d int) bool { return d == 0 })
	keys := slices.Sorted(maps.Keys(net))
	nc := len(old.cells)
	c := &hexCube{cells: old.cells, center: old.center, start: make([]uint32, nc+1)}
	c.key = make([]uint32, 0, len(old.key)+len(keys))
	c.n = make([]uint32, 0, len(old.n)+len(keys))
	i := 0 // the next cell to copy
	for x := 0; x < len(keys); {
		cell := int(keys[x] >> 32)
		copyCells(c, old, i, cell)
		// The cell's keys and the changes to them, merged.
		ok, on := old.key[old.start[cell]:old.start[cell+1]], old.n[old.start[cell]:old.start[cell+1]]
		for len(ok) > 0 || x < len(keys) && int(keys[x]>>32) == cell {
			var k uint32
			var n int
			switch {
			case x < len(keys) && int(keys[x]>>32) == cell && (len(ok) == 0 || uint32(keys[x]) <= ok[0]):
				k, n = uint32(keys[x]), net[keys[x]]
				if len(ok) > 0 && ok[0] == k {
					n += int(on[0])
					ok, on = ok[1:], on[1:]
				}
				x++
			default:
				k, n = ok[0], int(on[0])
				ok, on = ok[1:], on[1:]
			}
			if n != 0 {
				c.key, c.n = append(c.key, k), append(c.n, uint32(n))
			}
		}
		c.start[cell+1] = uint32(len(c.key))
		i = cell + 1
	}
	copyCells(c, old, i, nc)
	return c
}

// copyCells appends old's entries of cells [from, to) to c, unchanged.
func copyCells(c, old *hexCube, from, to int) {
	// Offsets wrap alike: uint32 arithmetic is modular.
	shift := uint32(len(c.key)) - old.start[from]
	for i := from; i < to; i++ {
		c.start[i+1] = old.start[i+1] + shift
	}
	c.key = append(c.key, old.key[old.start[from]:old.start[to]]...)
	c.n = append(c.n, old.n[old.start[from]:old.start[to]]...)
}
