package postcode

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFind checks the fenced search at the edges of its blocks: every key
// is found at its row, and no key between, before or after them is.
func TestFind(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, fanout - 1, fanout, fanout + 1, fanout*fanout - 1, fanout * fanout, fanout*fanout + 1, 3*fanout*fanout + 7} {
		keys := make([]uint64, 0, n)
		for k := uint64(10); len(keys) < n; k += 2 + uint64(rng.IntN(3))*2 {
			keys = append(keys, k)
		}
		d := &Directory{keys: keys}
		d.buildIndex()
		for i, k := range keys {
			if got, ok := d.find(Key(k)); !ok || got != i {
				t.Fatalf("n=%d: find(%d) = %d, %v; want %d", n, k, got, ok, i)
			}
			if _, ok := d.find(Key(k + 1)); ok {
				t.Fatalf("n=%d: found absent %d", n, k+1)
			}
		}
		for _, k := range []uint64{0, 9, slices.Max(append(keys, 0)) + 1, 1 << 40} {
			if _, ok := d.find(Key(k)); ok && !slices.Contains(keys, k) {
				t.Fatalf("n=%d: found absent %d", n, k)
			}
		}
	}
}
