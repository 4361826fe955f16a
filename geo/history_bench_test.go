package geo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// The benchmarks over the long history (fifteen years, 90M crimes) run only
// where CRIMEMAP_BENCH_HISTORY names its folder; run them with -p 1, since
// each package's binary loads the whole history.

// BenchmarkHistoryResidentBytes reports the long history's heap per crime,
// indexes included. The target, at most 36 bytes, counts the tile index
// too: tiles' BenchmarkHistoryResidentBytes reports the two together.
func BenchmarkHistoryResidentBytes(b *testing.B) {
	bpc := benchdata.HistoryBytesPerCrime(b)
	for b.Loop() {
	}
	b.ReportMetric(bpc, "bytes/crime")
	b.ReportMetric(float64(benchdata.History(b).Len()), "crimes")
}

// BenchmarkHistoryStart opens the long history's snapshot as serve
// --snapshot does (mapped, every section's checksum verified, the R-tree
// rebuilt, the latest months appended where it stores them apart): target
// at most 5 s, with the tile index (see the tiles
// package's BenchmarkHistoryStart). The file is in the page cache, as on a
// restart; the process's CPU time is reported beside the wall time, which
// on a shared host is mostly the neighbours'. Each open maps the file
// anew, so run it a few times only.
func BenchmarkHistoryStart(b *testing.B) {
	path := benchdata.HistorySnapshot(b)
	var ds *geo.Dataset
	c0 := cpuTime()
	for b.Loop() {
		root, err := geo.OpenSnapshot(path)
		if err != nil {
			b.Fatal(err)
		}
		if ds, _, err = root.WithAppended(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(ds.Len()), "crimes")
}

// BenchmarkHistoryCounts5km counts by category and month over the fifteen
// years within 5 km of a dense city centre: target p99 under 5 ms.
func BenchmarkHistoryCounts5km(b *testing.B) {
	benchCounts5km(b, benchdata.History(b))
}

// BenchmarkHistoryRadiusList lists the crimes within one mile of a dense city
// centre in one month, the latest and one of the first year, as the 1-mile
// list of the national year does.
func BenchmarkHistoryRadiusList(b *testing.B) {
	ds := benchdata.History(b)
	months := ds.Months()
	for _, m := range []geo.Month{ds.LatestMonth(), months[5]} {
		b.Run(m.String(), func(b *testing.B) { benchRadiusList(b, ds, m) })
	}
}

// BenchmarkHistoryHexNational counts every crime of a year into the H3
// cells of resolution 7 over England and Wales: target p99 under 30 ms. The
// latest year, and one from before the 2013 category change.
func BenchmarkHistoryHexNational(b *testing.B) {
	ds := benchdata.History(b)
	prepare(b, ds, 7)
	months := ds.Months()
	ew, _ := geo.NewBox(-6.5, 49.8, 2.0, 55.9)
	latest := slices.Index(months, ds.LatestMonth())
	for _, last := range []int{latest, 23} {
		f := geo.Filter{From: months[last-11], To: months[last]}
		b.Run(f.From.String()+"_"+f.To.String(), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			cpu := make([]time.Duration, 0, b.N)
			var cells int
			loop(b, func() {
				c0, t0 := cpuTime(), time.Now()
				hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 7, Area: ew, Filter: f})
				lat = append(lat, time.Since(t0))
				cpu = append(cpu, cpuTime()-c0)
				if err != nil {
					b.Fatal(err)
				}
				cells = hc.Len()
			})
			b.ReportMetric(float64(cells), "cells")
			reportLatency(b, lat, cpu...)
		})
	}
}
