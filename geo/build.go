package geo

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

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

type pointKey struct {
	lon, lat uint64
	street   uint32
}

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
	global := newStrTable()
	batches := sortedUnits(b.street)

	// Resolve each string table (a batch's own, or one shared by the
	// batches of a loading goroutine) to global strings once, and its crime
	// types and outcomes to terms.
	type local struct {
		str     []uint32
		cat     []Category
		outcome []Outcome
		force   Force
	}
	type table struct {
		local
		seenCat, seenOut []bool
	}
	tables := map[*strTable]*table{}
	var tableOrder []*strTable
	locals := make([]local, len(batches))
	n := 0
	for _, sb := range batches {
		t := tables[sb.strs]
		if t == nil {
			ns := len(sb.strs.strs)
			t = &table{local: local{str: make([]uint32, ns), cat: make([]Category, ns), outcome: make([]Outcome, ns)},
				seenCat: make([]bool, ns), seenOut: make([]bool, ns)}
			for i, s := range sb.strs.strs {
				t.str[i] = global.idString(s)
			}
			tables[sb.strs] = t
			tableOrder = append(tableOrder, sb.strs)
		}
		for i := range sb.crimes {
			c := &sb.crimes[i]
			t.seenCat[c.crimeType] = true
			t.seenOut[c.outcome] = true
		}
		n += len(sb.crimes)
	}
	// Terms not in the standard vocabularies are numbered in name order:
	// which goroutine's table met a name first varies from run to run.
	intern := func(v *Vocab, seen func(*table) []bool, what string) (map[string]int, error) {
		var names []string
		for _, tp := range tableOrder {
			for s, ok := range seen(tables[tp]) {
				if ok {
					names = append(names, tp.strs[s])
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
	for _, sp := range tableOrder {
		t := tables[sp]
		for s := range sp.strs {
			if t.seenCat[s] {
				t.cat[s] = Category(catIDs[sp.strs[s]])
			}
			if t.seenOut[s] {
				t.outcome[s] = Outcome(outIDs[sp.strs[s]])
			}
		}
	}
	for bi, sb := range batches {
		f, err := d.forceFor(sb.Unit.Force, sb)
		if err != nil {
			return nil, st, err
		}
		locals[bi] = tables[sb.strs].local
		locals[bi].force = f
	}
	tables, tableOrder = nil, nil
	d.strs = global.strs

	// Assign snap points: one per distinct (coordinates, street name). The
	// map lookups dominate, so keys are split into shards by hash, each
	// with its own map and goroutine; a point's number is its shard's
	// offset plus its number within the shard. Numbers are provisional:
	// points are renumbered in Hilbert order below.
	ptOf := make([]uint32, n)
	crimeKey := func(l *local, c *rawCrime) pointKey {
		return pointKey{math.Float64bits(c.lon), math.Float64bits(c.lat), l.str[c.street]}
	}
	nShards := min(max(runtime.GOMAXPROCS(0), 1), 8)
	shardOf := func(k pointKey) int {
		h := (k.lon ^ bits.RotateLeft64(k.lat, 32) ^ uint64(k.street)) * 0x9E3779B97F4A7C15
		return int((h >> 32) % uint64(nShards))
	}
	shardKeys := make([][]pointKey, nShards)
	var swg sync.WaitGroup
	for s := range nShards {
		swg.Add(1)
		go func() {
			defer swg.Done()
			pts := map[pointKey]uint32{}
			var keys []pointKey
			i := 0
			for bi, sb := range batches {
				l := &locals[bi]
				for k := range sb.crimes {
					c := &sb.crimes[k]
					if !c.hasLoc {
						if s == 0 {
							ptOf[i] = math.MaxUint32
						}
						i++
						continue
					}
					key := crimeKey(l, c)
					if shardOf(key) == s {
						p, ok := pts[key]
						if !ok {
							p = uint32(len(keys))
							pts[key] = p
							keys = append(keys, key)
						}
						ptOf[i] = p
					}
					i++
				}
			}
			shardKeys[s] = keys
		}()
	}
	swg.Wait()
	offset := make([]uint32, nShards)
	var keys []pointKey
	for s, ks := range shardKeys {
		offset[s] = uint32(len(keys))
		keys = append(keys, ks...)
	}
	shardKeys = nil
	located := 0
	i := 0
	for bi, sb := range batches {
		l := &locals[bi]
		for k := range sb.crimes {
			if c := &sb.crimes[k]; c.hasLoc {
				ptOf[i] += offset[shardOf(crimeKey(l, c))]
				located++
			}
			i++
		}
	}

	// Order points along a Hilbert curve so that nearby points sit together
	// in memory and in the R-tree.
	np := len(keys)
	order := make([]uint32, np)
	hk := make([]uint64, np)
	for p := range keys {
		order[p] = uint32(p)
		hk[p] = hilbert(math.Float64frombits(keys[p].lon), math.Float64frombits(keys[p].lat))
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if c := cmp.Compare(hk[a], hk[b]); c != 0 {
			return c
		}
		ka, kb := keys[a], keys[b]
		if c := cmp.Compare(ka.lat, kb.lat); c != 0 {
			return c
		}
		if c := cmp.Compare(ka.lon, kb.lon); c != 0 {
			return c
		}
		return cmp.Compare(d.strs[ka.street], d.strs[kb.street])
	})
	hk = nil
	rank := make([]uint32, np)
	for newP, oldP := range order {
		rank[oldP] = uint32(newP)
	}
	d.ptLon = make([]float64, np)
	d.ptLat = make([]float64, np)
	d.ptStreet = make([]uint32, np)
	d.ptLSOACode = make([]uint32, np)
	d.ptLSOAName = make([]uint32, np)
	for newP, oldP := range order {
		k := keys[oldP]
		d.ptLon[newP] = math.Float64frombits(k.lon)
		d.ptLat[newP] = math.Float64frombits(k.lat)
		d.ptStreet[newP] = k.street
	}
	keys, order = nil, nil
	// The H3 cells and the R-tree need only the points, so they are built
	// while the crimes are placed.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.indexPoints()
	}()

	// Counting sort of crimes by point. Batches are in (month, force) order,
	// so each point's crimes come out ordered by month.
	d.ptStart = make([]uint32, np+1)
	for _, p := range ptOf {
		if p != math.MaxUint32 {
			d.ptStart[rank[p]+1]++
		}
	}
	for p := 0; p < np; p++ {
		d.ptStart[p+1] += d.ptStart[p]
	}
	d.month = make([]Month, n)
	d.cat = make([]Category, n)
	d.force = make([]Force, n)
	d.outcome = make([]Outcome, n)
	d.hasID = make([]uint64, (n+63)/64)
	// posOf remembers each crime's position so that IDs can be placed by
	// rank once every hasID bit is set, without sorting them by position.
	posOf := make([]uint32, n)

	// Place the crimes in parts of consecutive batches, one goroutine each.
	// A part starts each point where the crimes of that point in earlier
	// parts end, so positions are those of one pass in batch order.
	type part struct {
		b0, b1, i0 int               // batches [b0, b1), first crime index i0
		next       []uint32          // next position per point
		unlocated  uint32            // next position of a crime without one
		nIDs       int               // crimes with a 64-hex Crime ID
		other      map[uint32]string // to merge into d.other
		ctxID      map[uint32]uint32 // to merge into d.ctx
	}
	nParts := min(max(runtime.GOMAXPROCS(0), 1), 4, max(len(batches), 1))
	parts := make([]part, 0, nParts)
	{
		b0, i0, done := 0, 0, 0
		for w := range nParts {
			target := n * (w + 1) / nParts
			b1 := b0
			for b1 < len(batches) && (done < target || w == nParts-1) {
				done += len(batches[b1].crimes)
				b1++
			}
			parts = append(parts, part{b0: b0, b1: b1, i0: i0})
			i0 = done
			b0 = b1
		}
	}
	// Count each part's crimes per point and without a point, then turn the
	// counts into each part's starting positions.
	counts := make([][]uint32, len(parts))
	unloc := make([]uint32, len(parts))
	var cwg sync.WaitGroup
	for w := range parts {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			pt := &parts[w]
			c := make([]uint32, np)
			i := pt.i0
			for _, sb := range batches[pt.b0:pt.b1] {
				for range sb.crimes {
					if p := ptOf[i]; p != math.MaxUint32 {
						c[rank[p]]++
					} else {
						unloc[w]++
					}
					i++
				}
			}
			counts[w] = c
		}()
	}
	cwg.Wait()
	unlocated := uint32(located)
	for w := range parts {
		parts[w].unlocated = unlocated
		unlocated += unloc[w]
	}
	run := slices.Clone(d.ptStart[:np])
	for w := range parts {
		c := counts[w]
		for p := range c {
			c[p], run[p] = run[p], run[p]+c[p]
		}
		parts[w].next = c
	}
	counts = nil
	var pwg sync.WaitGroup
	for w := range parts {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			pt := &parts[w]
			pt.other, pt.ctxID = map[uint32]string{}, map[uint32]uint32{}
			i := pt.i0
			for bi := pt.b0; bi < pt.b1; bi++ {
				sb := batches[bi]
				l := &locals[bi]
				for k := range sb.crimes {
					c := &sb.crimes[k]
					var pos uint32
					if p := ptOf[i]; p != math.MaxUint32 {
						rp := rank[p]
						pos = pt.next[rp]
						pt.next[rp]++
						// The point's first crime in batch order gives its LSOA.
						if pos == d.ptStart[rp] {
							d.ptLSOACode[rp] = l.str[c.lsoaCode]
							d.ptLSOAName[rp] = l.str[c.lsoaName]
						}
					} else {
						pos = pt.unlocated
						pt.unlocated++
					}
					d.month[pos] = c.month
					d.cat[pos] = l.cat[c.crimeType]
					d.force[pos] = l.force
					d.outcome[pos] = l.outcome[c.outcome]
					if c.hasID {
						// Neighbouring positions may belong to other parts.
						atomic.OrUint64(&d.hasID[pos/64], 1<<(pos%64))
						pt.nIDs++
					} else if c.otherID != 0 {
						pt.other[pos] = sb.strs.strs[c.otherID]
					}
					if c.context != 0 {
						pt.ctxID[pos] = l.str[c.context]
					}
					posOf[i] = pos
					i++
				}
			}
		}()
	}
	pwg.Wait()
	nIDs := 0
	for w := range parts {
		nIDs += parts[w].nIDs
		maps.Copy(d.other, parts[w].other)
		maps.Copy(d.ctx, parts[w].ctxID)
	}
	type span struct{ b0, b1, i0 int }
	spans := make([]span, len(parts))
	for w, pt := range parts {
		spans[w] = span{pt.b0, pt.b1, pt.i0}
	}
	parts = nil
	ptOf, rank, locals = nil, nil, nil
	d.idRank = make([]uint32, len(d.hasID))
	var r uint32
	for w := range d.hasID {
		d.idRank[w] = r
		r += uint32(bits.OnesCount64(d.hasID[w]))
	}
	d.ids = make([]crimeID, nIDs)
	d.byID = make([]uint32, nIDs)
	// Every crime's ID slot is known from its position, so the parts fill
	// them at once.
	var iwg sync.WaitGroup
	for _, pt := range spans {
		iwg.Add(1)
		go func() {
			defer iwg.Done()
			i := pt.i0
			for _, sb := range batches[pt.b0:pt.b1] {
				for k := range sb.crimes {
					if c := &sb.crimes[k]; c.hasID {
						ki, _ := d.idIndex(CrimeID(posOf[i]))
						d.ids[ki] = c.id
						d.byID[ki] = posOf[i]
					}
					i++
				}
			}
		}()
	}
	iwg.Wait()
	posOf = nil
	d.sortByID()

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
	wg.Wait()
	d.version = d.hash()
	return d, st, nil
}

