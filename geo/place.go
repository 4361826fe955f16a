package geo

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/uber/h3-go/v4"

	"crimemap/internal/parallel"
)

// building is the state of one Build between its steps.
type building struct {
	d        *Dataset
	base     *Dataset        // the dataset built on (BuildOn), or nil
	batches  []*StreetBatch  // kept street batches, in (month, force) order
	outcomes []*OutcomeBatch // kept outcomes batches, in (month, force) order
	stops    []*StopBatch    // kept stop-and-search batches, in (month, force) order
	tables   []*table        // in order of the first batch using each
	tabOf    []*table        // per batch
	forceOf  []Force         // per batch
	n, np    int             // crimes, points
	release  bool            // let go of rows and lookups once used (Builder.ReleaseRows)
	rows     int             // the batches' street rows
}

// table is an Interner (shared by the batches of its files)
// resolved once: its strings to global strings, its crime types and
// outcomes to terms, and the points its kept batches use to global points.
type table struct {
	in      *Interner
	str     []uint32 // the Interner's strings -> global strings
	term    []uint32 // its terms -> global strings
	context []uint32 // its contexts -> global strings
	cat     []Category
	outcome []Outcome
	// The first batch (index + 1, 0 for none) using each term as a crime
	// type or outcome, and each kind: terms are numbered in unit order.
	firstCat, firstOut []int32
	firstKind          []int32
	kindCat            []Category // per kind of the Interner
	kindOut            []Outcome
	cnt                []pointCount // per point: the crimes of kept batches there
	unloc              counter      // crimes of kept batches without a point
	rank               []uint32     // point -> global point
	cell               []h3.Cell
}

// counter counts crimes, and of those crimes with a Crime ID; as a cursor
// it holds a position, and a rank among crimes with an ID. The two sit
// together so that placing a crime misses the cache once, not twice.
type counter struct{ all, ids uint32 }

// pointCount is a table point's counter and the earliest month of its
// crimes, which orders the points.
type pointCount struct {
	counter
	first Month
}

// cursor is a part's counter for one point, with the point's first
// position: the crime placed there gives the point its LSOA. It sits in
// the cursor so that the check costs no cache miss of its own.
type cursor struct {
	counter
	first uint32
}

// part is a run of consecutive batches whose crimes one goroutine places.
// There are at most two: the first fills each point's positions from the
// front in batch order, the second from the back in reverse. The crimes
// land where one pass in batch order would put them, and only the total
// per point is needed, not each part's.
type part struct {
	b0, b1   int               // batches [b0, b1)
	backward bool              // the second part
	next     []cursor          // per point: the next position and ID rank
	unloc    cursor            // the next position and ID rank of a crime without a point
	other    map[uint32]string // to merge into d.other
	ctxID    map[uint32]uint32 // to merge into d.ctx
}

