package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/server"
)

func loadIDs(t *testing.T, paths []string) *geo.Dataset {
	t.Helper()
	ds, _, err := ingest.Load(context.Background(), paths,
		ingest.Options{Workers: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestIDsFollowTheData loads the same files named in two orders: crime ids
// and location_ids must come out the same, so an id stays valid across
// reloads and replicas of the same files.
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
	a := loadIDs(t, paths)
	reversed := slices.Clone(paths)
	slices.Reverse(reversed)
	b := loadIDs(t, reversed)
	if a.Version() != b.Version() || a.Len() != b.Len() || a.NumPoints() != b.NumPoints() {
		t.Fatalf("versions %s and %s, %d and %d crimes, %d and %d points", a.Version(), b.Version(),
			a.Len(), b.Len(), a.NumPoints(), b.NumPoints())
	}
	for c := range geo.CrimeID(a.Len()) {
		pa, pb := a.PointOf(c), b.PointOf(c)
		if pa != pb || a.PublicID(c) != b.PublicID(c) || a.PersistentID(c) != b.PersistentID(c) || a.Month(c) != b.Month(c) || a.Context(c) != b.Context(c) {
			t.Fatalf("crime %d: id %d and %d, point %d and %d, %q and %q", c, a.PublicID(c), b.PublicID(c), pa, pb, a.PersistentID(c), b.PersistentID(c))
		}
	}
	for p := range geo.PointID(a.NumPoints()) {
		if a.Point(p) != b.Point(p) || a.LocationID(p) != b.LocationID(p) {
			t.Fatalf("location %d: %+v and %+v", p, a.Point(p), b.Point(p))
		}
	}
}

// TestIDsSurviveAnotherMonth loads real months, then the same with two
// more force-months and one force-month revised: every crime and location
// of the first load, but for the crimes of the revised force-month and of
// that force's later months (a revision can change which month a point is
// first used in, and so the points' order), has the same id in the second,
// and /api/ answers the same for a stored location_id.
func TestIDsSurviveAnotherMonth(t *testing.T) {
	london := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	tiny := testsupport.Shared(t, "tiny-excerpts-avon-bedfordshire-2018-01")
	orig := filepath.Join(london, "2016-02-city-of-london-street.csv")
	first := []string{
		testsupport.HampshireDir(t),
		filepath.Join(london, "2016-01-city-of-london-street.csv"),
		orig,
		filepath.Join(london, "2016-03-city-of-london-street.csv"),
		filepath.Join(tiny, "2018-01-bedfordshire-street.csv"),
	}
	// The revised February drops every seventh row.
	raw, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	var rev []byte
	for i, l := range lines {
		if i == 0 || i%7 != 0 {
			rev = append(rev, l...)
		}
	}
	revised := filepath.Join(t.TempDir(), filepath.Base(orig))
	if err := os.WriteFile(revised, rev, 0o644); err != nil {
		t.Fatal(err)
	}
	second := []string{
		filepath.Join(london, "2016-04-city-of-london-street.csv"),
		filepath.Join(tiny, "2018-01-avon-and-somerset-street.csv"),
		revised,
	}
	for _, p := range first {
		if p != orig {
			second = append(second, p)
		}
	}
	a, b := loadIDs(t, first), loadIDs(t, second)
	feb := geo.MakeMonth(2016, 2)
	isRevised := func(c geo.CrimeID) bool {
		return a.Month(c) >= feb && a.Forces().Term(int(a.Force(c))).Slug == "city-of-london"
	}
	compared := 0
	for c := range geo.CrimeID(a.Len()) {
		if isRevised(c) {
			continue
		}
		cb, ok := b.CrimeByPublicID(a.PublicID(c))
		if !ok {
			t.Fatalf("crime %d (id %d) is not in the second load", c, a.PublicID(c))
		}
		ca, cbb := a.Crime(c), b.Crime(cb)
		same := ca.PersistentID == cbb.PersistentID && ca.Month == cbb.Month && ca.Category == cbb.Category &&
			a.Forces().Term(int(ca.Force)).Slug == b.Forces().Term(int(cbb.Force)).Slug
		if ca.Point == geo.NoPoint || cbb.Point == geo.NoPoint {
			same = same && ca.Point == cbb.Point
		} else {
			pa, pb := a.Point(ca.Point), b.Point(cbb.Point)
			same = same && pa.Lon == pb.Lon && pa.Lat == pb.Lat && pa.Street == pb.Street
		}
		if !same {
			t.Fatalf("id %d: %+v, then %+v", a.PublicID(c), ca, cbb)
		}
		compared++
	}
	if compared < 10_000 {
		t.Fatalf("only %d crimes compared", compared)
	}
	for p := range geo.PointID(a.NumPoints()) {
		q, ok := b.PointByLocationID(a.LocationID(p))
		if !ok {
			// Only the revised force-month's rows may have taken a
			// point away.
			s, e := a.PartCrimes(0, p)
			for c := s; c < e; c++ {
				if !isRevised(c) {
					t.Fatalf("location id %d of crime %d is not in the second load", a.LocationID(p), c)
				}
			}
			continue
		}
		pa, pb := a.Point(p), b.Point(q)
		if !ok || pa.Lon != pb.Lon || pa.Lat != pb.Lat || pa.Street != pb.Street {
			t.Fatalf("location id %d: %+v, then %+v (%v)", a.LocationID(p), pa, pb, ok)
		}
	}

	serve := func(ds *geo.Dataset) *httptest.Server {
		s := server.New(server.DefaultConfig(), server.Deps{})
		s.SetDataset(ds)
		ts := httptest.NewServer(s)
		t.Cleanup(ts.Close)
		return ts
	}
	sa, sb := serve(a), serve(b)
	for _, p := range []geo.PointID{0, geo.PointID(a.NumPoints() / 2), geo.PointID(a.NumPoints() - 1)} {
		path := "/api/crimes-at-location?date=2017-02&location_id=" + strconv.FormatInt(a.LocationID(p), 10)
		ca, ba := get(t, sa, path)
		cb, bb := get(t, sb, path)
		if ca != 200 || cb != 200 || !bytes.Equal(ba, bb) {
			t.Fatalf("%s: %d %.200s, then %d %.200s", path, ca, ba, cb, bb)
		}
	}
}
