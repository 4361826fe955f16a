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
// a server's are.
func benchAppend(b *testing.B, base *geo.Dataset) {
	every := make([]int, geo.FinestRes+1)
	for r := range every {
		every[r] = r
	}
	base.PrepareHex(every...)
	month := geo.NextMonth(base)
	b.ReportAllocs()
	var d *geo.Dataset
	var appending, hex time.Duration
	for b.Loop() {
		t0 := time.Now()
		var err error
		if d, err = geo.Append(base, month); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		d.PrepareHex(every...)
		appending, hex = appending+t1.Sub(t0), hex+time.Since(t1)
	}
	b.ReportMetric(appending.Seconds()/float64(b.N), "append-s")
	b.ReportMetric(hex.Seconds()/float64(b.N), "hex-s")
	b.ReportMetric(float64(month.Len()), "month-crimes")
	b.ReportMetric(float64(d.Len()), "crimes")
}
