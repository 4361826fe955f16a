package reload

import (
	"os"
	"testing"
)

// BenchmarkScanHistory scans the folder CRIMEMAP_BENCH_SCAN names, such as
// the long history's 7,740 files, as every reload does first.
func BenchmarkScanHistory(b *testing.B) {
	dir := os.Getenv("CRIMEMAP_BENCH_SCAN")
	if dir == "" {
		b.Skip("CRIMEMAP_BENCH_SCAN names no folder")
	}
	n := 0
	for b.Loop() {
		s, err := Scan([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		n = len(s)
	}
	b.ReportMetric(float64(n), "files")
}
