package tiles

import (
	"runtime"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

var (
	historyOnce sync.Once
	historyIx   *Index
)

// BenchmarkHistoryTile renders clustered and point tiles of the fifteen-year
// history (CRIMEMAP_BENCH_HISTORY) filtered to long ranges: one crime type
// over every year since the 2013 category change, and everything over the
// last five years; the targets are those of the national year's tiles.
func BenchmarkHistoryTile(b *testing.B) {
	ds := benchdata.History(b)
	historyOnce.Do(func() {
		historyIx = NewIndex(ds, DefaultOptions())
		// An index built rather than read from the snapshot leaves
		// garbage whose collection would be charged to the first tiles.
		runtime.GC()
	})
	months := ds.Months()
	last := len(months) - 1
	burglary, _ := ds.Categories().BySlug("burglary")
	var since2013 geo.Filter
	since2013.Categories.Add(burglary)
	since2013.From, since2013.To = months[min(28, last)], months[last]
	fiveYears := geo.Filter{From: months[max(0, last-59)], To: months[last]}
	benchTileFilters(b, ds, historyIx, []namedFilter{{"burglary-since-2013-05", since2013}, {"five-years", fiveYears}})
}
