package tiles

import (
	"bytes"
	"context"
	"fmt"
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

// TestConcurrentTiles renders the same tiles from several goroutines, with
// filters that build per-filter sums on first use, and compares the bytes
// with a render on a fresh index.
func TestConcurrentTiles(t *testing.T) {
	ds := hampshire(t)
	var outcome, force geo.Filter
	outcome.Outcomes.Add(1)
	force.Forces.Add(16)
	filters := []geo.Filter{{}, outcome, force, categoryFilter(t, ds, "drugs")}
	var ts [][3]int
	for _, z := range []int{0, 6, 10, 13, 15} {
		ts = append(ts, SampleTiles(ds, z, 5, 1)...)
	}
	want := map[[4]int][]byte{}
	ref := NewIndex(ds, DefaultOptions())
	for fi := range filters {
		for _, tt := range ts {
			b, err := ref.Tile(context.Background(), tt[0], tt[1], tt[2], &filters[fi])
			if err != nil {
				t.Fatal(err)
			}
			want[[4]int{fi, tt[0], tt[1], tt[2]}] = b
		}
	}
	ix := NewIndex(ds, DefaultOptions())
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for k := range len(filters) * len(ts) {
				k = (k + g*7) % (len(filters) * len(ts))
				fi, tt := k%len(filters), ts[k/len(filters)]
				b, err := ix.Tile(context.Background(), tt[0], tt[1], tt[2], &filters[fi])
				if err == nil && !bytes.Equal(b, want[[4]int{fi, tt[0], tt[1], tt[2]}]) {
					err = fmt.Errorf("filter %d tile %v differs from a sequential render", fi, tt)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
