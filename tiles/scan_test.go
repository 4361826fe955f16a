package tiles

import (
	"slices"
	"testing"

	"crimemap/geo"
)

// TestAddPointsRangeMatchesAddPointRange checks the batched scan against
// the point-by-point one on every cluster of every zoom, bit for bit, over
// one part and over months appended a part each, those scanned point by
// point and by runs. Clusters of more points than a batch, month ranges
// cutting points at either end, and one, two and all categories are among
// the cases.
func TestAddPointsRangeMatchesAddPointRange(t *testing.T) {
	months := monthsBatches(300)
	appended := buildOn(t, nil, months[0])
	for _, m := range months[1:] {
		appended = buildOn(t, appended, m)
	}
	for _, tc := range []struct {
		name  string
		ds    *geo.Dataset
		share float64 // of the points below which a part has runs
	}{
		{"one part", hampshire(t), runsShare},
		{"months in one part", buildOn(t, nil, months...), runsShare},
		{"parts point by point", appended, 0},
		{"parts by runs", appended, 2},
	} {
		ix := NewIndex(tc.ds, DefaultOptions())
		ix.partRuns(tc.share)
		runs := 0
		for _, r := range ix.runs {
			if r != nil {
				runs++
			}
		}
		if want := map[bool]int{true: tc.ds.NumParts(), false: 0}[tc.share > 1]; runs != want {
			t.Fatalf("%s: %d parts with runs, want %d", tc.name, runs, want)
		}
		filters := scanFilters(t, tc.ds)
		big := false
		for name, f := range filters {
			q := ix.newQuery(&f)
			if !q.tables {
				continue
			}
			for z := range ix.levels {
				lv := &ix.levels[z]
				for i := range len(lv.first) - 1 {
					pts := ix.perm[lv.first[i]:lv.first[i+1]]
					big = big || len(pts) > 2*scanBatch
					var want, got agg
					want.reset(ix.ncat)
					got.reset(ix.ncat)
					for _, p := range pts {
						ix.addPointRange(&want, p, &f, &q)
					}
					ix.addPointsRange(&got, int(lv.first[i]), int(lv.first[i+1]), &f, &q)
					if got.total != want.total || got.sx != want.sx || got.sy != want.sy || !slices.Equal(got.byCat, want.byCat) {
						t.Fatalf("%s, %s zoom %d cluster %d: got %+v, want %+v", tc.name, name, z, i, got, want)
					}
				}
			}
		}
		if !big {
			t.Fatalf("%s: no cluster spans several batches: the test checks too little", tc.name)
		}
	}
}

// TestPartRuns checks which parts get runs: a month with crimes at a few
// points does, the months before it do not, and the runs are every point
// with crimes in the part, in perm order, with its crimes.
func TestPartRuns(t *testing.T) {
	months := monthsBatches(300)
	base := buildOn(t, nil, months[:5]...)
	m := geo.MakeMonth(2016, 6)
	thin := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 0, "hampshire")
	for i := range 20 {
		thin.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -1.4 + 0.001*float64(i%5), Lat: 50.9,
			Location: []byte("On or near Somewhere"), CrimeType: []byte("Burglary"), FallsWithin: []byte("Hampshire Constabulary")})
	}
	ds := buildOn(t, base, []*geo.StreetBatch{thin})
	ix := NewIndex(ds, DefaultOptions())
	if ds.NumParts() != 2 || ix.runs[0] != nil || ix.runs[1] == nil {
		t.Fatalf("%d parts, runs %v", ds.NumParts(), ix.runs)
	}
	var want []permRun
	for i, p := range ix.perm {
		if s, e := ds.PartCrimes(1, p); s < e {
			want = append(want, permRun{uint32(i), s, e})
		}
	}
	l := ix.runs[1]
	if len(want) == 0 || len(want) > 5 || !slices.Equal(l.runs, want) {
		t.Fatalf("runs %v, want %v", l.runs, want)
	}
	for i := range len(ix.perm) + 1 {
		k := 0
		for k < len(want) && int(want[k].at) < i {
			k++
		}
		if got := l.from(i); got != k {
			t.Fatalf("first run at position %d or after: %d, want %d", i, got, k)
		}
	}
}

