package basemap

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"crimemap/internal/benchdata"
	"crimemap/internal/testsupport"
	"crimemap/tiles"
)

// BenchmarkBasemapTiles renders data-weighted land and label tiles of the
// synthetic year uncached, as a cache miss does, by zoom band, reporting
// p50 and p99 per tile besides ns/op.
func BenchmarkBasemapTiles(b *testing.B) {
	ds := benchdata.Dataset(b)
	labels := LabelLayer(ds)
	placesOf(ds) // once a dataset, at its first tile
	for _, band := range [][2]int{{0, 5}, {6, 8}, {9, 12}, {13, 14}, {15, 16}} {
		var ts [][3]int
		for z := band[0]; z <= band[1]; z++ {
			ts = append(ts, tiles.SampleTiles(ds, z, 200, 1)...)
		}
		for _, l := range []tiles.Layer{LandLayer(), labels} {
			name := fmt.Sprintf("%s/z%02d-%02d", l.Name(), band[0], band[1])
			b.Run(name, func(b *testing.B) {
				p := l.Normalize(0, tiles.Params{})
				op := func(i int) {
					t := ts[i%len(ts)]
					if _, err := l.Tile(context.Background(), t[0], t[1], t[2], p); err != nil {
						b.Fatal(err)
					}
				}
				for i := 0; b.Loop(); i++ {
					op(i)
				}
				lat, _ := testsupport.Latencies(max(b.N, len(ts)), op)
				b.ReportMetric(float64(testsupport.Percentile(lat, 50).Microseconds()), "p50-µs")
				b.ReportMetric(float64(testsupport.Percentile(lat, 99).Microseconds()), "p99-µs")
				// On a shared host the wall-clock tail is mostly other
				// processes; the thread's CPU time is the tile's own.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu := make([]time.Duration, 0, len(ts))
				for i := range max(b.N, len(ts)) {
					c0, ok0 := testsupport.ThreadCPU()
					op(i)
					if c1, ok1 := testsupport.ThreadCPU(); ok0 && ok1 {
						cpu = append(cpu, time.Duration(c1-c0))
					}
				}
				if len(cpu) > 0 {
					slices.Sort(cpu)
					b.ReportMetric(float64(testsupport.Percentile(cpu, 99).Microseconds()), "p99-cpu-µs")
				}
			})
		}
	}
}
