package geo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/synth"
)

// load reads a directory of data.police.uk files as the server does.
func load(t testing.TB, dir string) *geo.Dataset {
	t.Helper()
	ds, _, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// synthChanging is a synthetic archive whose points are added, withdrawn
// and moved over its months, and whose last month's outcomes files also
// give outcomes to crimes of its first month.
func synthChanging(t testing.TB) *geo.Dataset {
	t.Helper()
	return load(t, synthChangingDir(t))
}

// synthChangingDir writes synthChanging's archive and returns its folder.
func synthChangingDir(t testing.TB) string {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Start, cfg.Outcomes, cfg.History, cfg.CrimesPerPoint, cfg.Stops = 40_000, 14, "2022-06", true, true, 6, 2_000
	dir := t.TempDir()
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	firsts, err := filepath.Glob(filepath.Join(dir, "2022-06", "2022-06-*-outcomes.csv"))
	if err != nil || len(firsts) == 0 {
		t.Fatalf("no outcomes files of the first month (%v)", err)
	}
	for _, first := range firsts[:min(3, len(firsts))] {
		last := filepath.Join(dir, "2023-07", strings.Replace(filepath.Base(first), "2022-06-", "2023-07-", 1))
		old, err := os.ReadFile(first)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(old)), "\n")[1:]
		f, err := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range lines {
			if i%3 == 0 {
				fmt.Fprintln(f, strings.Replace(l, ",2022-06,", ",2023-07,", 1))
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// appended rebuilds whole as its months but the last k, with each of
// those appended in turn; the first prepare datasets have their hex levels
// and counts built before a month is appended to them, so that the next
// one starts from them, and the others extend the levels they were given
// only when asked.
func appended(t testing.TB, whole *geo.Dataset, k, prepare int) *geo.Dataset {
	t.Helper()
	d, months := geo.SplitMonths(whole, k)
	for i, m := range months {
		if i < prepare {
			d.PrepareHex(0, 4, 7, 9, geo.FinestRes)
		}
		var err error
		if d, err = geo.Append(d, m); err != nil {
			t.Fatal(err)
		}
	}
	if d.NumParts() != k+1 {
		t.Fatalf("%d parts, want %d", d.NumParts(), k+1)
	}
	return d
}

// TestAppendAnswersAsOnePiece: a dataset built in one piece and the same
// months built as a base with months appended answer every query alike.
func TestAppendAnswersAsOnePiece(t *testing.T) {
	sets := []struct {
		name string
		ds   func(t testing.TB) *geo.Dataset
	}{
		{"city-of-london", func(t testing.TB) *geo.Dataset {
			return load(t, filepath.Join(testsupport.Root(t), "testdata", "ingest", "city-of-london"))
		}},
		{"city-of-london-18-months", func(t testing.TB) *geo.Dataset {
			return load(t, testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch"))
		}},
		{"synthetic", synthChanging},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			whole := set.ds(t)
			for _, c := range []struct{ k, prepared int }{{1, 0}, {3, 3}, {3, 1}} {
				if c.k >= len(whole.Months()) {
					continue
				}
				t.Run(fmt.Sprintf("%d appended, %d prepared", c.k, c.prepared), func(t *testing.T) {
					sameAnswers(t, whole, appended(t, whole, c.k, c.prepared))
				})
			}
		})
	}
}

// sameAnswers compares what two datasets of the same crimes answer.
func sameAnswers(t *testing.T, want, got *geo.Dataset) {
	t.Helper()
	ctx := context.Background()
	check := func(what string, w, g any) {
		t.Helper()
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("%s: got %v, want %v", what, g, w)
		}
	}
	check("Len", want.Len(), got.Len())
	check("Located", want.Located(), got.Located())
	check("Months", want.Months(), got.Months())
	check("LatestMonth", want.LatestMonth(), got.LatestMonth())
	check("DefaultView", want.DefaultView(), got.DefaultView())
	check("Stops", allStops(want), allStops(got))

	// Every crime: found by its public id, with the same fields, history,
	// listing key and lookups by Crime ID.
	pub := func(d *geo.Dataset, cs []geo.CrimeID) []int64 {
		out := make([]int64, len(cs))
		for i, c := range cs {
			out[i] = d.PublicID(c)
		}
		return out
	}
	for c := range geo.CrimeID(want.Len()) {
		id := want.PublicID(c)
		gc, ok := got.CrimeByPublicID(id)
		if !ok {
			t.Fatalf("crime %d: public id %d not found", c, id)
		}
		wcr, gcr := want.Crime(c), got.Crime(gc)
		wcr.ID, gcr.ID = 0, 0
		check(fmt.Sprintf("crime %d", id), wcr, gcr)
		check(fmt.Sprintf("history of %d", id), want.OutcomeHistory(c), got.OutcomeHistory(gc))
		if wcr.Point != geo.NoPoint {
			check(fmt.Sprintf("listing key of %d", id), want.ListingKey(c), got.ListingKey(gc))
		}
		if c%7 == 0 {
			check("by Crime ID "+wcr.PersistentID, pub(want, want.CrimesByPersistentID(wcr.PersistentID)), pub(got, got.CrimesByPersistentID(wcr.PersistentID)))
		}
	}

	rng := rand.New(rand.NewPCG(5, 6))
	months := want.Months()
	filters := []geo.Filter{{}, {From: months[len(months)-1]}, {To: months[0]}}
	for range 6 {
		var f geo.Filter
		a, b := rng.IntN(len(months)), rng.IntN(len(months))
		f.From, f.To = months[min(a, b)], months[max(a, b)]
		switch rng.IntN(4) {
		case 1:
			f.Categories.Add(rng.IntN(want.Categories().Len()))
		case 2:
			f.Outcomes.Add(rng.IntN(want.Outcomes().Len()))
		case 3:
			f.Forces.Add(rng.IntN(want.Forces().Len()))
		}
		filters = append(filters, f)
	}
	areas := []geo.Area{nil}
	b := want.Bound()
	for range 4 {
		p := geo.PointID(rng.IntN(want.NumPoints()))
		lon, lat := want.PointLonLat(p)
		c, err := geo.NewCircle(lon, lat, 100+rng.Float64()*3000)
		if err != nil {
			t.Fatal(err)
		}
		areas = append(areas, c)
	}
	box, err := geo.NewBox(b.Min[0], b.Min[1], (b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Center()
	poly, err := geo.NewPolygon(orb.MultiPolygon{{{{c[0], c[1]}, {b.Max[0], c[1]}, {c[0], b.Max[1]}, {c[0], c[1]}}}})
	if err != nil {
		t.Fatal(err)
	}
	areas = append(areas, box, poly)

	for fi, f := range filters {
		for ai, a := range areas {
			what := fmt.Sprintf("filter %d (%+v), area %d", fi, f, ai)
			wk, gk := both(t, want, got, func(d *geo.Dataset) (geo.Counts, error) { return d.Count(ctx, a, &f) })
			check("Count, "+what, wk, gk)
			check("CrimesIn, "+what, crimesIn(want, a, &f), crimesIn(got, a, &f))
			check("pages, "+what, pages(t, want, a, &f), pages(t, got, a, &f))
			for _, res := range []int{4, 7, 9} {
				q := geo.HexQuery{Res: res, Area: a, Filter: f, ByCategory: res == 7, ByMonth: res != 4}
				wh, gh := both(t, want, got, func(d *geo.Dataset) (*geo.HexCounts, error) { return d.HexCounts(ctx, q) })
				check(fmt.Sprintf("HexCounts at %d, %s", res, what), wh, gh)
				if ai == 0 && res == 9 && len(wh.Cells) > 0 {
					cells := wh.Cells[:min(5, len(wh.Cells))]
					wc, gc := both(t, want, got, func(d *geo.Dataset) (*geo.CellCounts, error) { return d.CountCells(ctx, cells, &f) })
					check("CountCells, "+what, wc, gc)
				}
			}
		}
		check(fmt.Sprintf("NoLocation, filter %d", fi), pub(want, slices.Collect(want.NoLocation(&f))), pub(got, slices.Collect(got.NoLocation(&f))))
		for p := range geo.PointID(min(want.NumPoints(), 200)) {
			check("PointCount", want.PointCount(p, &f), got.PointCount(p, &f))
			wb, gb := make([]uint32, want.Categories().Len()), make([]uint32, got.Categories().Len())
			check("CountByCategory", want.CountByCategory(p, &f, wb), got.CountByCategory(p, &f, gb))
			check("CountByCategory breakdown", wb, gb)
		}
	}
}

// both returns what a query answers on each dataset.
func both[T any](t *testing.T, want, got *geo.Dataset, query func(*geo.Dataset) (T, error)) (T, T) {
	t.Helper()
	w, err := query(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := query(got)
	if err != nil {
		t.Fatal(err)
	}
	return w, g
}

// crimesIn lists the public ids of the crimes in the area, with their
// points, sorted.
func crimesIn(d *geo.Dataset, a geo.Area, f *geo.Filter) [][2]int64 {
	var out [][2]int64
	for p, c := range d.CrimesIn(context.Background(), a, f) {
		out = append(out, [2]int64{int64(p), d.PublicID(c)})
	}
	slices.SortFunc(out, func(x, y [2]int64) int {
		if x[0] != y[0] {
			return int(x[0] - y[0])
		}
		return int(x[1] - y[1])
	})
	return out
}

// pages lists an area's crimes a page of 7 at a time, as public ids and
// cursors.
func pages(t *testing.T, d *geo.Dataset, a geo.Area, f *geo.Filter) []string {
	var out []string
	after := int64(-1)
	for {
		pg, err := d.PageIn(context.Background(), a, f, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, c := range pg.Crimes {
			fmt.Fprintf(&b, "%d@%d ", d.PublicID(c), pg.Points[i])
		}
		fmt.Fprintf(&b, "more %v next %d", pg.More, pg.Next)
		out = append(out, b.String())
		if !pg.More {
			return out
		}
		after = pg.Next
	}
}

// TestAppendReusesBase: an appended dataset reads the base part's hex
// counts as the base built them, and, with no new points, the base's hex
// levels themselves.
func TestAppendReusesBase(t *testing.T) {
	whole := load(t, filepath.Join(testsupport.Root(t), "testdata", "ingest", "city-of-london"))
	base, months := geo.SplitMonths(whole, 1)
	base.PrepareHex(5, 9)
	d, err := geo.Append(base, months[0])
	if err != nil {
		t.Fatal(err)
	}
	if !d.Extends(base) || base.Extends(d) || !d.Extends(d) {
		t.Errorf("extends its base %v, extended by it %v, extends itself %v", d.Extends(base), base.Extends(d), d.Extends(d))
	}
	if s, e := d.PartRange(1); int(s) != base.Len() || int(e) != d.Len() {
		t.Errorf("the month's part is crimes %d..%d, want %d..%d", s, e, base.Len(), d.Len())
	}
	if geo.PartCube(d, 5, 0) != geo.PartCube(base, 5, 0) {
		t.Error("the base part's counts were built again")
	}
	for _, res := range []int{5, 9} {
		if !geo.HexLevelShared(base, d, res) {
			t.Errorf("the level at %d was built again", res)
		}
	}
}

// TestAppendRefuses: a month that is not later than the dataset's last,
// or a dataset of several parts to append, is refused.
func TestAppendRefuses(t *testing.T) {
	whole := load(t, filepath.Join(testsupport.Root(t), "testdata", "ingest", "city-of-london"))
	base, months := geo.SplitMonths(whole, 1)
	if _, err := geo.Append(months[0], base); !errors.Is(err, geo.ErrAppend) {
		t.Errorf("an earlier month appended: %v, want ErrAppend", err)
	}
	d, err := geo.Append(base, months[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := geo.Append(base, d); !errors.Is(err, geo.ErrAppend) {
		t.Errorf("a dataset of several parts appended: %v, want ErrAppend", err)
	}
	if err := geo.WriteSnapshot(new(strings.Builder), d); !errors.Is(err, geo.ErrSnapshotParts) {
		t.Errorf("snapshot of several parts: %v, want ErrSnapshotParts", err)
	}
	// The base is unchanged: it answers as before.
	again, _ := geo.SplitMonths(whole, 1)
	sameAnswers(t, again, base)
}

// TestSharingPoints: the months before an appended month, sharing its
// points' columns, answer as they did and keep no copy of them; a dataset
// that does not extend them shares nothing.
func TestSharingPoints(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	whole := load(t, dir)
	early, late := splitFiles(t, dir, 3)
	base, _, err := ingest.Load(context.Background(), early, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := geo.Append(base, loadOn(t, base, late))
	if err != nil {
		t.Fatal(err)
	}
	shared := base.SharingPoints(ds)
	if !geo.SharesPoints(shared, ds) || geo.SharesPoints(base, ds) {
		t.Fatal("the points' columns are not shared, or were before")
	}
	if d := geo.SnapshotDiff(base, shared); len(d) > 0 {
		t.Fatalf("sharing changed %v", d)
	}
	sameAnswers(t, base, shared)
	if base.SharingPoints(whole) != base || base.SharingPoints(base) != base {
		t.Fatal("shared with a dataset that does not extend it")
	}
}

// allStops returns every stop-and-search record of d, in order.
func allStops(d *geo.Dataset) []geo.StopRecord {
	var out []geo.StopRecord
	for _, s := range d.Stops() {
		out = append(out, s)
	}
	return out
}
