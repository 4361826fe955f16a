package geo

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"crimemap/fault"
	"crimemap/internal/parallel"
)

// Builder gathers batches and builds a Dataset. Batches may be added from
// several goroutines.
type Builder struct {
	mu        sync.Mutex
	street    map[Unit]*StreetBatch
	outcomes  map[Unit]*OutcomeBatch
	stops     map[Unit]*StopBatch
	replaced  []Replacement
	keptOlder []Replacement
	release   bool
}

// ReleaseRows has Build let go of the street batches' rows, and of their
// Interners' lookup tables, as soon as it has used them, so that the
// collector reclaims the parsed load while the dataset is built rather
// than after: for a caller handing its batches over for good, as a load
// does. Build leaves those batches empty, and their Interners take no
// more rows.
func (b *Builder) ReleaseRows() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.release = true
}

// Replacement records a batch that another batch of the same unit
// displaced.
type Replacement struct {
	Kind    string // "street", "outcomes" or "stop-and-search"
	Unit    Unit
	Source  string // the batch dropped
	ByNewer string // the batch kept
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{street: map[Unit]*StreetBatch{}, outcomes: map[Unit]*OutcomeBatch{}, stops: map[Unit]*StopBatch{}}
}

// batchKey is what keep needs of a batch: its load order, its source, and
// whether it holds no rows.
type batchKey struct {
	seq    int
	source string
	empty  bool
}

// keep decides between two batches of one unit: a batch with rows beats an
// empty one, so that a newer copy that is only a header, or whose every row
// was rejected, cannot wipe out a good older copy; otherwise the higher Seq
// wins. The rule is a total order, so the batch kept does not depend on the
// order the batches are added in.
func keep[B any](b *Builder, kind string, m map[Unit]*B, u Unit, nb *B, key func(*B) batchKey) {
	old, ok := m[u]
	if !ok {
		m[u] = nb
		return
	}
	kn, ko := key(nb), key(old)
	win, kw, kl := nb, kn, ko
	if kn.empty && !ko.empty || kn.empty == ko.empty && kn.seq < ko.seq {
		win, kw, kl = old, ko, kn
	}
	m[u] = win
	r := Replacement{kind, u, kl.source, kw.source}
	if kl.empty && !kw.empty && kl.seq > kw.seq {
		b.keptOlder = append(b.keptOlder, r)
		return
	}
	b.replaced = append(b.replaced, r)
}

// AddStreet adds a street batch; of two batches of one unit keep chooses.
func (b *Builder) AddStreet(sb *StreetBatch) error {
	if err := sb.Unit.check(); err != nil {
		return err
	}
	// A crime's id holds its ordinal in its force-month.
	if sb.Len() > maxUnitCrimes {
		return fmt.Errorf("unit %s: %d crimes, more than %d in one force's month", sb.Unit, sb.Len(), maxUnitCrimes)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "street", b.street, sb.Unit, sb, func(x *StreetBatch) batchKey { return batchKey{x.Seq, x.Source, x.Len() == 0} })
	return nil
}

// AddOutcomes adds an outcomes batch; of two batches of one unit keep
// chooses.
func (b *Builder) AddOutcomes(ob *OutcomeBatch) error {
	if err := ob.Unit.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "outcomes", b.outcomes, ob.Unit, ob, func(x *OutcomeBatch) batchKey { return batchKey{x.Seq, x.Source, x.Len() == 0 && x.NoID == 0} })
	return nil
}

// AddStops adds a stop-and-search batch; of two batches of one unit keep
// chooses.
func (b *Builder) AddStops(sb *StopBatch) error {
	if err := sb.Unit.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "stop-and-search", b.stops, sb.Unit, sb, func(x *StopBatch) batchKey { return batchKey{x.Seq, x.Source, len(x.Rows) == 0} })
	return nil
}