// mark builds the tables and marks the points, crime types and outcomes
// that kept batches use.
func (bs *building) mark() {
	tables := map[*Interner]*table{}
	bs.tabOf = make([]*table, len(bs.batches))
	bs.forceOf = make([]Force, len(bs.batches))
	for bi, sb := range bs.batches {
		// Rows added after the batch was handed over still wait for
		// their points.
		sb.in.flush()
		t := tables[sb.in]
		if t == nil {
			in := sb.in
			nt := len(in.terms.strs)
			t = &table{in: in, str: make([]uint32, len(in.t.strs)), term: make([]uint32, nt), context: make([]uint32, len(in.contexts.strs)),
				cat: make([]Category, nt), outcome: make([]Outcome, nt),
				firstCat: make([]int32, nt), firstOut: make([]int32, nt), firstKind: make([]int32, len(in.kinds)),
				cnt: make([]pointCount, len(in.pts))}
			tables[in] = t
			bs.tables = append(bs.tables, t)
		}
		bs.tabOf[bi] = t
		bs.n += len(sb.crimes)
	}
	if bs.release {
		for _, t := range bs.tables {
			t.in.dropLookups()
		}
	}
	// Each table is marked by a goroutine of its own: a pass over every
	// crime, and tables share nothing. Counting the crimes per point here
	// saves placement a pass of its own.
	parallel.Run(len(bs.tables), func(k int) {
		t := bs.tables[k]
		for bi, sb := range bs.batches {
			if bs.tabOf[bi] != t {
				continue
			}
			// Batches come in unit order, so the first to set a term's
			// or kind's batch is the earliest.
			at := int32(bi + 1)
			for i := range sb.crimes {
				c := &sb.crimes[i]
				if k := c.kind &^ kindHasID; k != kindWide && t.firstKind[k] == 0 {
					t.firstKind[k] = at
				}
				cp := &t.unloc
				if c.pt != noPoint {
					pc := &t.cnt[c.pt]
					if pc.all == 0 || c.month < pc.first {
						pc.first = c.month
					}
					cp = &pc.counter
				}
				cp.all++
				if c.hasID() {
					cp.ids++
				}
			}
			for _, w := range sb.wide {
				firstAt(t.firstCat, w.cat, at)
				firstAt(t.firstOut, w.out, at)
			}
		}
		for k, at := range t.firstKind {
			if at != 0 {
				p := t.in.kinds[k]
				firstAt(t.firstCat, p[0], at)
				firstAt(t.firstOut, p[1], at)
			}
		}
	})
}

// firstAt records batch at as term s's first unless an earlier one is.
func firstAt[T ~uint8 | ~uint16 | ~uint32](first []int32, s T, at int32) {
	if first[s] == 0 || at < first[s] {
		first[s] = at
	}
}

// resolve builds the global strings, and numbers crime types, outcomes and
// forces.
func (bs *building) resolve() error {
	d := bs.d
	n := 0
	for _, t := range bs.tables {
		if t.in.tooManyTerms {
			return fmt.Errorf("more than %d crime types and outcome categories in one Interner", maxTerm)
		}
		n += len(t.in.t.strs) + len(t.in.terms.strs) + len(t.in.contexts.strs)
	}
	// Sized once: the tables' strings are mostly distinct, and a map
	// grown step by step to hundreds of thousands of entries rehashes
	// them several times over.
	var baseStrs []string
	if bs.base != nil {
		baseStrs = bs.base.strs
	}
	global := newStrTableSize(n + len(baseStrs))
	// On a base, its strings keep their numbers: its points and contexts
	// hold them.
	for _, s := range baseStrs[min(1, len(baseStrs)):] {
		global.idString(s)
	}
	for _, t := range bs.tables {
		for i, s := range t.in.t.strs {
			t.str[i] = global.idString(s)
		}
		for i, s := range t.in.terms.strs {
			t.term[i] = global.idString(s)
		}
		for i, s := range t.in.contexts.strs {
			t.context[i] = global.idString(s)
		}
	}
	catIDs, err := internInUnitOrder(d.categories, bs.termUses(func(t *table) []int32 { return t.firstCat }), "crime types")
	if err != nil {
		return err
	}
	outIDs, err := internInUnitOrder(d.outcomes, append(bs.termUses(func(t *table) []int32 { return t.firstOut }), outcomeTermUses(bs.outcomes)...), "outcome categories")
	if err != nil {
		return err
	}
	for _, t := range bs.tables {
		strs := t.in.terms.strs
		for s := range strs {
			if t.firstCat[s] != 0 {
				t.cat[s] = Category(catIDs[strs[s]])
			}
			if t.firstOut[s] != 0 {
				t.outcome[s] = Outcome(outIDs[strs[s]])
			}
		}
		t.kindCat, t.kindOut = make([]Category, len(t.in.kinds)), make([]Outcome, len(t.in.kinds))
		for k, at := range t.firstKind {
			if at != 0 {
				p := t.in.kinds[k]
				t.kindCat[k], t.kindOut[k] = t.cat[p[0]], t.outcome[p[1]]
			}
		}
		t.firstCat, t.firstOut, t.firstKind = nil, nil, nil
	}
	if err := bs.numberForces(); err != nil {
		return err
	}
	d.strs = global.strs
	packStrings(d.strs[len(baseStrs):])
	return nil
}