// sortByID orders byID, which holds the positions of the crimes with an ID
// in position order, by ID and then position: what a stable sort by ID gives.
// Crime IDs are uniformly random hex, so (ID prefix, rank) pairs are first
// distributed into buckets by their top 16 bits, in one counting pass, and
// the small buckets are then sorted on two cores.
func (d *Dataset) sortByID() {
	type idKey struct {
		hi uint64 // the ID's first 8 bytes, big-endian, so it orders like the ID
		k  uint32 // rank among crimes with an ID, in position order
	}
	const nb = 1 << 16
	start := make([]int, nb+1)
	for k := range d.ids {
		start[int(binary.BigEndian.Uint16(d.ids[k][:2]))+1]++
	}
	for b := range nb {
		start[b+1] += start[b]
	}
	keys := make([]idKey, len(d.ids))
	fill := slices.Clone(start[:nb])
	for k := range d.ids {
		hi := binary.BigEndian.Uint64(d.ids[k][:8])
		b := hi >> 48
		keys[fill[b]] = idKey{hi, uint32(k)}
		fill[b]++
	}
	less := func(a, b idKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		if c := compareIDs(d.ids[a.k], d.ids[b.k]); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	}
	pos := slices.Clone(d.byID)
	sortRange := func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			bucket := keys[start[b]:start[b+1]]
			slices.SortFunc(bucket, less)
			for j, key := range bucket {
				d.byID[start[b]+j] = pos[key.k]
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sortRange(0, nb/2)
	}()
	sortRange(nb/2, nb)
	wg.Wait()
}

