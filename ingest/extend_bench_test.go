package ingest_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/benchdata"
)

// BenchmarkExtendHistory adds one month's files to the long history
// without that month (a snapshot, CRIMEMAP_BENCH_HISTORY), as a monthly
// update does: CRIMEMAP_BENCH_MONTH names the month's folder. The build's
// phases are logged.
func BenchmarkExtendHistory(b *testing.B) {
	month := os.Getenv("CRIMEMAP_BENCH_MONTH")
	if month == "" {
		b.Skip("CRIMEMAP_BENCH_MONTH names no folder")
	}
	base := historyBase(b)
	var sum *ingest.Summary
	for b.Loop() {
		var ds *geo.Dataset
		var err error
		ds, sum, err = ingest.Extend(context.Background(), base, []string{month}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if sum.HasFailures() {
			b.Fatalf("failed files: %v", sum.Failed)
		}
		b.ReportMetric(float64(ds.Len()), "crimes")
	}
	b.Logf("phases: %v", sum.Phases)
}

// BenchmarkReviseHistory applies a revised street file
// (CRIMEMAP_BENCH_REVISED, a force-month of the history's latest months
// with its crimes changed) to the history of CRIMEMAP_BENCH_HISTORY in
// place: the parse of that file and the part holding it made again from
// its columns (geo.Revise).
func BenchmarkReviseHistory(b *testing.B) {
	file := os.Getenv("CRIMEMAP_BENCH_REVISED")
	if file == "" {
		b.Skip("CRIMEMAP_BENCH_REVISED names no file")
	}
	base := historyBase(b)
	var sum *ingest.Summary
	for b.Loop() {
		var ds *geo.Dataset
		var err error
		ds, sum, err = ingest.Revise(context.Background(), base, []string{file}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if ds.Revises(base) == nil {
			b.Fatal("not revised in place")
		}
	}
	b.Logf("phases: %v", sum.Phases)
}

// historyBase opens the history's snapshot (CRIMEMAP_BENCH_HISTORY) with
// the months it stores apart appended, as serve starts from it.
func historyBase(b *testing.B) *geo.Dataset {
	root, err := geo.OpenSnapshot(benchdata.HistorySnapshot(b))
	if err != nil {
		b.Fatal(err)
	}
	base, _, err := root.WithAppended()
	if err != nil {
		b.Fatal(err)
	}
	return base
}