// BuildStats summarises a build.
type BuildStats struct {
	Crimes   int
	Located  int
	Points   int
	Replaced []Replacement
	// KeptOlder lists the empty newer batches dropped for an older batch
	// of their unit that has rows (Source the empty one, ByNewer the one
	// kept).
	KeptOlder       []Replacement
	OutcomeRows     int // outcome rows with a Crime ID
	OutcomesJoined  int // of those, rows that matched at least one crime
	OutcomesUnmatch int // rows whose Crime ID matched no crime
	OutcomesNoID    int // rows without a Crime ID
	StopAndSearch   int
	Phases          []Phase // how long each step took
}

// Phase is a step of a load and how long it took.
type Phase struct {
	Name string
	Took time.Duration
}

func unitLess(a, b Unit) int {
	if c := cmp.Compare(a.Month, b.Month); c != 0 {
		return c
	}
	return cmp.Compare(a.Force, b.Force)
}

func sortedUnits[B any](m map[Unit]*B) []*B {
	units := make([]Unit, 0, len(m))
	for u := range m {
		units = append(units, u)
	}
	slices.SortFunc(units, unitLess)
	out := make([]*B, len(units))
	for i, u := range units {
		out[i] = m[u]
	}
	return out
}

// Build builds the Dataset. The result depends only on the batches kept, not
// on the order they were added in.
func (b *Builder) Build() (*Dataset, BuildStats, error) { return b.build(nil) }

// ErrNotLater is the error of BuildOn when a batch is of a month no later
// than every month of the base.
var ErrNotLater = fault.New(fault.Conflict, "a month no later than the base's")

// BuildOn builds the batches, all of months later than base's, as the
// crimes to append to base: its points are base's, with the same ids,
// followed by the points new in these months in the order Build gives
// them; its vocabularies extend base's; its crimes, their ordinals and
// public ids, are those a build of base's batches and these together gives
// these months' crimes. Outcome rows that match none of its crimes are kept
// to be joined to base's. Base is not changed.
func (b *Builder) BuildOn(base *Dataset) (*Dataset, BuildStats, error) {
	if base == nil || base.Len() == 0 {
		return b.build(nil)
	}
	last := base.months[len(base.months)-1]
	b.mu.Lock()
	for _, m := range []map[Unit]bool{keysOf(b.street), keysOf(b.outcomes), keysOf(b.stops)} {
		for u := range m {
			if u.Month <= last {
				b.mu.Unlock()
				return nil, BuildStats{}, fmt.Errorf("%w: unit %s, base up to %s", ErrNotLater, u, last)
			}
		}
	}
	b.mu.Unlock()
	return b.build(base)
}

func keysOf[B any](m map[Unit]*B) map[Unit]bool {
	out := make(map[Unit]bool, len(m))
	for u := range m {
		out[u] = true
	}
	return out
}

// clone returns a copy of v that can grow without changing v.
func (v *Vocab) clone() *Vocab {
	return &Vocab{terms: slices.Clone(v.terms), bySlug: maps.Clone(v.bySlug), byName: maps.Clone(v.byName)}
}

