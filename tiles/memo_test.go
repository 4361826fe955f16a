package tiles

import (
	"context"
	"testing"

	"crimemap/geo"
)

// TestFilterSumsEvict renders zoom-0 tiles for more outcome filters than
// the sums kept, twice over, checking each total against brute force, so
// evicted and recomputed sums are both exercised.
func TestFilterSumsEvict(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	n := min(ds.Outcomes().Len(), memoFilters+6)
	for round := range 2 {
		for o := 0; o < n; o++ {
			var f geo.Filter
			f.Outcomes.Add(o)
			want := bruteForce(ds, &f).total
			b, err := ix.Tile(context.Background(), 0, 0, 0, &f)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if b != nil {
				for _, ft := range decode(t, b)[0].Features {
					got += num(t, ft.Properties[propPointCount])
				}
			}
			if got != want {
				t.Fatalf("round %d outcome %d: tile counts %d, brute force %d", round, o, got, want)
			}
		}
	}
	ix.memo.mu.Lock()
	kept := len(ix.memo.memos)
	ix.memo.mu.Unlock()
	if kept > memoFilters {
		t.Errorf("%d filters' sums kept, bound %d", kept, memoFilters)
	}
}
