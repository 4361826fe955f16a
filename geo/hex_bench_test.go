package geo_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// benchDataset is the synthetic national year, or the folder named by
// CRIMEMAP_BENCH_DATA.
func benchDataset(b *testing.B) *geo.Dataset { return benchdata.Dataset(b) }

// cpuTime returns the CPU time the process has used. The benchmarks report
// it per operation beside wall time, because wall time on a shared machine
// measures the neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs op under b.Loop and reports CPU time per op.
func loop(b *testing.B, op func()) {
	b.ReportAllocs()
	var start time.Duration
	for b.Loop() {
		if start == 0 {
			start = cpuTime()
		}
		op()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// prepare computes the cell column of res outside the timed loop and reports
// how long that one-off step took.
func prepare(b *testing.B, ds *geo.Dataset, res int) {
	start := time.Now()
	ds.PrepareHex(res)
	b.Logf("resolution %d cell column: %v for %d snap points", res, time.Since(start), ds.NumPoints())
}

// BenchmarkHexNational aggregates every crime of one category over all
// months at resolution 7: the national map of one crime type.
func BenchmarkHexNational(b *testing.B) {
	ds := benchDataset(b)
	prepare(b, ds, 7)
	burglary, _ := ds.Categories().BySlug("burglary")
	var f geo.Filter
	f.Categories.Add(burglary)
	ew, _ := geo.NewBox(-6.5, 49.8, 2.0, 55.9)
	var cells int
	loop(b, func() {
		hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 7, Area: ew, Filter: f})
		if err != nil {
			b.Fatal(err)
		}
		cells = hc.Len()
	})
	b.ReportMetric(float64(cells), "cells")
}

// BenchmarkHexNationalScan is BenchmarkHexNational answered by scanning
// the crimes rather than from the precomputed counts: a filter naming every
// force selects the same crimes but needs the crime table.
func BenchmarkHexNationalScan(b *testing.B) {
	ds := benchDataset(b)
	prepare(b, ds, 7)
	burglary, _ := ds.Categories().BySlug("burglary")
	var f geo.Filter
	f.Categories.Add(burglary)
	for i := 0; i < ds.Forces().Len(); i++ {
		f.Forces.Add(i)
	}
	var cells int
	loop(b, func() {
		hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 7, Filter: f})
		if err != nil {
			b.Fatal(err)
		}
		cells = hc.Len()
	})
	b.ReportMetric(float64(cells), "cells")
}

// BenchmarkHexNationalByCategory is BenchmarkHexNational without the filter
// and with the category breakdown.
func BenchmarkHexNationalByCategory(b *testing.B) {
	ds := benchDataset(b)
	prepare(b, ds, 7)
	loop(b, func() {
		if _, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 7, ByCategory: true}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkHexCity aggregates one month of a city box at resolution 9.
func BenchmarkHexCity(b *testing.B) {
	ds := benchDataset(b)
	prepare(b, ds, 9)
	m := ds.LatestMonth()
	london, _ := geo.NewBox(-0.25, 51.45, 0.05, 51.57)
	var cells int
	loop(b, func() {
		hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 9, Area: london, Filter: geo.Filter{From: m, To: m}})
		if err != nil {
			b.Fatal(err)
		}
		cells = hc.Len()
	})
	b.ReportMetric(float64(cells), "cells")
}
