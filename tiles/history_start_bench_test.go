package tiles

import (
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// BenchmarkHistoryStart is serve --snapshot's start over the long history:
// open the snapshot (CRIMEMAP_BENCH_HISTORY), then the tile index stored in
// it (with the latest months appended when the snapshot stores them apart,
// and the index stored for them); target at most 5 s from open to ready. It reports each step's wall
// time and the process's CPU time for both, as on a shared host the wall
// time is mostly the neighbours'. Each open maps the file anew, so run it a
// few times only.
func BenchmarkHistoryStart(b *testing.B) {
	path := benchdata.HistorySnapshot(b)
	var open, index time.Duration
	var ix *Index
	stored := true
	c0 := processCPU()
	for b.Loop() {
		t0 := time.Now()
		root, err := geo.OpenSnapshot(path)
		if err != nil {
			b.Fatal(err)
		}
		ds, _, err := root.WithAppended()
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ix = NewIndex(ds, DefaultOptions())
		stored = stored && fromPart(ix)
		open, index = open+t1.Sub(t0), index+time.Since(t1)
	}
	if !stored {
		b.Log("the snapshot holds no tile index for the default options: it was built")
	}
	b.ReportMetric((processCPU()-c0).Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(open.Seconds()/float64(b.N), "open-s")
	b.ReportMetric(index.Seconds()/float64(b.N), "index-s")
}
