package geo_test

import (
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// BenchmarkAppend appends a month to the national year: the year's last
// month again, as the month after. The target is the cost of one month,
// whatever the size of the base.
func BenchmarkAppend(b *testing.B) {
	benchAppend(b, benchdata.Dataset(b))
}

// BenchmarkHistoryAppend appends a month to the fifteen years (90M crimes):
// target at most 2 s.
func BenchmarkHistoryAppend(b *testing.B) {
	benchAppend(b, benchdata.History(b))
}

// benchAppend reports Append's time and, apart, that of preparing the
// appended dataset's hex levels and counts when the base's are built, as
// a server's are. The month gives 400,000 crimes of the base an outcome,
// about what a national month's outcomes files do.
func benchAppend(b *testing.B, base *geo.Dataset) {
	every := make([]int, geo.FinestRes+1)
	for r := range every {
		every[r] = r
	}
	base.PrepareHex(every...)
	month := geo.NextMonth(base, 400_000)
	b.ReportAllocs()
	var d *geo.Dataset
	// CPU time beside wall time: on a shared host the wall time is mostly
	// the neighbours'. Append runs on one goroutine.
	var appending, appendCPU, hex time.Duration
	for b.Loop() {
		t0, c0 := time.Now(), cpuTime()
		var err error
		if d, err = geo.Append(base, month); err != nil {
			b.Fatal(err)
		}
		t1, c1 := time.Now(), cpuTime()
		d.PrepareHex(every...)
		appending, appendCPU, hex = appending+t1.Sub(t0), appendCPU+c1-c0, hex+time.Since(t1)
	}
	b.ReportMetric(appending.Seconds()/float64(b.N), "append-s")
	b.ReportMetric(appendCPU.Seconds()/float64(b.N), "append-cpu-s")
	b.ReportMetric(hex.Seconds()/float64(b.N), "hex-s")
	b.ReportMetric(float64(month.Len()), "month-crimes")
	b.ReportMetric(float64(geo.LaterRows(month)), "later-rows")
	b.ReportMetric(float64(d.Len()), "crimes")
}
