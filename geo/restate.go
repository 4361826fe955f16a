package geo

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/paulmach/orb"

	"crimemap/internal/parallel"
)

// ErrRestate marks revised street files that Restate (their crimes' last
// outcomes changed, nothing else) or Revise (their crimes changed within
// their force-months) cannot apply to a dataset in place: they are to be
// read with every other file instead.
var ErrRestate = errors.New("the revised files cannot be applied in place")

// Restate returns base with the last outcome of every crime of rev's
// force-months as rev gives it. rev is built (Builder.Build) from revised
// street files of force-months base holds: data.police.uk publishes a
// force-month's street file again as its crimes' outcomes move on, the
// crimes themselves unchanged. Each force-month's crimes must be in rev as
// in base, point by point in the same order, with the same types, Crime
// IDs and contexts; else Restate fails with an error wrapping ErrRestate.
// The result answers as base's files would with the revised ones in
// their place; it shares everything of base but the outcome column of the
// parts it changes, which are copied. base is not changed.
func Restate(base, rev *Dataset) (*Dataset, error) {
	if rev.stops.len() > 0 || len(rev.later) > 0 || len(rev.unmatched) > 0 || slices.ContainsFunc(rev.parts, (*tablePart).hasHist) {
		return nil, fmt.Errorf("%w: outcomes or stop-and-search files are among them", ErrRestate)
	}
	units, err := restateUnits(base, rev)
	if err != nil {
		return nil, err
	}
	m, err := newRestateMap(base, rev, true)
	if err != nil {
		return nil, err
	}
	baseCrimes := base.unitCrimes(units)
	keys := slices.SortedFunc(maps.Keys(units), func(a, b unit) int {
		if c := cmp.Compare(a.month, b.month); c != 0 {
			return c
		}
		return cmp.Compare(a.force, b.force)
	})
	found := make([][]outcomeChange, len(keys))
	errs := make([]error, len(keys))
	parallel.Each(len(keys), func(k int) {
		u := keys[k]
		found[k], errs[k] = m.matchUnit(u, baseCrimes[u], units[u])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	changes := slices.Concat(found...)
	if len(changes) == 0 {
		return base, nil
	}
	return base.withOutcomes(changes), nil
}

// Restates reports whether d is base, or base with other last outcomes for
// some of its crimes (see Restate): the same parts' crimes and points, the
// outcome columns aside. What was worked out from base's crimes but not
// their outcomes (counts by type and month, clusters, hex cells) then
// holds for d.
func (d *Dataset) Restates(base *Dataset) bool {
	if d == base {
		return true
	}
	if len(d.parts) != len(base.parts) || d.NumPoints() != base.NumPoints() {
		return false
	}
	for k, pt := range d.parts {
		o := base.parts[k]
		if pt.lo != o.lo || pt.mFirst != o.mFirst || len(pt.cat) != len(o.cat) || len(pt.cat) > 0 && &pt.cat[0] != &o.cat[0] {
			return false
		}
	}
	return true
}

// unit is a force-month of a dataset: the index of its month in the
// dataset's months, and its force.
type unit struct {
	month int
	force Force
}

// outcomeChange is a new last outcome for a crime.
type outcomeChange struct {
	crime   CrimeID
	outcome Outcome
}

// restateUnits returns rev's crimes by base's force-month, in rev's table
// order, checking that base holds each force-month.
func restateUnits(base, rev *Dataset) (map[unit][]CrimeID, error) {
	forces := make([]Force, rev.forces.Len())
	for f := range forces {
		name := rev.forces.Term(f).Name
		bf, ok := base.forces.ByName(name)
		if !ok {
			return nil, fmt.Errorf("%w: force %q is not in the dataset", ErrRestate, name)
		}
		forces[f] = Force(bf)
	}
	units := map[unit][]CrimeID{}
	for c := range CrimeID(rev.Len()) {
		m := rev.Month(c)
		mi, ok := slices.BinarySearch(base.months, m)
		if !ok {
			return nil, fmt.Errorf("%w: month %v is not in the dataset", ErrRestate, m)
		}
		u := unit{mi, forces[rev.Force(c)]}
		units[u] = append(units[u], c)
	}
	return units, nil
}

// unitCrimes returns the crimes of each of the force-months in table
// order, taking each part holding one of their months in one pass.
func (d *Dataset) unitCrimes(units map[unit][]CrimeID) map[unit][]CrimeID {
	out := make(map[unit][]CrimeID, len(units))
	nf := d.forces.Len()
	want := make([]bool, len(d.months)*nf)
	for u := range units {
		want[u.month*nf+int(u.force)] = true
	}
	for _, pt := range d.parts {
		holds := false
		for u := range units {
			holds = holds || (u.month >= pt.mFirst && u.month <= pt.mLast)
		}
		if !holds {
			continue
		}
		for i := range pt.month {
			if want[int(pt.month[i])*nf+int(pt.force[i])] {
				u := unit{int(pt.month[i]), pt.force[i]}
				out[u] = append(out[u], CrimeID(pt.lo+uint32(i)))
			}
		}
	}
	return out
}

// restateMap maps rev's points, crime types and outcomes to base's.
type restateMap struct {
	base, rev *Dataset
	points    []PointID // by rev's point; NoPoint where base has none there
	cats      []Category
	outcomes  []Outcome
	hasOut    []bool
}

// newRestateMap maps rev's terms and points to base's: a point to the one
// at its coordinates with its street, and, with lsoa, its LSOA.
func newRestateMap(base, rev *Dataset, lsoa bool) (*restateMap, error) {
	m := &restateMap{base: base, rev: rev, points: make([]PointID, rev.NumPoints())}
	for c := range rev.categories.Len() {
		name := rev.categories.Term(c).Name
		bc, ok := base.categories.ByName(name)
		if !ok {
			return nil, fmt.Errorf("%w: crime type %q is not in the dataset", ErrRestate, name)
		}
		m.cats = append(m.cats, Category(bc))
	}
	for o := range rev.outcomes.Len() {
		bo, ok := base.outcomes.ByName(rev.outcomes.Term(o).Name)
		m.outcomes, m.hasOut = append(m.outcomes, Outcome(bo)), append(m.hasOut, ok)
	}
	same := func(q Point, bp PointID) bool {
		o := base.Point(bp)
		return o.Lon == q.Lon && o.Lat == q.Lat && o.Street == q.Street && (!lsoa || o.LSOACode == q.LSOACode && o.LSOAName == q.LSOAName)
	}
	if len(m.points) < base.NumPoints()/4 {
		// A force-month or a few: a search of base's tree for each point,
		// on every core.
		workers := parallel.Cores(len(m.points))
		parallel.Run(workers, func(w int) {
			for p := w; p < len(m.points); p += workers {
				m.points[p] = NoPoint
				q := rev.Point(PointID(p))
				base.SearchBound(orb.Bound{Min: orb.Point{q.Lon, q.Lat}, Max: orb.Point{q.Lon, q.Lat}}, func(bp PointID) bool {
					if same(q, bp) {
						m.points[p] = bp
						return false
					}
					return true
				})
			}
		})
		return m, nil
	}
	// Months of files: base's points by their coordinates, looked up,
	// cost less than as many searches (at 90M, the points of 516 files
	// took 5 s of searches; the map is built in about half a second).
	at := make(map[[2]float64][]PointID, base.NumPoints())
	for p := range PointID(base.NumPoints()) {
		k := [2]float64{base.ptLon[p], base.ptLat[p]}
		at[k] = append(at[k], p)
	}
	for p := range m.points {
		m.points[p] = NoPoint
		q := rev.Point(PointID(p))
		for _, bp := range at[[2]float64{q.Lon, q.Lat}] {
			if same(q, bp) {
				m.points[p] = bp
				break
			}
		}
	}
	return m, nil
}

// matchUnit pairs the crimes of force-month u in base with rev's (in rev's
// table order) and returns the outcomes that differ.
func (m *restateMap) matchUnit(u unit, baseCrimes, revCrimes []CrimeID) ([]outcomeChange, error) {
	base, rev := m.base, m.rev
	name := func() string { return fmt.Sprintf("%s %v", base.forces.Term(int(u.force)).Name, base.months[u.month]) }
	if len(baseCrimes) != len(revCrimes) {
		return nil, fmt.Errorf("%w: %s has %d crimes, the dataset %d", ErrRestate, name(), len(revCrimes), len(baseCrimes))
	}
	// base holds a force-month's crimes by point, in point order, and those
	// without a location last; within a point, in the order of their rows.
	// rev's crimes are put in that order by their points in base.
	type placed struct {
		p PointID // in base
		c CrimeID // in rev
	}
	order := make([]placed, len(revCrimes))
	for i, c := range revCrimes {
		p := rev.PointOf(c)
		if p != NoPoint {
			if p = m.points[p]; p == NoPoint {
				return nil, fmt.Errorf("%w: %s has a crime at %s, a place the dataset has none at", ErrRestate, name(), rev.PointStreet(rev.PointOf(c)))
			}
		}
		order[i] = placed{p, c}
	}
	slices.SortStableFunc(order, func(a, b placed) int { return cmp.Compare(a.p, b.p) })
	var changes []outcomeChange
	for i, bc := range baseCrimes {
		rc := order[i].c
		switch {
		case base.PointOf(bc) != order[i].p:
			return nil, fmt.Errorf("%w: %s's crimes are at other places", ErrRestate, name())
		case base.Category(bc) != m.cats[rev.Category(rc)], !sameCrimeID(base, bc, rev, rc), base.Context(bc) != rev.Context(rc):
			return nil, fmt.Errorf("%w: %s's crimes differ in more than outcome", ErrRestate, name())
		}
		ro := rev.Outcome(rc)
		if !m.hasOut[ro] {
			return nil, fmt.Errorf("%w: %s has the outcome %q, which the dataset has not", ErrRestate, name(), rev.outcomes.Term(int(ro)).Name)
		}
		if o := m.outcomes[ro]; o != base.Outcome(bc) {
			changes = append(changes, outcomeChange{bc, o})
		}
	}
	return changes, nil
}

// sameCrimeID reports whether crime a of d and crime b of e have the same
// Crime ID, or both none.
func sameCrimeID(d *Dataset, a CrimeID, e *Dataset, b CrimeID) bool {
	pa, ia := d.at(a)
	pb, ib := e.at(b)
	ka, oka := pa.idIndex(ia)
	kb, okb := pb.idIndex(ib)
	switch {
	case oka != okb:
		return false
	case oka:
		return pa.ids[ka] == pb.ids[kb]
	}
	return pa.other[ia] == pb.other[ib]
}

// withOutcomes returns d with the changes made: the parts they fall in
// copied with a new outcome column, the version's crime sum moved by the
// changed crimes' hashes, and everything else shared.
func (d *Dataset) withOutcomes(changes []outcomeChange) *Dataset {
	nd := *d
	nd.revised = nil
	nd.parts = slices.Clone(d.parts)
	sums := d.layoutFreeSums()
	copied := make([]bool, len(d.parts))
	for _, ch := range changes {
		k := d.partOf(ch.crime)
		if !copied[k] {
			pt := *d.parts[k]
			pt.outcome = slices.Clone(pt.outcome)
			nd.parts[k], copied[k] = &pt, true
		}
		old := d.Outcome(ch.crime)
		pt := nd.parts[k]
		pt.outcome[uint32(ch.crime)-pt.lo] = ch.outcome
		sums.crimes += d.crimeHashOf(ch.crime, ch.outcome) - d.crimeHashOf(ch.crime, old)
	}
	if len(nd.parts) == 1 {
		nd.tablePart = nd.parts[0]
	}
	nd.sums = &sums
	nd.version = nd.versionFrom(sums)
	nd.extendLevels(d, d)
	return &nd
}

// crimeHashOf returns crime c's hash in the version's crime sum were its
// outcome o.
func (d *Dataset) crimeHashOf(c CrimeID, o Outcome) uint64 {
	pt, i := d.at(c)
	var id crimeID
	bit := uint64(0)
	if k, ok := pt.idIndex(i); ok {
		id, bit = pt.ids[k], 1
	}
	return crimeHash(d.crimeKeyOf(c), &id, bit, pt.cat[i], o)
}