// TestTablesBelow checks that a cluster without a table is counted from
// the tables of the clusters below it where they have them, with the
// counts of a scan.
func TestTablesBelow(t *testing.T) {
	ds := hampshire(t)
	bare := NewIndex(ds, Options{TableBytes: 1, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: -1})
	per := int64((len(ds.Months()) + 1) * ds.Categories().Len() * (4 + 8 + 8))
	ix := NewIndex(ds, Options{TableBytes: 20 * per, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: -1})
	descends := 0
	for z := range ix.levels {
		for i := range len(ix.levels[z].first) - 1 {
			if ix.levels[z].table[i] < 0 && ix.tabledBelow(z, i) {
				descends++
			}
		}
	}
	if descends == 0 {
		t.Fatal("no cluster counted from tables below it: the test checks nothing")
	}
	sameCountsAsScan(t, ds, ix, bare, len(ix.levels)-1)
}

// TestTableBudget checks that the tables chosen beyond the table zooms fit
// the budget, that a larger budget gives more, and that the clusters
// counted point by point for want of one are the cheaper ones.
func TestTableBudget(t *testing.T) {
	ds := hampshire(t)
	per := int64((len(ds.Months()) + 1) * ds.Categories().Len() * (4 + 8 + 8))
	last := 0
	for _, tables := range []int64{3, 10, 40} {
		ix := NewIndex(ds, Options{TableBytes: tables * per, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: -1})
		n := ix.ntab
		if n > int(tables) || n <= last {
			t.Fatalf("budget of %d tables: %d tables, %d with a smaller budget", tables, n, last)
		}
		last = n
	}
}

// TestTablesSpentOnCostliestTiles checks what the tables are chosen for:
// the costliest tile, a tile costing the sum of the clusters its zoom's
// search meets, costs less than with the same number of tables given to
// the costliest clusters wherever they lie.
func TestTablesSpentOnCostliestTiles(t *testing.T) {
	ds := hampshire(t)
	per := int64((len(ds.Months()) + 1) * ds.Categories().Len() * (4 + 8 + 8))
	for _, tables := range []int64{10, 40} {
		ix := NewIndex(ds, Options{TableBytes: tables * per, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: -1})
		chosen := make([][]bool, len(ix.levels))
		for z := range ix.levels {
			for _, tb := range ix.levels[z].table {
				chosen[z] = append(chosen[z], tb >= 0)
			}
		}
		byCluster := costliestClusters(ix, ix.ntab)
		got, want := worstTile(ix, chosen), worstTile(ix, byCluster)
		t.Logf("%d tables: costliest tile %d, %d with tables for the costliest clusters", ix.ntab, got, want)
		if got >= want {
			t.Errorf("%d tables: costliest tile %d, not below %d with tables for the costliest clusters", ix.ntab, got, want)
		}
	}
}

// clusterCosts returns the modelled cost of counting each cluster with the
// given tables: a table's, or its children's, or its points' at the
// deepest level.
func clusterCosts(ix *Index, tabled [][]bool) [][]int64 {
	cost := make([][]int64, len(ix.levels))
	for z := len(ix.levels) - 1; z >= 0; z-- {
		lv := &ix.levels[z]
		cost[z] = make([]int64, len(lv.first)-1)
		for i := range cost[z] {
			switch {
			case tabled[z][i]:
				cost[z][i] = costTable
			case z == len(ix.levels)-1:
				for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
					cost[z][i] += costPoint + costCrime*int64(ix.ds.PointLen(p))
				}
			default:
				for c := lv.child[i]; c < lv.child[i+1]; c++ {
					cost[z][i] += cost[z+1][c]
				}
			}
		}
	}
	return cost
}