// packStrings moves strs into one allocation. Each was copied out of its
// file as the file was parsed, among that file's rows and maps, which are
// garbage once the dataset is built; left there, the few strings that
// live on (a point's street and LSOA, first seen in some file) hold whole
// pages of that garbage in the heap: 140 MB at 90M crimes, for 5 MB of
// strings. A base's strings are its own and stay where they are.
func packStrings(strs []string) {
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range strs {
		b.WriteString(s)
	}
	all, at := b.String(), 0
	for i, s := range strs {
		strs[i] = all[at : at+len(s)]
		at += len(s)
	}
}

// termUse is a term as the first unit using it names it.
type termUse struct {
	unit Unit
	name string
}

// termUses lists the terms the tables use as first gives them, each with
// the first unit using it.
func (bs *building) termUses(first func(*table) []int32) []termUse {
	var uses []termUse
	for _, t := range bs.tables {
		for s, at := range first(t) {
			if at != 0 {
				uses = append(uses, termUse{bs.batches[at-1].Unit, t.in.terms.strs[s]})
			}
		}
	}
	return uses
}

// outcomeTermUses lists the outcome types of the outcomes batches' rows.
// A batch's strings hold Crime IDs too: a string only ever read as a Crime
// ID is no term.
func outcomeTermUses(batches []*OutcomeBatch) []termUse {
	var uses []termUse
	for _, ob := range batches {
		used := make([]bool, len(ob.strs.strs))
		for _, r := range ob.rows {
			used[r.outcome] = true
		}
		for i, s := range ob.strs.strs {
			if used[i] {
				uses = append(uses, termUse{ob.Unit, s})
			}
		}
	}
	return uses
}

