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
	"crimemap/synth"
)

var (
	once     sync.Once
	dataset  *geo.Dataset
	resident uint64
	err      error
)

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
	d := Dir(b)
	once.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		dataset, _, err = ingest.Load(context.Background(), []string{d}, ingest.Options{})
		runtime.GC()
		runtime.ReadMemStats(&after)
		resident = after.HeapInuse - before.HeapInuse
	})
	if err != nil {
		b.Fatal(err)
	}
	return dataset
}

// BytesPerCrime is the heap the loaded dataset holds, indexes included,
// divided by its crimes: measured after a collection, so the load's
// transient buffers are not counted.
func BytesPerCrime(b testing.TB) float64 {
	ds := Dataset(b)
	return float64(resident) / float64(ds.Len())
}
