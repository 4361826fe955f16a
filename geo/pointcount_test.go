package geo_test

import (
	"slices"
	"testing"

	"crimemap/geo"
)

// TestCountByCategoryMatchesMatches compares the column scan with a
// crime-by-crime test of Matches at every point, for filters on each kind
// of term and their mixes.
func TestCountByCategoryMatchesMatches(t *testing.T) {
	ds := build(t, hampshireRows(t), "hampshire")
	set := func(is ...int) geo.Set {
		var s geo.Set
		for _, i := range is {
			s.Add(i)
		}
		return s
	}
	m := ds.Months()[0]
	filters := map[string]geo.Filter{
		"none":             {},
		"month":            {From: m, To: m},
		"empty months":     {From: m + 1},
		"categories":       {Categories: set(0, 2, 12)},
		"outcome":          {Outcomes: set(1, 3)},
		"force":            {Forces: set(16)},
		"other force":      {Forces: set(3)},
		"category+outcome": {Categories: set(5, 11), Outcomes: set(1)},
	}
	for name, f := range filters {
		t.Run(name, func(t *testing.T) {
			total := 0
			got := make([]uint32, ds.Categories().Len())
			want := make([]uint32, ds.Categories().Len())
			for p := 0; p < ds.NumPoints(); p++ {
				clear(got)
				clear(want)
				n := ds.CountByCategory(geo.PointID(p), &f, got)
				s, e := ds.PartCrimes(0, geo.PointID(p))
				wn := uint32(0)
				for c := s; c < e; c++ {
					if ds.Matches(c, &f) {
						want[ds.Category(c)]++
						wn++
					}
				}
				if n != wn || !slices.Equal(got, want) {
					t.Fatalf("point %d: %d %v, crime by crime %d %v", p, n, got, wn, want)
				}
				total += int(n)
			}
			if name == "none" && total != ds.Located() {
				t.Errorf("all points count %d crimes, located %d", total, ds.Located())
			}
		})
	}
}
