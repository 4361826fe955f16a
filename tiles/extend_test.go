package tiles

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// clusteredPoints returns n world positions in clumps of a few kilometres
// to a few metres, so that every zoom has clusters of several members.
func clusteredPoints(n int, seed uint64) (xs, ys []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for range n {
		cx, cy := 0.496+0.004*float64(rng.IntN(4)), 0.336+0.004*float64(rng.IntN(3))
		spread := []float64{1e-3, 1e-4, 1e-5, 1e-6}[rng.IntN(4)]
		xs = append(xs, cx+spread*rng.NormFloat64())
		ys = append(ys, cy+spread*rng.NormFloat64())
	}
	return xs, ys
}

// levelsOf builds the hierarchy of the points alone.
func levelsOf(xs, ys []float64) *Index {
	ix := &Index{opt: DefaultOptions().withDefaults(), ptX: xs, ptY: ys}
	ix.build()
	return ix
}

func sameLevels(t *testing.T, got, want *Index) {
	t.Helper()
	if !slices.Equal(got.perm, want.perm) {
		t.Fatal("point order differs")
	}
	for z := range want.levels {
		g, w := &got.levels[z], &want.levels[z]
		if !slices.Equal(g.child, w.child) || !slices.Equal(g.first, w.first) {
			t.Fatalf("level %d differs: %d clusters, want %d", z, len(g.first)-1, len(w.first)-1)
		}
		// The trees hold the boxes of the members, which the build
		// takes from the level below.
		for _, ix := range []*Index{got, want} {
			lv := &ix.levels[z]
			boxes := ix.boxes(z)
			n := 0
			lv.tree.Scan(func(lo, hi [2]float32, i uint32) bool {
				n++
				if b := boxes[4*i : 4*i+4]; lo != [2]float32{b[0], b[1]} || hi != [2]float32{b[2], b[3]} {
					t.Fatalf("level %d, cluster %d: box %v %v in the tree, its members' %v", z, i, lo, hi, b)
				}
				return true
			})
			if n != len(lv.first)-1 {
				t.Fatalf("level %d: %d boxes in the tree for %d clusters", z, n, len(lv.first)-1)
			}
		}
	}
}

// TestExtendLevels checks that points added at the end of the order are
// clustered as a build over all of them clusters them, whatever the split.
func TestExtendLevels(t *testing.T) {
	xs, ys := clusteredPoints(3000, 1)
	full := levelsOf(xs, ys)
	for _, n := range []int{1, 2, 1500, 2990, 2999, 3000} {
		old := levelsOf(xs[:n], ys[:n])
		nx := &Index{opt: old.opt, ptX: xs, ptY: ys}
		_, wait := nx.extendLevels(old)
		wait()
		sameLevels(t, nx, full)
		// Extended again, by the rest in two steps.
		if n < 2999 {
			mid := &Index{opt: old.opt, ptX: xs[:n+1], ptY: ys[:n+1]}
			_, wait := mid.extendLevels(old)
			wait()
			nx = &Index{opt: old.opt, ptX: xs, ptY: ys}
			_, wait = nx.extendLevels(mid)
			wait()
			sameLevels(t, nx, full)
		}
	}
}

// monthsData builds datasets of the first k of six months of crimes at
// fixed snap points (each met in the first month, so that every prefix
// numbers the points alike) over two forces, with some crimes unlocated.
// The last month adds a clump of points near Norwich, which the point
// order puts after the others.
func monthsData(t *testing.T, nPoints int) []*geo.Dataset {
	t.Helper()
	var batches []*geo.StreetBatch
	var out []*geo.Dataset
	for _, month := range monthsBatches(nPoints) {
		batches = append(batches, month...)
		out = append(out, datasets.Build(t, batches...))
	}
	return out
}