// internInUnitOrder numbers the terms not in the vocabulary in the order
// of the first unit using each, by name within a unit: a later month's new
// terms then take the next numbers, as they do when the month is built on
// a dataset of the earlier ones, and the numbers do not depend on which
// goroutine's table met a name first.
func internInUnitOrder(v *Vocab, uses []termUse, what string) (map[string]int, error) {
	slices.SortFunc(uses, func(a, b termUse) int {
		if c := unitLess(a.unit, b.unit); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	ids := make(map[string]int, len(uses))
	for _, u := range uses {
		if _, done := ids[u.name]; done {
			continue
		}
		k, ok := v.intern(u.name)
		if !ok {
			return nil, fmt.Errorf("more than %d %s", MaxTerms, what)
		}
		ids[u.name] = k
	}
	return ids, nil
}

// numberForces numbers the forces of the street and stop-and-search
// batches in unit order. A force that is not a standard one is named by
// the "Falls within" of its first street batch, else by its id.
func (bs *building) numberForces() error {
	d := bs.d
	named := map[string]*StreetBatch{}
	for _, sb := range bs.batches {
		if _, ok := named[sb.Unit.Force]; !ok {
			named[sb.Unit.Force] = sb
		}
	}
	units := make([]Unit, 0, len(bs.batches)+len(bs.stops))
	for _, sb := range bs.batches {
		units = append(units, sb.Unit)
	}
	for _, sb := range bs.stops {
		units = append(units, sb.Unit)
	}
	slices.SortFunc(units, unitLess)
	for _, u := range units {
		if _, err := d.forceFor(u.Force, named[u.Force]); err != nil {
			return err
		}
	}
	for bi, sb := range bs.batches {
		f, _ := d.forces.BySlug(sb.Unit.Force)
		bs.forceOf[bi] = Force(f)
	}
	return nil
}

// startCells computes the H3 cells of the tables' used points on every
// core, and closes the channel it returns when they are done. Cells need
// only coordinates, so they need not wait for the points to be merged.
// On a base it computes none: most points are the base's, which has
// their cells, and cellsInOrder computes those of the new ones.
func (bs *building) startCells() <-chan struct{} {
	done := make(chan struct{})
	if bs.base != nil {
		close(done)
		return done
	}
	type span struct {
		t      *table
		p0, p1 int
	}
	var spans []span
	for _, t := range bs.tables {
		t.cell = make([]h3.Cell, len(t.cnt))
		for p0 := 0; p0 < len(t.cnt); p0 += 4096 {
			spans = append(spans, span{t, p0, min(p0+4096, len(t.cnt))})
		}
	}
	go func() {
		defer close(done)
		parallel.Each(len(spans), func(k int) {
			sp := spans[k]
			for p := sp.p0; p < sp.p1; p++ {
				if sp.t.cnt[p].all > 0 {
					lp := &sp.t.in.pts[p]
					sp.t.cell[p] = h3.LatLngToCell(h3.LatLng{Lat: lp.lat, Lng: lp.lon}, FinestRes)
				}
			}
		})
	}()
	return done
}

// mergePoints merges the tables' points into global points, one per
// distinct (coordinates, street name), and numbers them by the month of
// their first crime, then in Hilbert order so that nearby points sit
// together in memory and in the R-tree: every used point of every table
// is sorted by curve position, coordinates and street, equal neighbours
// are one point, and the points are then grouped by first month. A month
// built on a dataset of the earlier months appends its new points after
// the others in the same order, so both number every point alike.
func (bs *building) mergePoints() {
	d := bs.d
	type cand struct {
		hk, lat, lon uint64
		street       uint32 // global string
		t            uint32 // index in bs.tables
		p            uint32 // point in the table
		first        Month
	}
	nb := 0 // the base's points, which keep their numbers
	if bs.base != nil {
		nb = bs.base.NumPoints()
	}
	// On a base, the points it has keep their numbers.
	known := make([][]bool, len(bs.tables))
	if nb > 0 {
		bs.findBasePoints(known)
	}
	// Sized for the points that take new numbers: on a base, a month's
	// few new points, not the hundreds of thousands it uses.
	fresh := 0
	for ti, t := range bs.tables {
		for p, c := range t.cnt {
			if c.all > 0 && (nb == 0 || !known[ti][p]) {
				fresh++
			}
		}
	}
	cands := make([]cand, 0, fresh)
	for ti, t := range bs.tables {
		if nb == 0 {
			t.rank = make([]uint32, len(t.in.pts))
		}
		for p, c := range t.cnt {
			if c.all == 0 {
				t.rank[p] = noPoint
				continue
			}
			if nb > 0 && known[ti][p] {
				continue
			}
			lp := &t.in.pts[p]
			cands = append(cands, cand{hilbert(lp.lon, lp.lat), math.Float64bits(lp.lat), math.Float64bits(lp.lon), t.str[lp.street], uint32(ti), uint32(p), c.first})
		}
	}
	// Curve positions are below 2^32, so a key of position and candidate
	// index sorts in two 16-bit radix passes; only candidates sharing a
	// position (a cell of about 400 m) are then sorted by comparison.
	keys := make([]uint64, len(cands))
	for i := range cands {
		keys[i] = cands[i].hk<<32 | uint64(i)
	}
	keys = radixSortHigh32(keys)
	sorted := make([]cand, len(cands))
	for i, k := range keys {
		sorted[i] = cands[uint32(k)]
	}
	keys, cands = nil, nil
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].hk == sorted[i].hk {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(sorted[i:j], func(a, b cand) int {
				if c := cmp.Compare(a.lat, b.lat); c != 0 {
					return c
				}
				if c := cmp.Compare(a.lon, b.lon); c != 0 {
					return c
				}
				return cmp.Compare(d.strs[a.street], d.strs[b.street])
			})
		}
		i = j
	}
	np := 0
	first := make([]Month, 0, len(sorted)) // per point in Hilbert order
	for i := range sorted {
		c := &sorted[i]
		if i > 0 {
			if q := &sorted[i-1]; q.lat != c.lat || q.lon != c.lon || q.street != c.street {
				np++
			}
		}
		if np == len(first) {
			first = append(first, c.first)
		} else {
			first[np] = min(first[np], c.first)
		}
		bs.tables[c.t].rank[c.p] = uint32(np)
	}
	if len(sorted) > 0 {
		np++
	}
	order := byFirstMonth(first)
	for i := range sorted {
		c := &sorted[i]
		r := &bs.tables[c.t].rank[c.p]
		if order != nil {
			*r = order[*r]
		}
		*r += uint32(nb)
	}
	np += nb
	bs.np = np
	d.ptLon = make([]float64, np)
	d.ptLat = make([]float64, np)
	d.ptStreet = make([]uint32, np)
	d.ptLSOACode = make([]uint32, np)
	d.ptLSOAName = make([]uint32, np)
	if b := bs.base; b != nil {
		copy(d.ptLon, b.ptLon)
		copy(d.ptLat, b.ptLat)
		copy(d.ptStreet, b.ptStreet)
		copy(d.ptLSOACode, b.ptLSOACode)
		copy(d.ptLSOAName, b.ptLSOAName)
	}
	for i := range sorted {
		c := &sorted[i]
		g := bs.tables[c.t].rank[c.p]
		d.ptLon[g] = math.Float64frombits(c.lon)
		d.ptLat[g] = math.Float64frombits(c.lat)
		d.ptStreet[g] = c.street
	}
}

