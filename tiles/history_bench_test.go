package tiles

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"

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
	_, ext, ix := appendedHistory(b)
	benchTileFilters(b, ext, ix, longRanges(ext))
}

// appendedHistory returns the history, the history with the month
// CRIMEMAP_BENCH_MONTH names appended as a part, and the index of the
// latter extended from the history's; it skips b where no month is named.
func appendedHistory(b *testing.B) (ds, ext *geo.Dataset, ix *Index) {
	month := os.Getenv("CRIMEMAP_BENCH_MONTH")
	if month == "" {
		b.Skip("CRIMEMAP_BENCH_MONTH names no folder")
	}
	ds = benchdata.History(b)
	ext, sum, err := ingest.Extend(context.Background(), ds, []string{month}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil || sum.HasFailures() {
		b.Fatalf("month not appended: %v %v", err, sum.Failed)
	}
	if ix, err = historyIndex(ds).Extend(ext); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return ds, ext, ix
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
	benchPaired(b, merged, map[string]*Index{"appended": aix, "merged": mix})
}

// BenchmarkHistoryTileRuns is BenchmarkHistoryTileAppended with each tile
// rendered twice in turn, the order alternating: the appended month's
// crimes read by runs (see scanRuns), as the index holds them, and point by
// point, as every part's were before.
func BenchmarkHistoryTileRuns(b *testing.B) {
	_, ext, runs := appendedHistory(b)
	l := runs.runs[ext.NumParts()-1]
	if l == nil {
		b.Fatal("the appended month has no runs")
	}
	b.Logf("%d runs of %d points, %d bytes", len(l.runs), ext.NumPoints(), runListBytes(l))
	points := runs.sharedWith(ext)
	points.partRuns(0)
	runtime.GC()
	benchPaired(b, ext, map[string]*Index{"runs": runs, "points": points})
}

// runListBytes returns the bytes l holds.
func runListBytes(l *runList) int {
	return len(l.runs)*int(unsafe.Sizeof(permRun{})) + 4*len(l.dir)
}

// benchPaired renders the tiles of benchTileFilters' bands under the long
// ranges with each index of ixs in turn, the order rotating from tile to
// tile, so that the host's noise falls on all alike, and reports the p50
// and p99 of CPU per tile of each, by name.
func benchPaired(b *testing.B, ds *geo.Dataset, ixs map[string]*Index) {
	names := slices.Sorted(maps.Keys(ixs))
	for _, band := range zoomBands {
		var ts [][3]int
		for z := band[0]; z <= band[1]; z++ {
			ts = append(ts, SampleTiles(ds, z, 200, 1)...)
		}
		for _, v := range longRanges(ds) {
			b.Run(fmt.Sprintf("z%d-%d/%s", band[0], band[1], v.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu := make([][]time.Duration, len(names))
				for i := 0; b.Loop(); i++ {
					t := ts[i%len(ts)]
					for k := range names {
						w := (i + k) % len(names)
						c0, _ := testsupport.ThreadCPU()
						_, err := ixs[names[w]].Tile(context.Background(), t[0], t[1], t[2], &v.f)
						c1, ok := testsupport.ThreadCPU()
						if err != nil {
							b.Fatal(err)
						}
						if !ok {
							b.Skip("no per-thread CPU clock here")
						}
						cpu[w] = append(cpu[w], time.Duration(c1-c0))
					}
				}
				for w, name := range names {
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

// BenchmarkHistoryTileOneVsAppended renders each tile of
// BenchmarkHistoryTileAppended in turn with the appended index and with
// the index of the history without the month: what a month appended as a
// part costs a tile, the host's noise falling on both alike.
func BenchmarkHistoryTileOneVsAppended(b *testing.B) {
	ds, ext, ix := appendedHistory(b)
	benchPaired(b, ext, map[string]*Index{"one": historyIndex(ds), "appended": ix})
}

// BenchmarkHistoryTileSplit is BenchmarkHistoryTile over the history as a
// server serves it from a snapshot that stores its latest months apart
// (crimemap snapshot -recent-months; CRIMEMAP_BENCH_SPLIT names it): the
// months before them with the latest appended, and the index stored for
// them ("split"), or the earlier months' index extended, as after a reload
// that rebuilt the latest months ("extended"), against the same months in
// one piece (CRIMEMAP_BENCH_HISTORY, "one"), each tile rendered every way
// in turn.
func BenchmarkHistoryTileSplit(b *testing.B) {
	path := os.Getenv("CRIMEMAP_BENCH_SPLIT")
	if path == "" {
		b.Skip("CRIMEMAP_BENCH_SPLIT names no snapshot")
	}
	ds := benchdata.History(b)
	root, err := geo.OpenSnapshot(path)
	if err != nil {
		b.Fatal(err)
	}
	split, ok, err := root.WithAppended()
	switch {
	case err != nil:
		b.Fatal(err)
	case !ok:
		b.Skip(path + " stores no months apart")
	case split.Version() != ds.Version():
		b.Fatalf("%s holds version %s, the history %s", path, split.Version(), ds.Version())
	}
	ext, err := NewIndex(root, DefaultOptions()).Extend(split)
	if err != nil {
		b.Fatal(err)
	}
	benchPaired(b, split, map[string]*Index{"one": historyIndex(ds), "split": NewIndex(split, DefaultOptions()), "extended": ext})
}