func (b *Builder) build(base *Dataset) (*Dataset, BuildStats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BuildStats{Replaced: slices.Clone(b.replaced), KeptOlder: slices.Clone(b.keptOlder)}
	d := newOnePart(&tablePart{other: map[uint32]string{}, ctx: map[uint32]uint32{}})
	d.categories = newVocab(StandardCategories, categoryAliases)
	d.outcomes = newVocab(StandardOutcomes, nil)
	d.forces = newVocab(StandardForces, forceAliases)
	if base != nil {
		d.categories, d.outcomes, d.forces = base.categories.clone(), base.outcomes.clone(), base.forces.clone()
	}
	t0 := time.Now()
	lap := func(name string) {
		now := time.Now()
		st.Phases = append(st.Phases, Phase{name, now.Sub(t0)})
		t0 = now
	}
	outcomes, stops := sortedUnits(b.outcomes), sortedUnits(b.stops)
	bs := &building{d: d, base: base, batches: sortedUnits(b.street), outcomes: outcomes, stops: stops, release: b.release}
	for _, sb := range bs.batches {
		bs.rows += sb.Len()
	}
	// The outcome rows are the later rows Append joins to the base's
	// crimes (joinOutcomes keeps every row on a base), and need nothing
	// of the build: they are looked up in the base's parts beside it,
	// which keeps a core busy while the build works on one.
	var laterFound chan [][]uint64
	if base != nil && len(outcomes) > 0 {
		laterFound = make(chan [][]uint64, 1)
		go func() { laterFound <- base.findLater(outcomes) }()
	}
	bs.mark()
	// Cells need only the points used, and keep every core busy while
	// the strings are merged on one.
	cells := bs.startCells()
	if err := bs.resolve(); err != nil {
		return nil, st, err
	}
	lap("strings and terms")
	bs.mergePoints()
	if bs.np > MaxPoints {
		return nil, st, fmt.Errorf("%d snap points, more than %d", bs.np, MaxPoints)
	}
	bs.collect()
	lap("points merged and ordered")
	// The R-tree needs only the points, so it is built while the crimes
	// are placed.
	var indexTook time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t0 := time.Now()
		bs.buildTree()
		if base != nil {
			d.extendLocationIDs(base)
		} else {
			d.buildLocationIDs()
		}
		bs.cellsInOrder(cells)
		indexTook = time.Since(t0)
	}()
	parts := bs.parts()
	located, nIDs := bs.starts(parts)
	idStart := bs.gatherIDs(nIDs)
	packed, rank := bs.place(parts, idStart)
	permuteIDs(d.ids, rank)
	bs.collect()
	lap("crimes placed")
	if err := d.columns(packed); err != nil {
		return nil, st, err
	}
	bs.collect()
	idBuckets := d.idBuckets()
	lap("columns")
	// The columns are final, so the crimes are hashed for the version
	// while the ID index is built and outcomes are joined.
	var sums versionSums
	var catalogue uint64
	hashed := make(chan struct{}, 2)
	go func() {
		defer func() { hashed <- struct{}{} }()
		sums = d.crimeSums()
	}()
	go func() {
		defer func() { hashed <- struct{}{} }()
		catalogue = d.catalogueSum()
	}()
	// Forces are numbered here: stops may add forces to the vocabulary
	// while the crimes are numbered.
	d.buildForceKeys()
	numbered := make(chan struct{})
	go func() {
		defer close(numbered)
		d.buildCrimeIDs()
	}()
	d.buildIDIndex(idBuckets)
	lap("ID index")

	d.latest = latestMonth(d.month, d.months)
	st.Crimes, st.Located, st.Points = bs.n, located, bs.np
	d.later, d.unmatched = d.joinOutcomes(outcomes, &st, base != nil)
	n := 0
	for _, sb := range stops {
		n += len(sb.Rows)
	}
	tb := newStopTableBuilder(n)
	for _, sb := range stops {
		f, err := d.forceFor(sb.Unit.Force, nil)
		if err != nil {
			return nil, st, err
		}
		for i := range sb.Rows {
			tb.add(f, sb.Unit.Month, &sb.Rows[i])
		}
	}
	var err error
	if d.stops, err = tb.table(); err != nil {
		return nil, st, err
	}
	st.StopAndSearch = d.stops.len()
	lap("outcomes joined")
	wg.Wait()
	if bs.release {
		// The cells were the last use of the Interners' points.
		bs.tables, bs.tabOf = nil, nil
	}
	lap("waited for the R-tree and H3 cells")
	<-hashed
	<-hashed
	<-numbered
	sums.add(d.histSums())
	sums.add(d.stopSums())
	d.sums = &sums
	d.catalogue, d.catalogued = catalogue, true
	if laterFound != nil {
		d.laterFound, d.laterOn = <-laterFound, base
	}
	d.version = d.versionWith(sums, catalogue)
	d.sealOnePart()
	lap("version")
	st.Phases = append(st.Phases, Phase{"(R-tree and H3 cells, from points merged and ordered on)", indexTook})
	return d, st, nil
}

// forceFor returns the force of a unit, adding it to the vocabulary when the
// id is not a standard one. Its name comes from the batch's "Falls within".
func (d *Dataset) forceFor(id string, sb *StreetBatch) (Force, error) {
	if k, ok := d.forces.BySlug(id); ok {
		return Force(k), nil
	}
	name := id
	if sb != nil && sb.fallsWithin != "" {
		name = sb.fallsWithin
	}
	if d.forces.Len() >= MaxTerms {
		return 0, fmt.Errorf("force %q: more than %d forces", id, MaxTerms)
	}
	return Force(d.forces.add(Term{Slug: id, Name: name})), nil
}