// findBasePoints looks the tables' used points up among the base's, and
// sets the rank and known of those found. The lookups go in order of
// location id, as the base's points are in ptByID: one pass over those
// rather than a binary search each, which missed the cache at every step.
func (bs *building) findBasePoints(known [][]bool) {
	base, d := bs.base, bs.d
	type query struct {
		h     uint64
		t, p  uint32
		found bool
		at    PointID
	}
	// One slice for every table's queries, each table filling its own
	// run: growing a slice per table and joining them copied tens of
	// megabytes into fresh pages.
	at := make([]int, len(bs.tables)+1)
	for ti, t := range bs.tables {
		at[ti+1] = at[ti]
		for _, c := range t.cnt {
			if c.all > 0 {
				at[ti+1]++
			}
		}
	}
	qs := make([]query, at[len(bs.tables)])
	parallel.Each(len(bs.tables), func(ti int) {
		t := bs.tables[ti]
		t.rank = make([]uint32, len(t.in.pts))
		known[ti] = make([]bool, len(t.in.pts))
		k := at[ti]
		for p, c := range t.cnt {
			if c.all > 0 {
				lp := &t.in.pts[p]
				qs[k] = query{h: locationHash(lp.lon, lp.lat, d.strs[t.str[lp.street]]), t: uint32(ti), p: uint32(p)}
				k++
			}
		}
	})
	slices.SortFunc(qs, func(a, b query) int { return cmp.Compare(a.h, b.h) })
	// Each half of the queries walks its own part of ptByID.
	parallel.Run(2, func(k int) {
		part := qs[len(qs)*k/2 : len(qs)*(k+1)/2]
		i := 0
		for j := range part {
			x := &part[j]
			t := bs.tables[x.t]
			lp := &t.in.pts[x.p]
			if j == 0 {
				i, _ = slices.BinarySearchFunc(base.ptByID, x.h, func(p uint32, h uint64) int { return cmp.Compare(base.ptID[p], h) })
			}
			for i < len(base.ptByID) && base.ptID[base.ptByID[i]] < x.h {
				i++
			}
			x.at, x.found = base.findFrom(i, x.h, lp.lon, lp.lat, d.strs[t.str[lp.street]])
		}
	})
	for _, x := range qs {
		if x.found {
			bs.tables[x.t].rank[x.p], known[x.t][x.p] = uint32(x.at), true
		}
	}
}

