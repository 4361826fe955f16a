package tiles

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/benchdata"
	"crimemap/internal/testsupport"
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

// BenchmarkHistoryTileParts is BenchmarkHistoryTile once the months
// CRIMEMAP_BENCH_MONTHS lists (folders, separated as in PATH) are added to
// the history, two ways: each as a part of its own, as a server has them
// after as many monthly reloads ("appended"), and together as one part, as
// the reload that merges a server's appended parts (serve's
// --max-appended) leaves them ("merged"). Each tile is rendered both ways
// in turn, the order alternating, so that the host's noise falls on both
// alike; the p99s of CPU per tile are reported side by side.
func BenchmarkHistoryTileParts(b *testing.B) {
	months := filepath.SplitList(os.Getenv("CRIMEMAP_BENCH_MONTHS"))
	if len(months) == 0 {
		b.Skip("CRIMEMAP_BENCH_MONTHS names no folders")
	}
	ds := benchdata.History(b)
	opt := ingest.Options{Logger: slog.New(slog.DiscardHandler)}
	extend := func(ds *geo.Dataset, ix *Index, folders []string) (*geo.Dataset, *Index) {
		ext, sum, err := ingest.Extend(context.Background(), ds, folders, opt)
		if err != nil || sum.HasFailures() {
			b.Fatalf("%v not appended: %v %v", folders, err, sum.Failed)
		}
		eix, err := ix.Extend(ext)
		if err != nil {
			b.Fatal(err)
		}
		return ext, eix
	}
	appended, aix := ds, historyIndex(ds)
	for _, m := range months {
		appended, aix = extend(appended, aix, []string{m})
	}
	merged, mix := extend(ds, historyIndex(ds), months)
	if appended.Version() != merged.Version() {
		b.Fatalf("appended version %s, merged %s", appended.Version(), merged.Version())
	}
	runtime.GC()
	ixs := []*Index{aix, mix}
	for _, band := range zoomBands {
		var ts [][3]int
		for z := band[0]; z <= band[1]; z++ {
			ts = append(ts, SampleTiles(merged, z, 200, 1)...)
		}
		for _, v := range longRanges(merged) {
			b.Run(fmt.Sprintf("z%d-%d/%s", band[0], band[1], v.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var cpu [2][]time.Duration
				for i := 0; b.Loop(); i++ {
					t := ts[i%len(ts)]
					for k := range 2 {
						w := (i + k) % 2
						c0, _ := testsupport.ThreadCPU()
						raw, err := ixs[w].Tile(context.Background(), t[0], t[1], t[2], &v.f)
						c1, ok := testsupport.ThreadCPU()
						if err != nil {
							b.Fatal(err)
						}
						if !ok {
							b.Skip("no per-thread CPU clock here")
						}
						cpu[w] = append(cpu[w], time.Duration(c1-c0))
						_ = raw
					}
				}
				for w, name := range []string{"appended", "merged"} {
					slices.Sort(cpu[w])
					b.ReportMetric(float64(cpu[w][len(cpu[w])/2].Microseconds()), name+"-p50-cpu-µs")
					b.ReportMetric(float64(cpu[w][len(cpu[w])*99/100].Microseconds()), name+"-p99-cpu-µs")
				}
			})
		}
	}
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