// monthsBatches returns monthsData's street batches, month by month.
func monthsBatches(nPoints int) [][]*geo.StreetBatch {
	xs, ys := clusteredPoints(nPoints, 2)
	types := []string{"Burglary", "Shoplifting", "Drugs", "Vehicle crime", "Anti-social behaviour"}
	forces := []struct{ id, name string }{{"hampshire", "Hampshire Constabulary"}, {"surrey", "Surrey Police"}}
	rng := rand.New(rand.NewPCG(3, 4))
	var out [][]*geo.StreetBatch
	for k := range 6 {
		var batches []*geo.StreetBatch
		m := geo.MakeMonth(2016, 1+k)
		for fi, f := range forces {
			sb := geo.NewStreetBatch(geo.Unit{Force: f.id, Month: m}, 0, f.id)
			n := 3 * nPoints
			for i := range n {
				p := rng.IntN(nPoints)
				if k == 0 && fi == 0 && i < nPoints {
					p = i
				}
				lon, lat := Unproject(xs[p], ys[p])
				row := geo.StreetRow{Month: m, HasLocation: rng.IntN(50) != 0, Lon: lon, Lat: lat,
					Location: []byte("On or near Somewhere"), CrimeType: []byte(types[rng.IntN(len(types)-k/3)]),
					FallsWithin: []byte(f.name)}
				if rng.IntN(3) == 0 {
					row.LastOutcome = []byte("Under investigation")
				}
				sb.AddStreet(&row)
			}
			if k == 5 {
				// A crime type the earlier months lack: a category of its own.
				sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: 1.5, Lat: 52.6,
					Location: []byte("On or near Elsewhere"), CrimeType: []byte("Unheard of"), FallsWithin: []byte(f.name)})
			}
			for i := range 40 * (k / 5) {
				sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: 1.5 + 0.0004*float64(i%7), Lat: 52.6 + 0.0003*float64(i%11),
					Location: []byte("On or near Elsewhere"), CrimeType: []byte(types[i%len(types)]), FallsWithin: []byte(f.name)})
			}
			batches = append(batches, sb)
		}
		out = append(out, batches)
	}
	return out
}

