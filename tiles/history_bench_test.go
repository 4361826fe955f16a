package tiles

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
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
	benchTileFilters(b, ds, historyIndex(ds), longRanges(ds))
}

// BenchmarkHistoryTileAppended is BenchmarkHistoryTile once the month
// CRIMEMAP_BENCH_MONTH names (a folder of its files) is appended to the
// history as a part of its own and the index extended, as a server has it
// after a monthly reload.
func BenchmarkHistoryTileAppended(b *testing.B) {
	month := os.Getenv("CRIMEMAP_BENCH_MONTH")
	if month == "" {
		b.Skip("CRIMEMAP_BENCH_MONTH names no folder")
	}
	ds := benchdata.History(b)
	ext, sum, err := ingest.Extend(context.Background(), ds, []string{month}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil || sum.HasFailures() {
		b.Fatalf("month not appended: %v %v", err, sum.Failed)
	}
	ix, err := historyIndex(ds).Extend(ext)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	benchTileFilters(b, ext, ix, longRanges(ext))
}

// historyIndex returns the index of the history, built once.
func historyIndex(ds *geo.Dataset) *Index {
	historyOnce.Do(func() {
		historyIx = NewIndex(ds, DefaultOptions())
		// An index built rather than read from the snapshot leaves
		// garbage whose collection would be charged to the first tiles.
		runtime.GC()
	})
	return historyIx
}

// longRanges are the long-range filters of the history's tile benchmarks:
// burglary since the 2013 category change, and everything over the last
// five years.
func longRanges(ds *geo.Dataset) []namedFilter {
	months := ds.Months()
	last := len(months) - 1
	burglary, _ := ds.Categories().BySlug("burglary")
	var since2013 geo.Filter
	since2013.Categories.Add(burglary)
	since2013.From, since2013.To = months[min(28, last)], months[last]
	fiveYears := geo.Filter{From: months[max(0, last-59)], To: months[last]}
	return []namedFilter{{"burglary-since-2013-05", since2013}, {"five-years", fiveYears}}
}
