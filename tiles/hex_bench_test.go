package tiles

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"crimemap/geo"
)

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchHexTiles renders data-weighted hex tiles of each zoom band uncached,
// with and without a category filter, reporting p50 and p99 wall latency and
// CPU time per tile (wall time on a shared machine includes the neighbours).
func benchHexTiles(b *testing.B, ds *geo.Dataset) {
	start := time.Now()
	for res := 0; res <= geo.FinestRes; res++ {
		ds.PrepareHex(res)
	}
	b.Logf("cell columns for resolutions 0..13: %v", time.Since(start))
	burglary, _ := ds.Categories().BySlug("burglary")
	var cat geo.Filter
	cat.Categories.Add(burglary)
	for _, band := range zoomBands {
		var ts [][3]int
		for z := band[0]; z <= band[1]; z++ {
			ts = append(ts, SampleTiles(ds, z, 200, 1)...)
		}
		for _, v := range []struct {
			name string
			f    geo.Filter
		}{{"all", geo.Filter{}}, {"burglary", cat}} {
			b.Run(fmt.Sprintf("z%d-%d/%s", band[0], band[1], v.name), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				bytes := 0
				b.ReportAllocs()
				var cpu0 time.Duration
				for i := 0; b.Loop(); i++ {
					if i == 0 {
						cpu0 = processCPU()
					}
					t := ts[i%len(ts)]
					start := time.Now()
					raw, err := HexTile(context.Background(), ds, t[0], t[1], t[2], -1, &v.f)
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(raw)
				}
				b.ReportMetric(float64(processCPU()-cpu0)/float64(len(lat))/1e3, "cpu-µs/tile")
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				b.ReportMetric(float64(bytes)/float64(len(lat)), "bytes/tile")
			})
		}
	}
}

func BenchmarkHexTileReal(b *testing.B) { benchHexTiles(b, hampshire(b)) }

func BenchmarkHexTileSynthetic(b *testing.B) {
	ds, _ := synthetic(b)
	benchHexTiles(b, ds)
}