// tileSet returns the tiles at every zoom holding a snap point of ds.
func tileSet(ds *geo.Dataset) [][3]int {
	seen := map[[3]int]bool{}
	var out [][3]int
	for z := 0; z <= 16; z++ {
		for p := range ds.NumPoints() {
			lon, lat := ds.PointLonLat(geo.PointID(p))
			x, y := TileAt(z, lon, lat)
			if k := [3]int{z, x, y}; !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func filtersOf(t *testing.T, ds *geo.Dataset) map[string]geo.Filter {
	ms := ds.Months()
	last := ms[len(ms)-1]
	fs := map[string]geo.Filter{
		"all":       {},
		"last":      {From: last, To: last},
		"from2":     {From: ms[1]},
		"to2":       {To: ms[1]},
		"burglary":  categoryFilter(t, ds, "burglary"),
		"two-types": categoryFilter(t, ds, "burglary", "drugs"),
	}
	b := categoryFilter(t, ds, "shoplifting")
	b.From = last
	fs["shoplifting-last"] = b
	var force geo.Filter
	if f, ok := ds.Forces().BySlug("surrey"); ok {
		force.Forces.Add(f)
	}
	fs["surrey"] = force
	var outcome geo.Filter
	outcome.Outcomes.Add(1)
	fs["outcome"] = outcome
	return fs
}

// sameTiles checks that two indexes render every tile alike, to the bit
// of every feature's position before it is rounded to the tile's grid.
func sameTiles(t *testing.T, got, want *Index, tiles [][3]int, filters map[string]geo.Filter) {
	t.Helper()
	ctx := context.Background()
	for name, f := range filters {
		for _, tl := range tiles {
			fa, _ := got.features(tl[0], tl[1], tl[2], &f)
			fb, _ := want.features(tl[0], tl[1], tl[2], &f)
			if !slices.EqualFunc(fa, fb, func(a, b feature) bool {
				return a.wx == b.wx && a.wy == b.wy && a.id == b.id && a.total == b.total && slices.Equal(a.byCat, b.byCat)
			}) {
				t.Fatalf("%s: tile %v has other features", name, tl)
			}
			a, errA := got.Tile(ctx, tl[0], tl[1], tl[2], &f)
			b, errB := want.Tile(ctx, tl[0], tl[1], tl[2], &f)
			if errA != nil || errB != nil || !bytes.Equal(a, b) {
				t.Fatalf("%s: tile %v differs (%d and %d bytes; %v, %v)", name, tl, len(a), len(b), errA, errB)
			}
		}
	}
}

// Options giving some clusters tables and not others.
var someTables = Options{MinTableCrimes: 20, TableZoom: 2, TableBytes: 1 << 14}

// TestTablesDoNotChangeTiles checks that a tile's bytes do not depend on
// which clusters have count tables: positions are summed exactly.
func TestTablesDoNotChangeTiles(t *testing.T) {
	ds := monthsData(t, 400)[5]
	none := NewIndex(ds, Options{MinTableCrimes: 1 << 30, TableZoom: -1})
	if none.ntab != 0 {
		t.Fatalf("%d tables, want none", none.ntab)
	}
	for _, opt := range []Options{someTables, {MinTableCrimes: 1, TableBytes: 1 << 30}} {
		ix := NewIndex(ds, opt)
		if ix.ntab == 0 {
			t.Fatal("no tables")
		}
		sameTiles(t, ix, none, tileSet(ds), filtersOf(t, ds))
	}
}

// TestExtend checks that an index extended by a month renders every tile
// as an index built over the whole dataset does, and leaves the index it
// extends as it was.
func TestExtend(t *testing.T) {
	all := monthsData(t, 400)
	if all[5].NumPoints() <= all[4].NumPoints() || all[5].Categories().Len() <= all[4].Categories().Len() {
		t.Fatal("the last month adds no points or no category")
	}
	// Tables for every cluster of 30 crimes or more: clusters grow into
	// them as months are added.
	grown := Options{MinTableCrimes: 30, TableZoom: 13, TableBytes: 1}
	for _, opt := range []Options{someTables, {}, {MinTableCrimes: 1, TableBytes: 1 << 30}, grown} {
		ix := NewIndex(all[0], opt)
		tiles := tileSet(all[5])
		before := map[[3]int][]byte{}
		for _, tl := range tiles {
			before[tl], _ = ix.Tile(context.Background(), tl[0], tl[1], tl[2], nil)
		}
		cur := ix
		for k := 1; k < len(all); k++ {
			next, err := cur.Extend(all[k])
			if err != nil {
				t.Fatal(err)
			}
			full := NewIndex(all[k], opt)
			sameLevels(t, next, full)
			if opt == grown && next.ntab != full.ntab {
				t.Errorf("month %d: %d tables, a build has %d", k, next.ntab, full.ntab)
			}
			sameTiles(t, next, full, tiles, filtersOf(t, all[k]))
			cur = next
		}
		for _, tl := range tiles {
			if b, _ := ix.Tile(context.Background(), tl[0], tl[1], tl[2], nil); !bytes.Equal(b, before[tl]) {
				t.Fatalf("tile %v of the extended index changed", tl)
			}
		}
	}
}

// buildOn returns base with the months of batches appended as one part,
// or those months alone where base is nil.
func buildOn(t *testing.T, base *geo.Dataset, batches ...[]*geo.StreetBatch) *geo.Dataset {
	t.Helper()
	part := partOn(t, base, batches...)
	if base == nil {
		return part
	}
	d, err := geo.Append(base, part)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// partOn builds the months' batches as a part on base (Builder.BuildOn).
func partOn(t *testing.T, base *geo.Dataset, batches ...[]*geo.StreetBatch) *geo.Dataset {
	t.Helper()
	b := geo.NewBuilder()
	for _, month := range batches {
		for _, sb := range month {
			if err := b.AddStreet(sb); err != nil {
				t.Fatal(err)
			}
		}
	}
	part, _, err := b.BuildOn(base)
	if err != nil {
		t.Fatal(err)
	}
	return part
}

// TestRegrouped indexes the first four months, extends the index by the
// fifth and sixth appended as a part each, then shares it with the same
// months merged into one part (geo.Dataset.Regroups): both must render
// every tile as one built over the merged dataset does, and as one built
// over the six months in one piece; and it must refuse a dataset that does
// not regroup its own.
func TestRegrouped(t *testing.T) {
	months := monthsBatches(300)
	build := func(base *geo.Dataset, batches ...[]*geo.StreetBatch) *geo.Dataset {
		return buildOn(t, base, batches...)
	}
	base := build(nil, months[:4]...)
	appended := build(build(base, months[4]), months[5])
	merged := build(base, months[4:]...)
	if appended.NumParts() != 3 || merged.NumParts() != 2 {
		t.Fatalf("%d and %d parts, want 3 and 2", appended.NumParts(), merged.NumParts())
	}
	ix := NewIndex(base, someTables)
	for _, m := range []*geo.Dataset{build(base, months[4]), appended} {
		var err error
		if ix, err = ix.Extend(m); err != nil {
			t.Fatal(err)
		}
	}
	rx, err := ix.Regrouped(merged)
	if err != nil {
		t.Fatal(err)
	}
	// And as the months built in one piece, whose scans take one part.
	var all []*geo.StreetBatch
	for _, month := range months {
		all = append(all, month...)
	}
	one := NewIndex(datasets.Build(t, all...), someTables)
	tiles, filters := tileSet(merged), filtersOf(t, merged)
	sameTiles(t, rx, one, tiles, filters)
	sameTiles(t, ix, one, tiles, filters)
	if _, err := ix.Regrouped(base); !errors.Is(err, ErrNotExtension) {
		t.Errorf("regrouped as the base: %v, want ErrNotExtension", err)
	}
}

func TestExtendRefuses(t *testing.T) {
	all := monthsData(t, 50)
	ix := NewIndex(all[3], Options{})
	for name, ds := range map[string]*geo.Dataset{
		"fewer months": all[2],
		"other points": datasets.Southampton(),
	} {
		if _, err := ix.Extend(ds); !errors.Is(err, ErrNotExtension) {
			t.Errorf("%s: %v, want ErrNotExtension", name, err)
		}
	}
}

// TestExtendWhileServing renders tiles of an index while it is extended:
// under the race detector, Extend must not write what readers read.
func TestExtendWhileServing(t *testing.T) {
	all := monthsData(t, 200)
	for _, ds := range all[4:] {
		ix := NewIndex(all[3], someTables)
		tiles := tileSet(all[3])
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, tl := range tiles {
				if _, err := ix.Tile(context.Background(), tl[0], tl[1], tl[2], nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		nx, err := ix.Extend(ds)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range tiles[:50] {
			if _, err := nx.Tile(context.Background(), tl[0], tl[1], tl[2], nil); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestExtendSnapshot extends an index opened from a snapshot, whose
// columns are mapped read-only, and stores the extended index in turn.
func TestExtendSnapshot(t *testing.T) {
	all := monthsData(t, 300)
	for _, opt := range []Options{someTables, {MinTableCrimes: 30, TableZoom: 13, TableBytes: 1}} {
		base := NewIndex(all[4], opt)
		snap, _ := reopened(t, all[4], base.SnapshotPart())
		ix := NewIndex(snap, opt)
		if !fromPart(ix) {
			t.Fatal("the stored index was not used")
		}
		nx, err := ix.Extend(all[5])
		if err != nil {
			t.Fatal(err)
		}
		full := NewIndex(all[5], opt)
		tiles := tileSet(all[5])
		sameTiles(t, nx, full, tiles, filtersOf(t, all[5]))
		snap2, _ := reopened(t, all[5], nx.SnapshotPart())
		again := NewIndex(snap2, opt)
		if !fromPart(again) {
			t.Fatal("the stored extended index was not used")
		}
		sameTiles(t, again, full, tiles, filtersOf(t, all[5]))
	}
}
