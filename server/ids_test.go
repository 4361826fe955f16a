package server_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
)

// TestIDsFollowTheData loads the same files named in two orders: crime ids
// and location_ids (positions in the dataset's own order, by month and
// force, then Hilbert order of the points) must come out the same, so an
// id stays valid across reloads and replicas of the same files.
func TestIDsFollowTheData(t *testing.T) {
	london := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	tiny := testsupport.Shared(t, "tiny-excerpts-avon-bedfordshire-2018-01")
	paths := []string{
		testsupport.HampshireDir(t),
		filepath.Join(london, "2016-01-city-of-london-street.csv"),
		filepath.Join(london, "2016-01-city-of-london-outcomes.csv"),
		filepath.Join(london, "2016-02-city-of-london-street.csv"),
		filepath.Join(tiny, "2018-01-bedfordshire-street.csv"),
		filepath.Join(tiny, "2018-01-avon-and-somerset-street.csv"),
	}
	load := func(paths []string) *geo.Dataset {
		ds, _, err := ingest.Load(context.Background(), paths,
			ingest.Options{Workers: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	a := load(paths)
	reversed := slices.Clone(paths)
	slices.Reverse(reversed)
	b := load(reversed)
	if a.Version() != b.Version() || a.Len() != b.Len() || a.NumPoints() != b.NumPoints() {
		t.Fatalf("versions %s and %s, %d and %d crimes, %d and %d points", a.Version(), b.Version(),
			a.Len(), b.Len(), a.NumPoints(), b.NumPoints())
	}
	for c := range geo.CrimeID(a.Len()) {
		pa, pb := a.PointOf(c), b.PointOf(c)
		if pa != pb || a.PersistentID(c) != b.PersistentID(c) || a.Month(c) != b.Month(c) || a.Context(c) != b.Context(c) {
			t.Fatalf("crime %d: point %d and %d, %q and %q", c, pa, pb, a.PersistentID(c), b.PersistentID(c))
		}
	}
	for p := range geo.PointID(a.NumPoints()) {
		if a.Point(p) != b.Point(p) {
			t.Fatalf("location %d: %+v and %+v", p, a.Point(p), b.Point(p))
		}
	}
}
