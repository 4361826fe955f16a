package ingest_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
)

// TestLoadMonthOnBase loads eighteen real months of the City of London
// (street, outcomes and stop-and-search files) in one piece, then the
// first seventeen and the last on them: the last month's crimes are the
// same, with the same points, public ids, categories, outcomes and
// outcome histories, and a month no later than the base's is refused.
func TestLoadMonthOnBase(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all, earlier, last []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		all = append(all, p)
		if strings.HasPrefix(e.Name(), "2017-06-") {
			last = append(last, p)
		} else {
			earlier = append(earlier, p)
		}
	}
	load := func(paths []string, base *geo.Dataset) (*geo.Dataset, error) {
		ds, _, err := ingest.Load(context.Background(), paths, ingest.Options{Logger: slog.New(slog.DiscardHandler), Base: base})
		return ds, err
	}
	full, err := load(all, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := load(earlier, nil)
	if err != nil {
		t.Fatal(err)
	}
	month, err := load(last, base)
	if err != nil {
		t.Fatal(err)
	}
	if month.NumPoints() != full.NumPoints() {
		t.Fatalf("%d points, want %d", month.NumPoints(), full.NumPoints())
	}
	for p := range geo.PointID(full.NumPoints()) {
		if a, b := month.Point(p), full.Point(p); a != b || month.LocationID(p) != full.LocationID(p) {
			t.Fatalf("point %d: %+v, want %+v", p, a, b)
		}
	}
	for _, v := range [][2]*geo.Vocab{{month.Categories(), full.Categories()}, {month.Outcomes(), full.Outcomes()}, {month.Forces(), full.Forces()}} {
		if !slices.Equal(v[0].Terms(), v[1].Terms()) {
			t.Fatalf("vocabulary %v, want %v", v[0].Terms(), v[1].Terms())
		}
	}
	jun := geo.MakeMonth(2017, 6)
	n, histories := 0, 0
	for c := range geo.CrimeID(full.Len()) {
		if full.Month(c) != jun {
			continue
		}
		n++
		mc, ok := month.CrimeByPublicID(full.PublicID(c))
		if !ok {
			t.Fatalf("crime %d (id %d) is not in the month", c, full.PublicID(c))
		}
		a, b := month.Crime(mc), full.Crime(c)
		a.ID, b.ID = 0, 0
		if a != b {
			t.Fatalf("id %d: %+v, want %+v", full.PublicID(c), a, b)
		}
		ha, hb := month.OutcomeHistory(mc), full.OutcomeHistory(c)
		if !slices.Equal(ha, hb) {
			t.Fatalf("id %d: history %v, want %v", full.PublicID(c), ha, hb)
		}
		histories += len(ha)
	}
	if n != month.Len() || n < 500 || histories == 0 {
		t.Fatalf("the month has %d crimes and %d history entries, the one-piece build %d crimes of the month", month.Len(), histories, n)
	}

	if _, err := load(earlier[:3], month); err == nil {
		t.Fatal("a month no later than the base's was built on it")
	}
}
