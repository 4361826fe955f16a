package tiles

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// monthsDataset builds crimes at a few snap points over several months, with
// months missing at some points, so that month ranges cut points' crimes at
// either end, both or neither.
func monthsDataset(tb testing.TB) *geo.Dataset {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 1))
	types := []string{"Burglary", "Drugs", "Shoplifting", "Vehicle crime"}
	var batches []*geo.StreetBatch
	for mi := range 8 {
		m := geo.MakeMonth(2020, 1) + geo.Month(mi)
		sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 0, "example")
		for p := range 6 {
			// Point p has crimes in months p-3..p+4 only.
			if mi < p-3 || mi > p+4 {
				continue
			}
			for range rng.IntN(4) {
				sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -1.40 + 0.01*float64(p), Lat: 50.9,
					Location: fmt.Appendf(nil, "On or near Street %d", p), CrimeType: []byte(types[rng.IntN(len(types))]),
					FallsWithin: []byte("Hampshire Constabulary")})
			}
		}
		batches = append(batches, sb)
	}
	return datasets.Build(tb, batches...)
}

// TestAddPointRangeMatchesAddPoint checks the scan that skips needless
// month searches against geo's count for every month range and category set.
func TestAddPointRangeMatchesAddPoint(t *testing.T) {
	ds := monthsDataset(t)
	ix := NewIndex(ds, DefaultOptions())
	first, last := ds.Months()[0], ds.Months()[len(ds.Months())-1]
	burglary := categoryFilter(t, ds, "burglary")
	two := categoryFilter(t, ds, "drugs", "vehicle-crime")
	cases := 0
	for from := first - 1; from <= last+1; from++ {
		for to := from - 1; to <= last+1; to++ {
			for _, cats := range []geo.Filter{{}, burglary, two} {
				f := cats
				f.From, f.To = from, to
				if from == first-1 {
					f.From = 0 // open
				}
				if to == last+1 {
					f.To = 0
				}
				q := ix.newQuery(&f)
				for p := range ds.NumPoints() {
					var want, got agg
					want.reset(ix.ncat)
					got.reset(ix.ncat)
					ix.addPoint(&want, geo.PointID(p), &f)
					ix.addPointRange(&got, geo.PointID(p), &f, &q)
					if got.total != want.total || got.sx != want.sx || got.sy != want.sy || !slices.Equal(got.byCat, want.byCat) {
						t.Fatalf("point %d, filter %+v: got %+v, want %+v", p, f, got, want)
					}
					cases++
				}
			}
		}
	}
	if cases == 0 {
		t.Fatal("no cases")
	}
}

// TestSeekMonth checks seekMonth against a plain search on every span of
// every point's crimes, for every month around them.
func TestSeekMonth(t *testing.T) {
	ds := monthsDataset(t)
	first, last := ds.Months()[0], ds.Months()[len(ds.Months())-1]
	// Guessing evenly, and from the share of every month in all crimes,
	// which a table at zoom 0 gives.
	even := NewIndex(ds, DefaultOptions())
	shares := NewIndex(ds, Options{MinTableCrimes: 1})
	if even.monthCum != nil || shares.monthCum == nil {
		t.Fatalf("month shares %v and %v: want none, then some", even.monthCum, shares.monthCum)
	}
	for _, ix := range []*Index{even, shares} {
		seekEveryMonth(t, ds, ix, first, last)
	}
}

func seekEveryMonth(t *testing.T, ds *geo.Dataset, ix *Index, first, last geo.Month) {
	for p, k := 0, 0; p < ds.NumPoints(); k++ {
		if k == ds.NumParts() {
			p, k = p+1, -1
			continue
		}
		s, e := ds.PartCrimes(k, geo.PointID(p))
		cs := ds.PartColumns(k)
		for lo := s; lo <= e; lo++ {
			for hi := lo; hi <= e; hi++ {
				for m := first - 1; m <= last+2; m++ {
					want := lo
					for want < hi && ds.Month(want) < m {
						want++
					}
					if got := ix.seekMonth(&cs, lo, hi, m); got != want {
						t.Fatalf("point %d, crimes [%d, %d), month %v: got %d, want %d", p, lo, hi, m, got, want)
					}
				}
			}
		}
	}
}

// TestTableZoom checks that every cluster of the zooms up to TableZoom with
// MinTableCrimes gets a table whatever the budget, that no other does
// beyond it, and that tiles count the same with and without the tables.
func TestTableZoom(t *testing.T) {
	ds := hampshire(t)
	bare := NewIndex(ds, Options{TableBytes: 1, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: -1})
	ix := NewIndex(ds, Options{TableBytes: 1, TableBytesPerCrime: -1, MinTableCrimes: 32, TableZoom: 5})
	tabled := 0
	for z := range ix.levels {
		for i := range len(ix.levels[z].first) - 1 {
			want := z <= 5 && int(ix.crimesOf(z, i)) >= 32
			if got := ix.levels[z].table[i] >= 0; got != want {
				t.Fatalf("zoom %d cluster %d (%d crimes): table %v, want %v", z, i, ix.crimesOf(z, i), got, want)
			}
			if bare.levels[z].table[i] >= 0 {
				t.Fatalf("zoom %d cluster %d has a table with no budget and no table zoom", z, i)
			}
			if want {
				tabled++
			}
		}
	}
	if tabled == 0 {
		t.Fatal("no cluster big enough for a table: the test checks nothing")
	}
	sameCountsAsScan(t, ds, ix, bare, 5)
}

// sameCountsAsScan checks that the tiles of zooms 0..maxZoom count every
// cluster alike with ix's tables and with bare, which has none, under
// every test filter.
func sameCountsAsScan(t *testing.T, ds *geo.Dataset, ix, bare *Index, maxZoom int) {
	t.Helper()
	for name, f := range testFilters(t, ds) {
		for z := 0; z <= maxZoom; z++ {
			want := featuresAt(t, bare, z, &f, tilesToVisit(ds, z, false))
			got := featuresAt(t, ix, z, &f, tilesToVisit(ds, z, false))
			if len(got) != len(want) {
				t.Fatalf("%s z%d: %d features with tables, %d without", name, z, len(got), len(want))
			}
			for id, n := range want {
				if got[id] != n {
					t.Fatalf("%s z%d: cluster %d counts %d with tables, %d without", name, z, id, got[id], n)
				}
			}
		}
	}
}
