package geo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// histRows returns n rows over the given crimes and months, outcomes
// numbered in row order so that a reordering of ties shows.
func histRows(n, crimes, months int, seed uint64) []histRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]histRow, n)
	for i := range rows {
		rows[i] = histRow{crime: uint32(rng.IntN(crimes)), month: Month(24_000 + rng.IntN(months)), outcome: Outcome(i)}
	}
	return rows
}

// TestSortHist checks sortHist against slices.SortStableFunc: by crime,
// then month, ties in the order given; below and above the size it sorts
// by radix, with crimes past 16 bits and months crowded into few values.
func TestSortHist(t *testing.T) {
	for _, c := range []struct{ n, crimes, months int }{
		{0, 1, 1}, {1, 1, 1}, {4095, 300, 4}, {4096, 300, 4}, {50_000, 1 << 20, 180},
		{50_000, 10, 2}, {50_000, 70_000, 1}, {50_000, 1, 3},
	} {
		t.Run(fmt.Sprintf("%d rows, %d crimes, %d months", c.n, c.crimes, c.months), func(t *testing.T) {
			rows := histRows(c.n, c.crimes, c.months, uint64(c.n))
			want := slices.Clone(rows)
			slices.SortStableFunc(want, func(a, b histRow) int {
				return cmp.Or(cmp.Compare(a.crime, b.crime), cmp.Compare(a.month, b.month))
			})
			if got := sortHist(rows); !slices.Equal(got, want) {
				t.Fatalf("sorted otherwise than a stable sort")
			}
		})
	}
}

// BenchmarkSortHist sorts the history entries a build collects: a month's
// outcomes, a year's, and the 36 latest months' of a real archive.
func BenchmarkSortHist(b *testing.B) {
	for _, n := range []int{300_000, 3_000_000, 12_000_000} {
		rows := histRows(n, n*3/2, 180, 1)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				sortHist(slices.Clone(rows))
			}
		})
	}
}