// findFrom returns the point at these coordinates with this street name,
// whose location hash is h, from the first point of ptByID whose location
// id is at least h. A point's location id is its hash, or, when earlier
// points took that value, the next free one: so the point is among the run
// of consecutive ids from there.
func (d *Dataset) findFrom(i int, h uint64, lon, lat float64, street string) (PointID, bool) {
	np := len(d.ptByID)
	is := func(p uint32) bool {
		return d.ptLon[p] == lon && d.ptLat[p] == lat && d.strs[d.ptStreet[p]] == street
	}
	for ; i < np; i++ {
		p := d.ptByID[i]
		if is(p) {
			return PointID(p), true
		}
		if i+1 < np && d.ptID[d.ptByID[i+1]] != d.ptID[p]+1 {
			break
		}
	}
	// A run that reached the top went on from the lowest free values.
	if h > MaxPublicID-uint64(np) {
		for p := range uint32(np) {
			if is(p) {
				return PointID(p), true
			}
		}
	}
	return 0, false
}

// byFirstMonth returns where each point of Hilbert order goes when the
// points are ordered by first month, stably, or nil when they all share
// one first month.
func byFirstMonth(first []Month) []uint32 {
	if len(first) == 0 || !slices.ContainsFunc(first, func(m Month) bool { return m != first[0] }) {
		return nil
	}
	// A counting sort: months are few and points many.
	start := make([]uint32, 1<<16+1)
	for _, m := range first {
		start[int(m)+1]++
	}
	for m := 1; m < len(start); m++ {
		start[m] += start[m-1]
	}
	order := make([]uint32, len(first))
	for p, m := range first {
		order[p] = start[m]
		start[m]++
	}
	return order
}

// cellsInOrder puts the tables' cells in point order once they are done;
// on a base, it takes the base's and computes the new points'.
func (bs *building) cellsInOrder(done <-chan struct{}) {
	<-done
	d := bs.d
	d.ptCell = make([]h3.Cell, bs.np)
	if bs.base != nil {
		nb := copy(d.ptCell, bs.base.ptCell)
		parallel.Each((bs.np-nb+4095)/4096, func(k int) {
			for p := nb + k*4096; p < min(nb+(k+1)*4096, bs.np); p++ {
				d.ptCell[p] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, FinestRes)
			}
		})
		return
	}
	for _, t := range bs.tables {
		for p, c := range t.cnt {
			if c.all > 0 {
				d.ptCell[t.rank[p]] = t.cell[p]
			}
		}
	}
}

// parts splits the batches into two runs of about equal crimes, or one on
// a single core. Batches are in (month, force) order, so each point's
// crimes come out ordered by month.
func (bs *building) parts() []part {
	nParts := min(parallel.Cores(len(bs.batches)), 2)
	parts := make([]part, 0, nParts)
	b0, done := 0, 0
	for w := range nParts {
		target := bs.n * (w + 1) / nParts
		b1 := b0
		for b1 < len(bs.batches) && (done < target || w == nParts-1) {
			done += len(bs.batches[b1].crimes)
			b1++
		}
		parts = append(parts, part{b0: b0, b1: b1, backward: w == 1})
		b0 = b1
	}
	return parts
}

// starts turns the tables' counts into where each point's crimes go, and
// sets the parts' cursors: the first part starts at each point's first
// position and ID rank, the second at the ends. Crimes with an ID take
// ranks among them in position order. Crimes without a point follow all
// the others. It sets ptStart and returns the crimes with a location and
// those with an ID.
func (bs *building) starts(parts []part) (located, nIDs int) {
	d := bs.d
	total := make([]counter, bs.np)
	var unloc counter
	for _, t := range bs.tables {
		for p, c := range t.cnt {
			if c.all > 0 {
				g := &total[t.rank[p]]
				g.all += c.all
				g.ids += c.ids
			}
		}
		unloc.all += t.unloc.all
		unloc.ids += t.unloc.ids
	}
	d.ptStart = make([]uint32, bs.np+1)
	var pos, idPos uint32
	for p := range total {
		d.ptStart[p] = pos
		c := &total[p]
		end := counter{pos + c.all, idPos + c.ids}
		*c, pos, idPos = counter{pos, idPos}, end.all, end.ids
	}
	d.ptStart[bs.np] = pos
	located = int(pos)
	end := counter{pos + unloc.all, idPos + unloc.ids}
	for w := range parts {
		pt := &parts[w]
		next := make([]cursor, bs.np)
		if !pt.backward {
			for p := range next {
				next[p] = cursor{total[p], d.ptStart[p]}
			}
			pt.next, pt.unloc = next, cursor{counter: counter{pos, idPos}}
			continue
		}
		// The ends of each point's range are the starts of the next.
		for p := range next {
			if p+1 < bs.np {
				next[p] = cursor{total[p+1], d.ptStart[p]}
			} else {
				next[p] = cursor{counter{pos, idPos}, d.ptStart[p]}
			}
		}
		pt.next, pt.unloc = next, cursor{counter: end}
	}
	return located, int(end.ids)
}

