package geo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/benchdata"
)

// BenchmarkStart compares the two ways serve gets its dataset on the
// national synthetic year: building it from the CSVs, and opening a
// snapshot of it (mapped, every section's checksum verified, the R-tree
// rebuilt). The snapshot's file is in the page cache, as on a restart.
func BenchmarkStart(b *testing.B) {
	dir := benchdata.Dir(b)
	ds := benchdata.Dataset(b)
	path := filepath.Join(b.TempDir(), "national.snap")
	if err := geo.WriteSnapshotFile(path, ds); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("snapshot", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for b.Loop() {
			got, err := geo.OpenSnapshot(path)
			if err != nil {
				b.Fatal(err)
			}
			if got.Version() != ds.Version() {
				b.Fatalf("version %s, want %s", got.Version(), ds.Version())
			}
		}
		b.ReportMetric(float64(fi.Size())/float64(ds.Len()), "file-B/crime")
	})
	b.Run("csv", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
