package geo

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Builder gathers batches and builds a Dataset. Batches may be added from
// several goroutines.
type Builder struct {
	mu       sync.Mutex
	street   map[Unit]*StreetBatch
	outcomes map[Unit]*OutcomeBatch
	stops    map[Unit]*StopBatch
	replaced []Replacement
}

// Replacement records a batch that a later load of the same unit replaced.
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

// keep decides between two batches of one unit: the higher Seq wins.
func keep[B any](b *Builder, kind string, m map[Unit]*B, u Unit, nb *B, seq func(*B) int, src func(*B) string) {
	old, ok := m[u]
	switch {
	case !ok:
		m[u] = nb
	case seq(nb) >= seq(old):
		m[u] = nb
		b.replaced = append(b.replaced, Replacement{kind, u, src(old), src(nb)})
	default:
		b.replaced = append(b.replaced, Replacement{kind, u, src(nb), src(old)})
	}
}

// AddStreet adds a street batch, replacing an earlier batch of its unit.
func (b *Builder) AddStreet(sb *StreetBatch) error {
	if err := sb.Unit.check(); err != nil {
		return err
	}
	sb.in.flush()
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "street", b.street, sb.Unit, sb, func(x *StreetBatch) int { return x.Seq }, func(x *StreetBatch) string { return x.Source })
	return nil
}

// AddOutcomes adds an outcomes batch, replacing an earlier batch of its unit.
func (b *Builder) AddOutcomes(ob *OutcomeBatch) error {
	if err := ob.Unit.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "outcomes", b.outcomes, ob.Unit, ob, func(x *OutcomeBatch) int { return x.Seq }, func(x *OutcomeBatch) string { return x.Source })
	return nil
}

// AddStops adds a stop-and-search batch, replacing an earlier batch of its unit.
func (b *Builder) AddStops(sb *StopBatch) error {
	if err := sb.Unit.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep(b, "stop-and-search", b.stops, sb.Unit, sb, func(x *StopBatch) int { return x.Seq }, func(x *StopBatch) string { return x.Source })
	return nil
}

