package geo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedReaching is leastReaching the plain way: sort, then add up.
func sortedReaching(s []weighted, need uint64) float64 {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	var acc uint64
	for _, x := range s {
		if acc += x.w; acc >= need {
			return x.v
		}
	}
	panic("need beyond the weight")
}

func TestLeastReaching(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func(i, n int) weighted{
		"distinct":         func(i, n int) weighted { return weighted{r.Float64(), uint64(r.IntN(50))} },
		"few values":       func(i, n int) weighted { return weighted{float64(r.IntN(4)), uint64(r.IntN(3))} },
		"ascending":        func(i, n int) weighted { return weighted{float64(i), 1} },
		"descending":       func(i, n int) weighted { return weighted{float64(n - i), uint64(i % 7)} },
		"one heavy value":  func(i, n int) weighted { return weighted{float64(i), uint64(max(0, 1000*(1-i%n)))} },
		"zero weights too": func(i, n int) weighted { return weighted{-float64(i % 13), uint64(i % 2)} },
	}
	for name, g := range gen {
		for _, n := range []int{1, 2, 3, 10, 1000} {
			s := make([]weighted, n)
			var total uint64
			for i := range s {
				s[i] = g(i, n)
				total += s[i].w
			}
			if total == 0 {
				s[0].w, total = 1, 1
			}
			for _, need := range []uint64{1, 2, total / 100, total / 2, total - total/100, total - 1, total} {
				if need < 1 || need > total {
					continue
				}
				want := sortedReaching(s, need)
				if got := leastReaching(slices.Clone(s), need); got != want {
					t.Errorf("%s, %d values, need %d of %d: %v, want %v", name, n, need, total, got, want)
				}
				// Partitions cut short at every round count: the sort
				// that takes over finds the same value.
				for _, rounds := range []int{0, 1, 2} {
					if got := leastReachingWithin(slices.Clone(s), need, rounds); got != want {
						t.Errorf("%s, %d values, need %d of %d, %d rounds: %v, want %v", name, n, need, total, rounds, got, want)
					}
				}
			}
		}
	}
}

func BenchmarkLeastReaching(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	s := make([]weighted, 800_000)
	var total uint64
	for i := range s {
		s[i] = weighted{-2 + r.NormFloat64(), uint64(r.IntN(200))}
		total += s[i].w
	}
	work := make([]weighted, len(s))
	for b.Loop() {
		copy(work, s)
		leastReaching(work, total/100+1)
	}
}