// worstTile returns the cost of the costliest tile of any clustered zoom:
// the sum of the costs of the clusters whose boxes meet it.
func worstTile(ix *Index, tabled [][]bool) int64 {
	cost := clusterCosts(ix, tabled)
	var worst int64
	for z := range ix.levels {
		byTile := map[[2]int]int64{}
		bx := ix.boxes(z)
		n := 1 << z
		for i := range cost[z] {
			b := bx[4*i : 4*i+4]
			for x := tileIndex(b[0], n); x <= tileIndex(b[2], n); x++ {
				for y := tileIndex(b[1], n); y <= tileIndex(b[3], n); y++ {
					byTile[[2]int{x, y}] += cost[z][i]
					worst = max(worst, byTile[[2]int{x, y}])
				}
			}
		}
	}
	return worst
}

// costliestClusters gives at most n tables, deepest level first, to the
// clusters of MinTableCrimes or more whose count from below would cost
// more than a bound, the least bound that n allows.
func costliestClusters(ix *Index, n int) [][]bool {
	none := make([][]bool, len(ix.levels))
	crimes := make([][]int, len(ix.levels))
	for z := range ix.levels {
		lv := &ix.levels[z]
		none[z] = make([]bool, len(lv.first)-1)
		for i := range none[z] {
			c := 0
			for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
				c += ix.ds.PointLen(p)
			}
			crimes[z] = append(crimes[z], c)
		}
	}
	scan := clusterCosts(ix, none)
	pick := func(bound int64) ([][]bool, int) {
		tabled := make([][]bool, len(ix.levels))
		picked := 0
		var below []int64
		for z := len(ix.levels) - 1; z >= 0; z-- {
			lv := &ix.levels[z]
			cost := make([]int64, len(none[z]))
			tabled[z] = make([]bool, len(none[z]))
			for i := range cost {
				if below == nil {
					cost[i] = scan[z][i]
				} else {
					for c := lv.child[i]; c < lv.child[i+1]; c++ {
						cost[i] += below[c]
					}
				}
				if crimes[z][i] >= ix.opt.MinTableCrimes && cost[i] > bound {
					tabled[z][i], cost[i] = true, costTable
					picked++
				}
			}
			below = cost
		}
		return tabled, picked
	}
	lo, hi := int64(0), int64(1)<<40
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		if _, k := pick(mid); k > n {
			lo = mid
		} else {
			hi = mid
		}
	}
	tabled, _ := pick(hi)
	return tabled
}

// TestEachPointAggMatchesAddPointRange checks the batched counts of a point
// tile's points against the point-by-point ones, bit for bit, for every
// point of the dataset, with filters the tables answer and one they do not.
func TestEachPointAggMatchesAddPointRange(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	filters := scanFilters(t, ds)
	pts := make([]geo.PointID, ds.NumPoints())
	for p := range pts {
		pts[p] = geo.PointID(p)
	}
	for name, f := range filters {
		q := ix.newQuery(&f)
		next := 0
		ix.eachPointAgg(pts, &f, &q, func(p geo.PointID, got *agg) {
			if p != pts[next] {
				t.Fatalf("%s: point %d, want %d", name, p, pts[next])
			}
			next++
			var want agg
			want.reset(ix.ncat)
			ix.addPointRange(&want, p, &f, &q)
			if got.total != want.total || got.sx != want.sx || got.sy != want.sy || !slices.Equal(got.byCat, want.byCat) {
				t.Fatalf("%s point %d: got %+v, want %+v", name, p, *got, want)
			}
		})
		if next != len(pts) {
			t.Fatalf("%s: %d points of %d", name, next, len(pts))
		}
	}
}

// scanFilters are the test filters with, for one, two and all categories,
// a month range that cuts points' crimes at both ends.
func scanFilters(t *testing.T, ds *geo.Dataset) map[string]geo.Filter {
	months := ds.Months()
	mid := months[len(months)/2]
	filters := testFilters(t, ds)
	for name, f := range map[string]geo.Filter{"burglary": filters["burglary"], "asb+drugs": filters["asb+drugs"], "all": {}} {
		f.From, f.To = mid-1, mid+1
		filters[name+"-range"] = f
	}
	return filters
}