// BuildStats summarises a build.
type BuildStats struct {
	Crimes           int
	Located          int
	Points           int
	Replaced         []Replacement
	OutcomeRows      int // outcome rows with a Crime ID
	OutcomesJoined   int // of those, rows that matched at least one crime
	OutcomesUnmatch  int // rows whose Crime ID matched no crime
	OutcomesNoID     int // rows without a Crime ID
	StopAndSearch    int
	UnknownTermError error
	Phases           []Phase // how long each step took
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

// counter counts crimes, and of those crimes with a Crime ID; then it holds
// the next position, and the next rank among crimes with an ID. The two
// sit together so that placing a crime misses the cache once, not twice.
type counter struct{ all, ids uint32 }

// Build builds the Dataset. The result depends only on the batches kept, not
// on the order they were added in.
func (b *Builder) Build() (*Dataset, BuildStats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BuildStats{Replaced: slices.Clone(b.replaced)}
	d := &Dataset{
		categories: newVocab(StandardCategories, categoryAliases),
		outcomes:   newVocab(StandardOutcomes, nil),
		forces:     newVocab(StandardForces, forceAliases),
		other:      map[uint32]string{},
		ctx:        map[uint32]uint32{},
	}
	t0 := time.Now()
	lap := func(name string) {
		now := time.Now()
		st.Phases = append(st.Phases, Phase{name, now.Sub(t0)})
		t0 = now
	}
	var indexTook time.Duration
	global := newStrTable()
	batches := sortedUnits(b.street)

	// Resolve each Interner (one per loading goroutine, shared by its
	// batches) once: its strings to global strings, its crime types and
	// outcomes to terms, and the points its kept batches use to global
	// points.
	type table struct {
		in               *Interner
		str              []uint32 // the Interner's strings -> global strings
		term             []uint32 // its terms -> global strings
		cat              []Category
		outcome          []Outcome
		seenCat, seenOut []bool
		used             []bool   // points that a kept batch uses
		rank             []uint32 // point -> global point
		cell             []h3.Cell
	}
	tables := map[*Interner]*table{}
	var tableOrder []*table
	tabOf := make([]*table, len(batches))
	forceOf := make([]Force, len(batches))
	n := 0
	for bi, sb := range batches {
		// Rows added after the batch was handed over still wait for
		// their points.
		sb.in.flush()
		t := tables[sb.in]
		if t == nil {
			in := sb.in
			nt := len(in.terms.strs)
			t = &table{in: in, str: make([]uint32, len(in.t.strs)), term: make([]uint32, nt),
				cat: make([]Category, nt), outcome: make([]Outcome, nt),
				seenCat: make([]bool, nt), seenOut: make([]bool, nt), used: make([]bool, len(in.pts))}
			for i, s := range in.t.strs {
				t.str[i] = global.idString(s)
			}
			for i, s := range in.terms.strs {
				t.term[i] = global.idString(s)
			}
			tables[in] = t
			tableOrder = append(tableOrder, t)
		}
		tabOf[bi] = t
		for i := range sb.crimes {
			c := &sb.crimes[i]
			t.seenCat[c.crimeType] = true
			t.seenOut[c.outcome] = true
			if c.pt != noPoint {
				t.used[c.pt] = true
			}
		}
		n += len(sb.crimes)
	}
	// H3 cells need only coordinates, so they are computed from the
	// tables' points on every core from here on, while strings are
	// resolved and points merged and ordered, which leave cores idle.
	cellsDone := make(chan struct{})
	go func(tables []*table) {
		defer close(cellsDone)
		type span struct {
			t      *table
			p0, p1 int
		}
		var spans []span
		for _, t := range tables {
			t.cell = make([]h3.Cell, len(t.used))
			for p0 := 0; p0 < len(t.used); p0 += 4096 {
				spans = append(spans, span{t, p0, min(p0+4096, len(t.used))})
			}
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := int(next.Add(1) - 1); k < len(spans); k = int(next.Add(1) - 1) {
					sp := spans[k]
					for p := sp.p0; p < sp.p1; p++ {
						if sp.t.used[p] {
							lp := &sp.t.in.pts[p]
							sp.t.cell[p] = h3.LatLngToCell(h3.LatLng{Lat: lp.lat, Lng: lp.lon}, FinestRes)
						}
					}
				}
			}()
		}
		wg.Wait()
	}(tableOrder)
	// Terms not in the standard vocabularies are numbered in name order:
	// which goroutine's table met a name first varies from run to run.
	intern := func(v *Vocab, seen func(*table) []bool, what string) (map[string]int, error) {
		var names []string
		for _, t := range tableOrder {
			for s, ok := range seen(t) {
				if ok {
					names = append(names, t.in.terms.strs[s])
				}
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		ids := make(map[string]int, len(names))
		for _, name := range names {
			k, ok := v.intern(name)
			if !ok {
				return nil, fmt.Errorf("more than %d %s", MaxTerms, what)
			}
			ids[name] = k
		}
		return ids, nil
	}
	catIDs, err := intern(d.categories, func(t *table) []bool { return t.seenCat }, "crime types")
	if err != nil {
		return nil, st, err
	}
	outIDs, err := intern(d.outcomes, func(t *table) []bool { return t.seenOut }, "outcome categories")
	if err != nil {
		return nil, st, err
	}
	for _, t := range tableOrder {
		strs := t.in.terms.strs
		for s := range strs {
			if t.seenCat[s] {
				t.cat[s] = Category(catIDs[strs[s]])
			}
			if t.seenOut[s] {
				t.outcome[s] = Outcome(outIDs[strs[s]])
			}
		}
		t.seenCat, t.seenOut = nil, nil
	}
	for bi, sb := range batches {
		f, err := d.forceFor(sb.Unit.Force, sb)
		if err != nil {
			return nil, st, err
		}
		forceOf[bi] = f
	}
	d.strs = global.strs
	lap("strings and terms")

	// Merge the tables' points into global points, one per distinct
	// (coordinates, street name), in Hilbert order so that nearby points
	// sit together in memory and in the R-tree: sort every used point of
	// every table by curve position, coordinates and street, and equal
	// neighbours are one point. Two halves are sorted at once and merged.
	type cand struct {
		hk, lat, lon uint64
		street       uint32 // global string
		t            uint32 // index in tableOrder
		p            uint32 // point in the table
	}
	var cands []cand
	for ti, t := range tableOrder {
		t.rank = make([]uint32, len(t.in.pts))
		for p, used := range t.used {
			if !used {
				t.rank[p] = noPoint
				continue
			}
			lp := &t.in.pts[p]
			cands = append(cands, cand{hilbert(lp.lon, lp.lat), math.Float64bits(lp.lat), math.Float64bits(lp.lon), t.str[lp.street], uint32(ti), uint32(p)})
		}
	}
	less := func(a, b cand) int {
		if c := cmp.Compare(a.hk, b.hk); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lat, b.lat); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lon, b.lon); c != 0 {
			return c
		}
		return cmp.Compare(d.strs[a.street], d.strs[b.street])
	}
	half := len(cands) / 2
	var swg sync.WaitGroup
	swg.Add(1)
	go func() {
		defer swg.Done()
		slices.SortFunc(cands[:half], less)
	}()
	slices.SortFunc(cands[half:], less)
	swg.Wait()
	sorted := make([]cand, 0, len(cands))
	for a, b := cands[:half], cands[half:]; len(a)+len(b) > 0; {
		if len(b) == 0 || len(a) > 0 && less(a[0], b[0]) <= 0 {
			sorted, a = append(sorted, a[0]), a[1:]
		} else {
			sorted, b = append(sorted, b[0]), b[1:]
		}
	}
	cands = nil
	np := 0
	for i := range sorted {
		c := &sorted[i]
		if i > 0 {
			if q := &sorted[i-1]; q.lat != c.lat || q.lon != c.lon || q.street != c.street {
				np++
			}
		}
		tableOrder[c.t].rank[c.p] = uint32(np)
	}
	if len(sorted) > 0 {
		np++
	}
	d.ptLon = make([]float64, np)
	d.ptLat = make([]float64, np)
	d.ptStreet = make([]uint32, np)
	d.ptLSOACode = make([]uint32, np)
	d.ptLSOAName = make([]uint32, np)
	for i := range sorted {
		c := &sorted[i]
		g := tableOrder[c.t].rank[c.p]
		d.ptLon[g] = math.Float64frombits(c.lon)
		d.ptLat[g] = math.Float64frombits(c.lat)
		d.ptStreet[g] = c.street
	}
	sorted = nil
	lap("points merged and ordered")
	// The R-tree needs only the points, so it is built while the crimes
	// are placed, and then the cells are put in point order.
	var wg sync.WaitGroup
	wg.Add(1)
	go func(tables []*table) {
		defer wg.Done()
		t0 := time.Now()
		d.buildTree()
		<-cellsDone
		d.ptCell = make([]h3.Cell, np)
		for _, t := range tables {
			for p, used := range t.used {
				if used {
					d.ptCell[t.rank[p]] = t.cell[p]
				}
			}
		}
		indexTook = time.Since(t0)
	}(tableOrder)

	// Place the crimes in parts of consecutive batches, one goroutine each:
	// a counting sort by point. Batches are in (month, force) order, so
	// each point's crimes come out ordered by month. A part starts each
	// point where the crimes of that point in earlier parts end, so
	// positions are those of one pass in batch order. Crimes with a Crime
	// ID are counted apart as well, so that each one's rank among them,
	// and so its slot in d.ids, is known when it is placed.
	type part struct {
		b0, b1 int               // batches [b0, b1)
		next   []counter         // per point: crimes, then the next position
		unloc  counter           // crimes without a point, then the next position of one
		first  [][2]uint32       // per point: the LSOA of the part's first crime there
		other  map[uint32]string // to merge into d.other
		ctxID  map[uint32]uint32 // to merge into d.ctx
	}
	nParts := min(max(runtime.GOMAXPROCS(0), 1), 4, max(len(batches), 1))
	parts := make([]part, 0, nParts)
	{
		b0, done := 0, 0
		for w := range nParts {
			target := n * (w + 1) / nParts
			b1 := b0
			for b1 < len(batches) && (done < target || w == nParts-1) {
				done += len(batches[b1].crimes)
				b1++
			}
			parts = append(parts, part{b0: b0, b1: b1})
			b0 = b1
		}
	}
	// Counting also finds each part's first crime at each point, whose
	// LSOA is the point's when no earlier part has a crime there.
	var cwg sync.WaitGroup
	for w := range parts {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			pt := &parts[w]
			c := make([]counter, np)
			first := make([][2]uint32, np)
			for bi := pt.b0; bi < pt.b1; bi++ {
				sb := batches[bi]
				t := tabOf[bi]
				ov := 0
				for k := range sb.crimes {
					cr := &sb.crimes[k]
					if cr.pt == noPoint {
						pt.unloc.all++
						if cr.hasID {
							pt.unloc.ids++
						}
						continue
					}
					var o *lsoaOverride
					if ov < len(sb.lsoa) && sb.lsoa[ov].row == uint32(k) {
						o = &sb.lsoa[ov]
						ov++
					}
					rp := t.rank[cr.pt]
					cp := &c[rp]
					if cp.all == 0 {
						if o != nil {
							first[rp] = [2]uint32{t.str[o.code], t.str[o.name]}
						} else {
							lp := &t.in.pts[cr.pt]
							first[rp] = [2]uint32{t.str[lp.lsoaCode], t.str[lp.lsoaName]}
						}
					}
					cp.all++
					if cr.hasID {
						cp.ids++
					}
				}
			}
			pt.next, pt.first = c, first
		}()
	}
	cwg.Wait()
	lap("crimes counted")
	d.ptStart = make([]uint32, np+1)
	var pos, idPos uint32
	for p := range np {
		d.ptStart[p] = pos
		lsoa := false
		for w := range parts {
			c := &parts[w].next[p]
			if c.all > 0 && !lsoa {
				d.ptLSOACode[p], d.ptLSOAName[p] = parts[w].first[p][0], parts[w].first[p][1]
				lsoa = true
			}
			c.all, pos = pos, pos+c.all
			c.ids, idPos = idPos, idPos+c.ids
		}
	}
	for w := range parts {
		parts[w].first = nil
	}
	d.ptStart[np] = pos
	located := int(pos)
	for w := range parts {
		pt := &parts[w]
		pt.unloc.all, pos = pos, pos+pt.unloc.all
		pt.unloc.ids, idPos = idPos, idPos+pt.unloc.ids
	}
	nIDs := int(idPos)
	d.ids = make([]crimeID, nIDs)
	// Each crime's columns go to its position as one word, and are split
	// into the columns in order afterwards: one scattered write per crime
	// rather than five.
	packed := make([]uint64, n)
	const packedID = 1
	var pwg sync.WaitGroup
	for w := range parts {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			pt := &parts[w]
			pt.other, pt.ctxID = map[uint32]string{}, map[uint32]uint32{}
			for bi := pt.b0; bi < pt.b1; bi++ {
				sb := batches[bi]
				t := tabOf[bi]
				force := uint64(forceOf[bi]) << 16
				oi, idk := 0, 0
				for k := range sb.crimes {
					c := &sb.crimes[k]
					cp := &pt.unloc
					if c.pt != noPoint {
						cp = &pt.next[t.rank[c.pt]]
					}
					pos := cp.all
					cp.all++
					var idRank uint32
					if c.hasID {
						idRank = cp.ids
						cp.ids++
					}
					v := uint64(c.month)<<32 | uint64(t.cat[c.crimeType])<<24 | force | uint64(t.outcome[c.outcome])<<8
					if c.hasID {
						v |= packedID
						d.ids[idRank] = sb.ids[idk]
						idk++
					} else if oi < len(sb.other) && sb.other[oi].row == uint32(k) {
						pt.other[pos] = sb.other[oi].id
						oi++
					}
					packed[pos] = v
					if c.context != 0 {
						pt.ctxID[pos] = t.term[c.context]
					}
				}
			}
		}()
	}
	pwg.Wait()
	lap("crimes placed")
	for w := range parts {
		maps.Copy(d.other, parts[w].other)
		maps.Copy(d.ctx, parts[w].ctxID)
	}
	parts = nil
	tabOf, forceOf, tables, tableOrder = nil, nil, nil, nil
	d.month = make([]Month, n)
	d.cat = make([]Category, n)
	d.force = make([]Force, n)
	d.outcome = make([]Outcome, n)
	d.hasID = make([]uint64, (n+63)/64)
	d.idRank = make([]uint32, len(d.hasID))
	// Split the words into columns in ranges of whole hasID words, then
	// list the positions of the crimes with an ID, ranges at once.
	ranges := func(f func(w0, w1 int)) {
		nw := len(d.hasID)
		workers := min(max(runtime.GOMAXPROCS(0), 1), max(nw, 1))
		var wg sync.WaitGroup
		for k := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(nw*k/workers, nw*(k+1)/workers)
			}()
		}
		wg.Wait()
	}
	ranges(func(w0, w1 int) {
		for p := w0 * 64; p < min(w1*64, n); p++ {
			v := packed[p]
			d.month[p] = Month(v >> 32)
			d.cat[p] = Category(v >> 24)
			d.force[p] = Force(v >> 16)
			d.outcome[p] = Outcome(v >> 8)
			d.hasID[p/64] |= (v & packedID) << (p % 64)
		}
	})
	packed = nil
	var r uint32
	for w := range d.hasID {
		d.idRank[w] = r
		r += uint32(bits.OnesCount64(d.hasID[w]))
	}
	lap("columns")
	// The columns are final, so the version hash starts on them while the
	// ID index is built and outcomes are joined.
	digest := sha256.New()
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		d.hashColumns(digest)
	}()
	d.buildIDIndex()
	lap("ID index")

	d.months = distinctMonths(d.month)
	st.Crimes, st.Located, st.Points = n, located, np
	d.joinOutcomes(sortedUnits(b.outcomes), &st)
	for _, sb := range sortedUnits(b.stops) {
		f, err := d.forceFor(sb.Unit.Force, nil)
		if err != nil {
			return nil, st, err
		}
		for _, r := range sb.Rows {
			d.stops = append(d.stops, StopRecord{Force: f, Month: sb.Unit.Month, StopRow: r})
		}
	}
	st.StopAndSearch = len(d.stops)
	lap("outcomes joined")
	wg.Wait()
	lap("waited for the R-tree and H3 cells")
	<-hashed
	d.hashRest(digest)
	d.version = hex.EncodeToString(digest.Sum(nil)[:8])
	lap("version")
	st.Phases = append(st.Phases, Phase{"(R-tree and waiting for H3 cells, from points merged and ordered on)", indexTook})
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