// packedID marks a packed crime that has a Crime ID.
const packedID = 1

// place puts every crime at its position, one goroutine per part, and
// records in rank the rank each Crime ID of d.ids (gathered from the
// batches, which idStart locates) is to move to. A crime's columns go to its
// position as one word, split into the columns in order afterwards: one
// scattered write per crime rather than five. A point's LSOA is that of
// the crime placed at its first position, the first in batch order.
func (bs *building) place(parts []part, idStart []int) (packed []uint64, rank []uint32) {
	d := bs.d
	// A base's point has its LSOA from a crime of the base's months.
	nb := 0
	if bs.base != nil {
		nb = bs.base.NumPoints()
	}
	nIDs := len(d.ids)
	rank = make([]uint32, nIDs)
	packed = make([]uint64, bs.n)
	parallel.Run(len(parts), func(w int) {
		pt := &parts[w]
		pt.other, pt.ctxID = map[uint32]string{}, map[uint32]uint32{}
		// The backward part takes its batches, and their rows, last
		// first, and moves its cursors down before each crime.
		step, bi, bEnd := 1, pt.b0, pt.b1
		if pt.backward {
			step, bi, bEnd = -1, pt.b1-1, pt.b0-1
		}
		for ; bi != bEnd; bi += step {
			sb := bs.batches[bi]
			t := bs.tabOf[bi]
			force := uint64(bs.forceOf[bi]) << 16
			k, kEnd := 0, len(sb.crimes)
			oi, idk, ov, ci, wi := 0, idStart[bi], 0, 0, 0
			if pt.backward {
				k, kEnd = len(sb.crimes)-1, -1
				oi, idk, ov, ci, wi = len(sb.other)-1, idStart[bi+1]-1, len(sb.lsoa)-1, len(sb.ctx)-1, len(sb.wide)-1
			}
			for ; k != kEnd; k += step {
				c := &sb.crimes[k]
				cp := &pt.unloc
				rp := uint32(noPoint)
				if c.pt != noPoint {
					rp = t.rank[c.pt]
					cp = &pt.next[rp]
				}
				var pos, idRank uint32
				if pt.backward {
					cp.all--
					pos = cp.all
					if c.hasID() {
						cp.ids--
						idRank = cp.ids
					}
				} else {
					pos = cp.all
					cp.all++
					if c.hasID() {
						idRank = cp.ids
						cp.ids++
					}
				}
				var cat Category
				var out Outcome
				if kd := c.kind &^ kindHasID; kd != kindWide {
					cat, out = t.kindCat[kd], t.kindOut[kd]
				} else {
					w := &sb.wide[wi]
					cat, out = t.cat[w.cat], t.outcome[w.out]
					wi += step
				}
				v := uint64(c.month)<<32 | uint64(cat)<<24 | force | uint64(out)<<8
				if c.hasID() {
					v |= packedID
					rank[idk] = idRank
					idk += step
				} else if oi >= 0 && oi < len(sb.other) && sb.other[oi].row == uint32(k) {
					pt.other[pos] = sb.other[oi].id
					oi += step
				}
				packed[pos] = v
				if ci >= 0 && ci < len(sb.ctx) && sb.ctx[ci].row == uint32(k) {
					pt.ctxID[pos] = t.context[sb.ctx[ci].context]
					ci += step
				}
				var o *lsoaOverride
				if ov >= 0 && ov < len(sb.lsoa) && sb.lsoa[ov].row == uint32(k) {
					o = &sb.lsoa[ov]
					ov += step
				}
				if rp != noPoint && pos == cp.first && int(rp) >= nb {
					if o != nil {
						d.ptLSOACode[rp], d.ptLSOAName[rp] = t.str[o.code], t.str[o.name]
					} else {
						lp := &t.in.pts[c.pt]
						d.ptLSOACode[rp], d.ptLSOAName[rp] = t.str[lp.lsoaCode], t.str[lp.lsoaName]
					}
				}
			}
			if bs.release {
				sb.release()
			}
		}
	})
	for w := range parts {
		maps.Copy(d.other, parts[w].other)
		maps.Copy(d.ctx, parts[w].ctxID)
	}
	return packed, rank
}

