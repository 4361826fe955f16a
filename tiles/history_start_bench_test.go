package tiles

import (
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// BenchmarkHistoryStart is serve --snapshot's start over the long history:
// open the snapshot (CRIMEMAP_BENCH_HISTORY), then the tile index stored in
// it; target at most 5 s from open to ready. It reports each step. Each
// open maps the file anew, so run it a few times only.
func BenchmarkHistoryStart(b *testing.B) {
	path := benchdata.HistorySnapshot(b)
	var open, index time.Duration
	var ix *Index
	for b.Loop() {
		t0 := time.Now()
		ds, err := geo.OpenSnapshot(path)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ix = NewIndex(ds, DefaultOptions())
		open, index = open+t1.Sub(t0), index+time.Since(t1)
	}
	if !fromPart(ix) {
		b.Log("the snapshot holds no tile index for the default options: it was built")
	}
	b.ReportMetric(open.Seconds()/float64(b.N), "open-s")
	b.ReportMetric(index.Seconds()/float64(b.N), "index-s")
}