func distinctMonths(ms []Month) []Month {
	var seen [1 << 16 / 64]uint64
	for _, m := range ms {
		seen[m/64] |= 1 << (m % 64)
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

// buildTree fills the R-tree with the points, in their Hilbert order.
func (d *Dataset) buildTree() {
	np := len(d.ptLon)
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for p := 0; p < np; p++ {
		lon, lat := d.ptLon[p], d.ptLat[p]
		pt := [2]float32{float32(lon), float32(lat)}
		d.tree.Insert(pt, pt, uint32(p))
		b = b.Extend(orb.Point{lon, lat})
	}
	if np == 0 {
		b = orb.Bound{}
	}
	d.bound = b
}

// joinOutcomes attaches each outcome row to every crime with its Crime ID.
func (d *Dataset) joinOutcomes(batches []*OutcomeBatch, st *BuildStats) {
	for _, ob := range batches {
		st.OutcomesNoID += ob.NoID
		terms := make([]Outcome, len(ob.strs.strs))
		for i, s := range ob.strs.strs {
			if k, ok := d.outcomes.intern(s); ok {
				terms[i] = Outcome(k)
			}
		}
		for _, r := range ob.rows {
			st.OutcomeRows++
			var crimes []CrimeID
			if r.otherID != 0 {
				crimes = d.CrimesByPersistentID(ob.strs.strs[r.otherID])
			} else {
				crimes = d.CrimesByPersistentID(hex.EncodeToString(r.id[:]))
			}
			if len(crimes) == 0 {
				st.OutcomesUnmatch++
				continue
			}
			st.OutcomesJoined++
			for _, c := range crimes {
				d.hist = append(d.hist, histEntry{crime: uint32(c), month: r.month, outcome: terms[r.outcome]})
			}
		}
	}
	slices.SortStableFunc(d.hist, func(a, b histEntry) int {
		if c := cmp.Compare(a.crime, b.crime); c != 0 {
			return c
		}
		return cmp.Compare(a.month, b.month)
	})
}

// hashColumns writes the points and the crime columns to the version
// hash; hashRest the outcome histories and vocabularies. Equal inputs give
// equal versions on every replica. Everything goes through large writes:
// a Write call per field or per Crime ID costs more than the hashing.
func (d *Dataset) hashColumns(h hash.Hash) {
	buf := make([]byte, 0, 64<<10)
	flush := func(room int) {
		if len(buf)+room > cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	for p := range d.ptLon {
		street := d.strs[d.ptStreet[p]]
		flush(24 + len(street))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(d.ptLon[p]))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(d.ptLat[p]))
		buf = append(buf, street...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(d.ptStart[p+1]))
	}
	for _, m := range d.month {
		flush(2)
		buf = binary.LittleEndian.AppendUint16(buf, uint16(m))
	}
	for _, col := range [][]byte{castBytes(d.cat), castBytes(d.outcome), castBytes(d.force)} {
		for len(col) > 0 {
			flush(1)
			k := copy(buf[len(buf):cap(buf)], col)
			buf, col = buf[:len(buf)+k], col[k:]
		}
	}
	for i := range d.ids {
		flush(len(d.ids[i]))
		buf = append(buf, d.ids[i][:]...)
	}
	h.Write(buf)
}

func (d *Dataset) hashRest(h hash.Hash) {
	var buf []byte
	for _, e := range d.hist {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.crime)<<24|uint64(e.month)<<8|uint64(e.outcome))
		if len(buf) >= 64<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	for _, t := range [][]Term{d.categories.terms, d.outcomes.terms, d.forces.terms} {
		for _, x := range t {
			h.Write([]byte(x.Slug + "\x00" + x.Name + "\x00"))
		}
	}
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(d.stops))))
}

func castBytes[T ~uint8](s []T) []byte {
	b := make([]byte, len(s))
	for i, v := range s {
		b[i] = byte(v)
	}
	return b
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
