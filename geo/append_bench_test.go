package geo_test

import (
	"testing"

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

func benchAppend(b *testing.B, base *geo.Dataset) {
	month := geo.NextMonth(base)
	b.ReportAllocs()
	var d *geo.Dataset
	for b.Loop() {
		var err error
		if d, err = geo.Append(base, month); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(month.Len()), "month-crimes")
	b.ReportMetric(float64(d.Len()), "crimes")
}
