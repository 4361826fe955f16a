// Package benchdata gives benchmarks the national-scale synthetic year: six
// million crimes over twelve months, generated once into a cache folder by
// package synth and loaded by package ingest, so every package measures the
// same data.
package benchdata

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/reload"
	"crimemap/synth"
)

// loaded is a dataset loaded once per process, with the heap it holds.
type loaded struct {
	once     sync.Once
	dataset  *geo.Dataset
	earlier  *geo.Dataset // see ingest.LoadApart
	resident uint64
	err      error
}

var year, history loaded

// get loads dir once: the heap is measured after a collection, so the
// load's transient buffers are not counted.
func (l *loaded) get(b testing.TB, dir string) *geo.Dataset {
	b.Helper()
	l.once.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if isFile(dir) {
			// A snapshot that stores its latest months apart serves them
			// appended.
			var root *geo.Dataset
			if root, l.err = geo.OpenSnapshot(dir); l.err == nil {
				l.dataset, _, l.err = root.WithAppended()
			}
		} else {
			// As serve loads the files: the latest months apart, of
			// the files its scan finds.
			var scan reload.Snapshot
			if scan, l.err = reload.Scan([]string{dir}); l.err == nil {
				// The months before the latest are kept as serve keeps
				// them, to rebuild the latest alone: their heap counts.
				l.dataset, l.earlier, _, l.err = ingest.LoadApart(context.Background(), []string{dir}, scan.Files(), ingest.RecentMonths, ingest.Options{})
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		l.resident = after.HeapInuse - before.HeapInuse
	})
	if l.err != nil {
		b.Fatal(l.err)
	}
	return l.dataset
}

// Config is the synthetic year; CRIMEMAP_BENCH_N overrides the crime count
// for a quicker run.
func Config() synth.Config {
	cfg := synth.DefaultConfig()
	if n, e := strconv.Atoi(os.Getenv("CRIMEMAP_BENCH_N")); e == nil && n > 0 {
		cfg.N = n
	}
	return cfg
}

// Dir returns the folder of the benchmark data: CRIMEMAP_BENCH_DATA when it
// names a folder, otherwise the synthetic archive, generated on first use.
// It skips the benchmark in -short mode.
func Dir(b testing.TB) string {
	b.Helper()
	if testing.Short() {
		b.Skip("national-scale benchmark data skipped in -short mode")
	}
	if d := os.Getenv("CRIMEMAP_BENCH_DATA"); d != "" && d != "synth" {
		return d
	}
	d, e := synth.EnsureDir(Config())
	if e != nil {
		b.Fatal(e)
	}
	return d
}

// Dataset loads the synthetic year once per process.
func Dataset(b testing.TB) *geo.Dataset {
	b.Helper()
	return year.get(b, Dir(b))
}

// BytesPerCrime is the heap the loaded dataset holds, indexes included,
// divided by its crimes: measured after a collection, so the load's
// transient buffers are not counted.
func BytesPerCrime(b testing.TB) float64 {
	ds := Dataset(b)
	return float64(year.resident) / float64(ds.Len())
}

// HistoryEnv names the folder of the long synthetic history, fifteen years
// and 90M crimes written by `make synth-history`, or a snapshot of it
// (`crimemap snapshot`), which opens in seconds rather than minutes. It is
// never generated on demand: the benchmarks over it skip when it is not set.
const HistoryEnv = "CRIMEMAP_BENCH_HISTORY"

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// History loads the long history once per process, or skips the benchmark
// (in -short mode too).
func History(b testing.TB) *geo.Dataset {
	b.Helper()
	if testing.Short() {
		b.Skip("the long history is skipped in -short mode")
	}
	d := os.Getenv(HistoryEnv)
	if d == "" {
		b.Skip(HistoryEnv + " names no folder: the long history is not generated here (make synth-history)")
	}
	return history.get(b, d)
}

// HistorySnapshot returns the snapshot of the long history that
// CRIMEMAP_BENCH_HISTORY names, or skips the benchmark when it names none
// (or names the CSVs' folder), and in -short mode.
func HistorySnapshot(b testing.TB) string {
	b.Helper()
	if testing.Short() {
		b.Skip("the long history is skipped in -short mode")
	}
	p := os.Getenv(HistoryEnv)
	if !isFile(p) {
		b.Skip(HistoryEnv + " names no snapshot (crimemap snapshot of make synth-history's folder)")
	}
	return p
}

// HistoryBytesPerCrime is BytesPerCrime for the long history loaded from
// its CSVs as serve loads them (the latest months apart); a snapshot maps
// its columns outside the heap, so it is skipped.
func HistoryBytesPerCrime(b testing.TB) float64 {
	if isFile(os.Getenv(HistoryEnv)) {
		b.Skip(HistoryEnv + " names a snapshot: resident bytes are measured on the CSVs")
	}
	ds := History(b)
	return float64(history.resident) / float64(ds.Len())
}
