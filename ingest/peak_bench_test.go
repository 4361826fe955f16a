package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"crimemap/ingest"
	"crimemap/internal/benchdata"
)

// BenchmarkLoadPeak loads the synthetic year (CRIMEMAP_BENCH, or the folder
// CRIMEMAP_BENCH_DATA names) and reports the load's peak resident memory
// against the heap the dataset holds once loaded: target at most 1.5.
func BenchmarkLoadPeak(b *testing.B) {
	if os.Getenv("CRIMEMAP_BENCH") == "" && os.Getenv("CRIMEMAP_BENCH_DATA") == "" {
		b.Skip("CRIMEMAP_BENCH and CRIMEMAP_BENCH_DATA not set")
	}
	benchLoadPeak(b, benchdata.Dir(b))
}

// BenchmarkHistoryLoadPeak is BenchmarkLoadPeak for the long history's
// CSVs (CRIMEMAP_BENCH_HISTORY); it loads them once whatever -benchtime
// asks, as the other history benchmarks do.
func BenchmarkHistoryLoadPeak(b *testing.B) {
	dir := os.Getenv(benchdata.HistoryEnv)
	if fi, err := os.Stat(dir); dir == "" || testing.Short() || err != nil || !fi.IsDir() {
		b.Skip(benchdata.HistoryEnv + " names no folder of CSVs (or -short)")
	}
	benchLoadPeak(b, dir)
}

func benchLoadPeak(b *testing.B, dir string) {
	if _, ok := residentBytes(); !ok {
		b.Skip("no /proc/self/statm: resident memory is not measured here")
	}
	peak, held, crimes, err := loadPeak(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	b.ReportMetric(float64(peak)/float64(held), "peak/resident")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(held)/float64(crimes), "bytes/crime")
}

// loadPeak loads dir and returns the most memory the process had resident
// during the load and the heap the dataset holds after it, both above what
// was resident and held before.
func loadPeak(dir string) (peak, held uint64, crimes int, err error) {
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	base, _ := residentBytes()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		top := base
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if r, _ := residentBytes(); r > top {
				top = r
			}
			select {
			case <-stop:
				done <- top
				return
			case <-tick.C:
			}
		}
	}()
	ds, sum, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
	close(stop)
	top := <-done
	if err != nil {
		return 0, 0, 0, err
	}
	if sum.HasFailures() {
		return 0, 0, 0, fmt.Errorf("failed files: %v", sum.Failed)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ds)
	return top - base, after.HeapInuse - before.HeapInuse, ds.Len(), nil
}

// residentBytes is the process's resident set, from /proc.
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	var pages uint64
	if _, err := fmt.Sscan(string(f[1]), &pages); err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}