// forceFor returns the force of a unit, adding it to the vocabulary when the
// id is not a standard one. Its name comes from the batch's "Falls within".
func (d *Dataset) forceFor(id string, sb *StreetBatch) (Force, error) {
	if k, ok := d.forces.BySlug(id); ok {
		return Force(k), nil
	}
	name := id
	if sb != nil && len(sb.crimes) > 0 {
		if s := sb.strs.strs[sb.crimes[0].fallsWithin]; s != "" {
			name = s
		}
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

// indexPoints computes each point's H3 cell and fills the R-tree. h3 goes
// through cgo at about 2 us a call, so the cells are split across cores.
func (d *Dataset) indexPoints() {
	np := len(d.ptLon)
	d.ptCell = make([]h3.Cell, np)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	chunk := (np + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, np)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := lo; p < hi; p++ {
				d.ptCell[p] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, FinestRes)
			}
		}()
	}
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
	wg.Wait()
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

// hash derives the version from the content, so equal inputs give equal
// versions on every replica.
func (d *Dataset) hash() string {
	h := sha256.New()
	var buf [8]byte
	w64 := func(v uint64) { binary.LittleEndian.PutUint64(buf[:], v); h.Write(buf[:]) }
	// Points go through a buffer: a Write call per field costs more than
	// the hashing.
	pb := make([]byte, 0, 64<<10)
	for p := range d.ptLon {
		pb = binary.LittleEndian.AppendUint64(pb, math.Float64bits(d.ptLon[p]))
		pb = binary.LittleEndian.AppendUint64(pb, math.Float64bits(d.ptLat[p]))
		pb = append(pb, d.strs[d.ptStreet[p]]...)
		pb = binary.LittleEndian.AppendUint64(pb, uint64(d.ptStart[p+1]))
		if len(pb) >= 60<<10 {
			h.Write(pb)
			pb = pb[:0]
		}
	}
	h.Write(pb)
	mb := make([]byte, 2*len(d.month))
	for i, m := range d.month {
		binary.LittleEndian.PutUint16(mb[2*i:], uint16(m))
	}
	h.Write(mb)
	h.Write(castBytes(d.cat))
	h.Write(castBytes(d.outcome))
	h.Write(castBytes(d.force))
	for _, id := range d.ids {
		h.Write(id[:])
	}
	for _, e := range d.hist {
		w64(uint64(e.crime)<<24 | uint64(e.month)<<8 | uint64(e.outcome))
	}
	for _, t := range [][]Term{d.categories.terms, d.outcomes.terms, d.forces.terms} {
		for _, x := range t {
			h.Write([]byte(x.Slug + "\x00" + x.Name + "\x00"))
		}
	}
	w64(uint64(len(d.stops)))
	return hex.EncodeToString(h.Sum(nil)[:8])
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