// treeGroup is how many points, consecutive in point order, at most share
// one entry of the R-tree. Neighbours on the Hilbert curve are neighbours
// on the map, so a group's box is small; a search then scans a few points
// side by side in the columns instead of visiting each in the tree, and
// the tree takes an eighth of the inserts to build.
const treeGroup = 8

// groupSpan bounds a group's box, in degrees each way: points are ordered
// by their first month before the curve, and the points new in a later
// month are few and far apart, so eight of them in a row could span the
// country. About 5.5 km north to south and 3.5 km east to west, far more
// than eight neighbours in a town span; of 0.02, 0.05 and 0.2, 0.05 gave
// the fastest radius and count queries on a year where half the points
// are new after the first month.
const groupSpan = 0.05

// MaxPoints is how many snap points a dataset holds at most: an R-tree
// entry holds its first point and its size in 32 bits.
const MaxPoints = 1 << 29

// buildTree fills the R-tree of a build: on a base, a copy of the base's
// with the new points' groups added.
func (bs *building) buildTree() {
	if bs.base == nil {
		bs.d.buildTree()
		return
	}
	bs.d.tree = *bs.base.tree.Copy()
	bs.d.addToTree(bs.base.NumPoints(), bs.base.bound)
}

// buildTree fills the R-tree with the groups of points, in point order.
// A group closes at treeGroup points, or before a point that would take
// its box past groupSpan. The groups depend only on the points, so a
// snapshot's tree is rebuilt the same.
func (d *Dataset) buildTree() {
	empty := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	d.addToTree(0, empty)
}

// addToTree adds the groups of points from the first on, and sets the
// bound to b and their boxes.
func (d *Dataset) addToTree(first int, b orb.Bound) {
	np := len(d.ptLon)
	empty := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for g0 := first; g0 < np; {
		gb := empty.Extend(orb.Point{d.ptLon[g0], d.ptLat[g0]})
		p := g0 + 1
		for ; p < min(g0+treeGroup, np); p++ {
			nb := gb.Extend(orb.Point{d.ptLon[p], d.ptLat[p]})
			if nb.Max[0]-nb.Min[0] > groupSpan || nb.Max[1]-nb.Min[1] > groupSpan {
				break
			}
			gb = nb
		}
		lo, hi := Bound32(gb)
		d.tree.Insert(lo, hi, uint32(g0)<<3|uint32(p-g0-1))
		b = b.Union(gb)
		g0 = p
	}
	if np == 0 {
		b = orb.Bound{}
	}
	d.bound = b
}

// group returns the points of R-tree entry g: its first point and, in the
// low 3 bits, its size less one.
func (d *Dataset) group(g uint32) (p0, p1 int) {
	p0 = int(g >> 3)
	return p0, p0 + int(g&(treeGroup-1)) + 1
}

// Bound32 returns the corners of a float32 box that contains b: each is
// rounded one float32 step outward, so no point of b falls outside it.
func Bound32(b orb.Bound) (lo, hi [2]float32) {
	down, up := float32(math.Inf(-1)), float32(math.Inf(1))
	lo = [2]float32{math.Nextafter32(float32(b.Min[0]), down), math.Nextafter32(float32(b.Min[1]), down)}
	hi = [2]float32{math.Nextafter32(float32(b.Max[0]), up), math.Nextafter32(float32(b.Max[1]), up)}
	return lo, hi
}

