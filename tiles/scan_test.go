package tiles

import (
	"slices"
	"testing"

	"crimemap/geo"
)

// TestAddPointsRangeMatchesAddPointRange checks the batched scan against
// the point-by-point one on every cluster of every zoom, bit for bit: the
// sums must come out in the same order. Clusters of more points than a
// batch, month ranges cutting points at either end, and one, two and all
// categories are among the cases.
func TestAddPointsRangeMatchesAddPointRange(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	months := ds.Months()
	mid := months[len(months)/2]
	filters := testFilters(t, ds)
	for name, f := range map[string]geo.Filter{"burglary": filters["burglary"], "asb+drugs": filters["asb+drugs"], "all": {}} {
		f.From, f.To = mid-1, mid+1
		filters[name+"-range"] = f
	}
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
				ix.addPointsRange(&got, pts, &f, &q)
				if got.total != want.total || got.sx != want.sx || got.sy != want.sy || !slices.Equal(got.byCat, want.byCat) {
					t.Fatalf("%s zoom %d cluster %d: got %+v, want %+v", name, z, i, got, want)
				}
			}
		}
	}
	if !big {
		t.Fatal("no cluster spans several batches: the test checks too little")
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
