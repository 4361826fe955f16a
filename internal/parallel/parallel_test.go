package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestCores(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"no work", 0, 1},
		{"negative", -3, 1},
		{"one piece", 1, 1},
		{"more pieces than cores", procs + 5, procs},
		{"as many as cores", procs, procs},
	}
	for _, tc := range tests {
		if got := Cores(tc.n); got != tc.want {
			t.Errorf("%s: Cores(%d) = %d, want %d", tc.name, tc.n, got, tc.want)
		}
	}
}

func TestWorkers(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ n, want int }{{0, procs}, {-1, procs}, {3, 3}} {
		if got := Workers(tc.n); got != tc.want {
			t.Errorf("Workers(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

// TestRunEach: every k runs exactly once, and both return only when all
// have run.
func TestRunEach(t *testing.T) {
	for name, split := range map[string]func(int, func(int)){"Run": Run, "Each": Each} {
		for _, n := range []int{0, 1, 7, 1000} {
			seen := make([]atomic.Int32, n)
			split(n, func(k int) { seen[k].Add(1) })
			for k := range seen {
				if c := seen[k].Load(); c != 1 {
					t.Fatalf("%s(%d): f(%d) ran %d times", name, n, k, c)
				}
			}
		}
	}
}

func BenchmarkEach(b *testing.B) {
	var sink atomic.Int64
	for b.Loop() {
		Each(256, func(k int) { sink.Add(int64(k)) })
	}
}