// joinOutcomes attaches each outcome row to every crime with its Crime ID,
// and returns the rows that matched none. With keepAll (a build on a base)
// it returns every row too, for Append to join to the base's crimes: a
// row is of a later month than any of them, and names them as it may name
// the build's own.
func (d *Dataset) joinOutcomes(batches []*OutcomeBatch, st *BuildStats, keepAll bool) (all, unmatched []laterOutcome) {
	// The rows with a 64-hex ID are looked up first, side by side and a
	// batch to a core: row<<32 | position, sorted, per batch.
	found := make([][]uint64, len(batches))
	parallel.Each(len(batches), func(k int) {
		rows := batches[k].rows
		idOf := outcomeIDs(rows)
		found[k] = d.tablePart.appendMatches(nil, idOrder(len(rows), idOf), idOf, 0)
	})
	var hist []histRow
	if keepAll {
		n := 0
		for _, ob := range batches {
			n += len(ob.rows)
		}
		all = make([]laterOutcome, 0, n)
	}
	for k, ob := range batches {
		st.OutcomesNoID += ob.NoID
		// The batch's strings hold Crime IDs too: a string only ever
		// read as a Crime ID is no term.
		used := make([]bool, len(ob.strs.strs))
		isID := make([]bool, len(ob.strs.strs))
		for _, r := range ob.rows {
			used[r.outcome] = true
			isID[r.otherID] = r.otherID != 0
		}
		terms := make([]Outcome, len(ob.strs.strs))
		for i, s := range ob.strs.strs {
			if isID[i] && !used[i] {
				continue
			}
			if k, ok := d.outcomes.intern(s); ok {
				terms[i] = Outcome(k)
			}
		}
		var crimes []CrimeID
		next := found[k]
		for ri, r := range ob.rows {
			st.OutcomeRows++
			if r.otherID != 0 {
				crimes = d.CrimesByPersistentID(ob.strs.strs[r.otherID])
			} else {
				crimes = crimes[:0]
				for ; len(next) > 0 && next[0]>>32 == uint64(ri); next = next[1:] {
					crimes = append(crimes, CrimeID(d.tablePart.lo+uint32(next[0])))
				}
			}
			lr := laterRow(ob, r, terms, len(crimes) > 0)
			if keepAll {
				// The row may name crimes of the base's months too.
				all = append(all, lr)
			}
			if len(crimes) == 0 {
				st.OutcomesUnmatch++
				unmatched = append(unmatched, lr)
				continue
			}
			st.OutcomesJoined++
			for _, c := range crimes {
				hist = append(hist, histRow{crime: uint32(c), month: r.month, outcome: terms[r.outcome]})
			}
		}
	}
	d.packHist(sortHist(hist), d.months)
	return all, unmatched
}

// findLater looks up the rows of batches, in order, in every part of d:
// the later rows of a build on d, as joinLater takes them. A batch at a
// time, so that what it holds beside the build is the matches and one
// batch's keys.
func (d *Dataset) findLater(batches []*OutcomeBatch) [][]uint64 {
	found := make([][]uint64, len(d.parts))
	q0 := 0
	for _, ob := range batches {
		idOf := outcomeIDs(ob.rows)
		order := idOrder(len(ob.rows), idOf)
		for k, pt := range d.parts {
			found[k] = pt.appendMatches(found[k], order, idOf, q0)
		}
		q0 += len(ob.rows)
	}
	return found
}

// outcomeIDs returns the 64-hex ID of each of rows, nil for a row with an
// ID in another form, as lookupIDs takes them.
func outcomeIDs(rows []rawOutcome) func(q int) *crimeID {
	return func(q int) *crimeID {
		if rows[q].otherID != 0 {
			return nil
		}
		return &rows[q].id
	}
}

// laterRow is outcome row r of batch ob as Append joins it.
func laterRow(ob *OutcomeBatch, r rawOutcome, terms []Outcome, joined bool) laterOutcome {
	lo := laterOutcome{id: r.id, month: r.month, outcome: terms[r.outcome], joined: joined}
	if r.otherID != 0 {
		lo.other = ob.strs.strs[r.otherID]
	}
	return lo
}

// hilbert maps a coordinate to its position along a Hilbert curve over a
// 2^16 x 2^16 grid of the world.
func hilbert(lon, lat float64) uint64 {
	const n = 1 << 16
	x := uint32((lon + 180) / 360 * (n - 1))
	y := uint32((lat + 90) / 180 * (n - 1))
	var d uint64
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s > 0 {
			rx = 1
		}
		if y&s > 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x = n - 1 - x
				y = n - 1 - y
			}
			x, y = y, x
		}
	}
	return d
}