// columns splits the packed words into the crime columns, in ranges of
// whole hasID words on every core, and ranks the crimes with an ID. It
// fails when the crimes have more distinct months than MaxMonths.
func (d *Dataset) columns(packed []uint64) error {
	n := len(packed)
	d.months = distinctMonths(packed)
	if nm := len(d.months); nm > MaxMonths {
		return fmt.Errorf("%w: %d months from %s to %s", ErrTooManyMonths, nm, d.months[0], d.months[nm-1])
	}
	index := make([]uint8, 1<<16)
	for i, m := range d.months {
		index[m] = uint8(i)
	}
	d.month = make([]uint8, n)
	d.cat = make([]Category, n)
	d.force = make([]Force, n)
	d.outcome = make([]Outcome, n)
	d.hasID = make([]uint64, (n+63)/64)
	nw := len(d.hasID)
	workers := parallel.Cores(nw)
	parallel.Run(workers, func(k int) {
		w0, w1 := nw*k/workers, nw*(k+1)/workers
		for p := w0 * 64; p < min(w1*64, n); p++ {
			v := packed[p]
			d.month[p] = index[uint16(v>>32)]
			d.cat[p] = Category(v >> 24)
			d.force[p] = Force(v >> 16)
			d.outcome[p] = Outcome(v >> 8)
			d.hasID[p/64] |= (v & packedID) << (p % 64)
		}
	})
	d.idRank = idRanks(d.hasID)
	return nil
}

// distinctMonths returns the distinct months of the packed crimes (see
// place), ascending.
func distinctMonths(packed []uint64) []Month {
	workers := parallel.Cores(len(packed) / 65536)
	seenBy := make([][1 << 16 / 64]uint64, workers)
	parallel.Run(workers, func(w int) {
		seen := &seenBy[w]
		for _, v := range packed[len(packed)*w/workers : len(packed)*(w+1)/workers] {
			m := uint16(v >> 32)
			seen[m/64] |= 1 << (m % 64)
		}
	})
	var seen [1 << 16 / 64]uint64
	for w := range seenBy {
		for i, x := range seenBy[w] {
			seen[i] |= x
		}
	}
	var out []Month
	for w, bitsW := range seen {
		for bitsW != 0 {
			b := bits.TrailingZeros64(bitsW)
			out = append(out, Month(w*64+b))
			bitsW &= bitsW - 1
		}
	}
	return out
}

// idRanks returns the rank directory of hasID: per rankWords words, the
// bits set before them.
func idRanks(hasID []uint64) []uint32 {
	ranks := make([]uint32, (len(hasID)+rankWords-1)/rankWords)
	var r uint32
	for w, x := range hasID {
		if w%rankWords == 0 {
			ranks[w/rankWords] = r
		}
		r += uint32(bits.OnesCount64(x))
	}
	return ranks
}

// radixSortHigh32 sorts keys by their top 32 bits, stably, in two passes
// of 16 bits.
func radixSortHigh32(keys []uint64) []uint64 {
	tmp := make([]uint64, len(keys))
	for shift := uint(32); shift < 64; shift += 16 {
		var count [1<<16 + 1]int
		for _, k := range keys {
			count[(k>>shift)&0xFFFF+1]++
		}
		for b := 1; b < len(count); b++ {
			count[b] += count[b-1]
		}
		for _, k := range keys {
			b := (k >> shift) & 0xFFFF
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}
