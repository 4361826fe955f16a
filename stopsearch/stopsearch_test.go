package stopsearch_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/stopsearch"
	"crimemap/synth"
)

// build makes a dataset of hand-made stops: each batch one force's month.
func build(tb testing.TB, batches ...*geo.StopBatch) *geo.Dataset {
	tb.Helper()
	b := geo.NewBuilder()
	for _, sb := range batches {
		if err := b.AddStops(sb); err != nil {
			tb.Fatal(err)
		}
	}
	ds, _, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func stops(force string, m geo.Month, rows ...geo.StopRow) *geo.StopBatch {
	return &geo.StopBatch{Unit: geo.Unit{Force: force, Month: m}, Source: "example", Rows: rows}
}

func TestNormaliseOutcome(t *testing.T) {
	tests := []struct {
		label string
		want  stopsearch.Outcome
	}{
		{"", stopsearch.Outcome{}},
		{"  ", stopsearch.Outcome{}},
		{"A no further action disposal", stopsearch.NoFurtherAction},
		{"Nothing found - no further action", stopsearch.NoFurtherAction},
		{"nothing found - NO further action", stopsearch.NoFurtherAction},
		{"Suspect arrested", stopsearch.Arrest},
		{"Arrest", stopsearch.Arrest},
		{"Suspect summonsed to court", stopsearch.Summons},
		{"Summons / charged by post", stopsearch.Summons},
		{"Offender cautioned", stopsearch.Caution},
		{"Local resolution", stopsearch.Community},
		{"Offender given penalty notice", stopsearch.PenaltyNotice},
		{"Offender given drugs possession warning", stopsearch.CannabisWarning},
		{"Khat or Cannabis warning", stopsearch.CannabisWarning},
		{"Article found - Detailed outcome unavailable",
			stopsearch.Outcome{ID: "article-found-detailed-outcome-unavailable", Name: "Article found - Detailed outcome unavailable"}},
	}
	for _, tc := range tests {
		if got := stopsearch.NormaliseOutcome(tc.label); got != tc.want {
			t.Errorf("NormaliseOutcome(%q) = %+v, want %+v", tc.label, got, tc.want)
		}
	}
}

func sample(tb testing.TB) *stopsearch.Index {
	jan, feb := geo.MakeMonth(2018, 1), geo.MakeMonth(2018, 2)
	ds := build(tb,
		stops("greater-manchester", jan,
			geo.StopRow{Type: "Person search", HasLocation: true, Lon: -2.24, Lat: 53.48, Outcome: "Suspect arrested", OutcomeLinked: "True", AgeRange: "18-24"},
			geo.StopRow{Type: "Person search", HasLocation: true, Lon: -2.24, Lat: 53.48, Outcome: "Nothing found - no further action", AgeRange: "18-24"},
			geo.StopRow{Type: "Vehicle search", Outcome: "A no further action disposal", AgeRange: "over 34"}),
		stops("greater-manchester", feb,
			geo.StopRow{Type: "Person search", HasLocation: true, Lon: -2.30, Lat: 53.40, Outcome: "Arrest", OutcomeLinked: "False"}),
		stops("city-of-london", feb,
			geo.StopRow{Type: "Person search", Outcome: ""}),
	)
	return stopsearch.New(ds)
}

func TestCount(t *testing.T) {
	x := sample(t)
	ctx := context.Background()
	k, err := x.Count(ctx, nil, &stopsearch.Filter{}, []stopsearch.Dim{stopsearch.DimForce, stopsearch.DimOutcome})
	if err != nil {
		t.Fatal(err)
	}
	want := stopsearch.Tally{Count: 5, NoFurtherAction: 2, NoOutcome: 1, Linked: 1}
	if k.Total != want {
		t.Errorf("total %+v, want %+v", k.Total, want)
	}
	got := map[[2]string]int{}
	for _, g := range k.Groups {
		got[[2]string{g.Keys[0].Slug, g.Keys[1].Slug}] = g.Count
	}
	wantGroups := map[[2]string]int{
		{"greater-manchester", "bu-arrest"}:            2,
		{"greater-manchester", "bu-no-further-action"}: 2,
		{"city-of-london", "none"}:                     1,
	}
	if len(got) != len(wantGroups) {
		t.Errorf("groups %v, want %v", got, wantGroups)
	}
	for key, n := range wantGroups {
		if got[key] != n {
			t.Errorf("group %v: %d, want %d", key, got[key], n)
		}
	}
	r := k.Total.Rates()
	if r.LinkedShare != 0.2 || r.NoFurtherActionShare != 0.4 || r.ActionShare != 0.4 || r.LinkedShareOfActions != 0.5 {
		t.Errorf("rates %+v", r)
	}
	if _, err := x.Count(ctx, nil, &stopsearch.Filter{}, []stopsearch.Dim{0, 1, 2}); err == nil {
		t.Error("three group dimensions accepted")
	}
}

func TestFilterAndArea(t *testing.T) {
	x := sample(t)
	ctx := context.Background()
	tests := []struct {
		dim    stopsearch.Dim
		values string
		want   int
	}{
		{stopsearch.DimOutcome, "bu-arrest", 2},
		{stopsearch.DimOutcome, "Arrest, none", 3},
		{stopsearch.DimAge, "18-24", 2},
		{stopsearch.DimAge, "Over 34", 1},
		{stopsearch.DimType, "vehicle-search", 1},
		{stopsearch.DimForce, "city-of-london", 1},
		{stopsearch.DimForce, "greater-manchester,city-of-london", 5},
	}
	for _, tc := range tests {
		var f stopsearch.Filter
		if err := x.Restrict(&f, tc.dim, tc.values); err != nil {
			t.Fatalf("%s=%q: %v", stopsearch.DimNames[tc.dim], tc.values, err)
		}
		ids, _, err := x.In(ctx, nil, &f, 0)
		if err != nil || len(ids) != tc.want {
			t.Errorf("%s=%q: %d stops (%v), want %d", stopsearch.DimNames[tc.dim], tc.values, len(ids), err, tc.want)
		}
	}
	var f stopsearch.Filter
	for _, bad := range []string{"bogus", "arrest,", ","} {
		if err := x.Restrict(&f, stopsearch.DimOutcome, bad); !errors.Is(err, stopsearch.ErrUnknownValue) {
			t.Errorf("Restrict(%q) = %v, want ErrUnknownValue", bad, err)
		}
	}
	circle, err := geo.NewCircle(-2.24, 53.48, 100)
	if err != nil {
		t.Fatal(err)
	}
	ids, over, err := x.In(ctx, circle, &stopsearch.Filter{}, 0)
	if err != nil || over || len(ids) != 2 {
		t.Fatalf("In circle: %v %v %v", ids, over, err)
	}
	if _, over, _ := x.In(ctx, circle, &stopsearch.Filter{}, 1); !over {
		t.Error("2 stops under a cap of 1 not reported over")
	}
	if got := x.LatestMonth(); got != geo.MakeMonth(2018, 2) {
		t.Errorf("LatestMonth %v", got)
	}
}

// FuzzRestrict feeds filter values from the query string to Restrict: it
// must accept or refuse them without panicking, and what it accepts must
// select only stops having one of the values.
func FuzzRestrict(f *testing.F) {
	for _, s := range []string{"bu-arrest", "Arrest,none", ",", "", "none", "A no further action disposal", "\x00,\xff"} {
		f.Add(s)
	}
	x := sample(f)
	f.Fuzz(func(t *testing.T, v string) {
		var flt stopsearch.Filter
		if err := x.Restrict(&flt, stopsearch.DimOutcome, v); err != nil {
			return
		}
		ids, _, err := x.In(context.Background(), nil, &flt, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if !x.Matches(id, &flt) {
				t.Fatalf("stop %d listed but not matching %q", id, v)
			}
		}
	})
}

// TestLocationsNamedBySnapPoints loads crimes and stops written at the same
// snap points through the real parser: a stop location gets the street of
// the crime point at its coordinates exactly when there is one.
func TestLocationsNamedBySnapPoints(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Stops = 4000, 1, 3000
	dir := t.TempDir()
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	ds, _, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	x := stopsearch.New(ds)
	points := map[[2]float64]bool{}
	for p := range ds.NumPoints() {
		lon, lat := ds.PointLonLat(geo.PointID(p))
		points[[2]float64{lon, lat}] = true
	}
	named := 0
	for id := range x.Len() {
		loc, ok := x.Location(stopsearch.ID(id))
		if !ok {
			continue
		}
		atPoint := points[[2]float64{loc.Lon, loc.Lat}]
		if p, ok := ds.PointByLocationID(loc.StreetID); ok {
			named++
			lon, lat := ds.PointLonLat(p)
			if !atPoint || lon != loc.Lon || lat != loc.Lat || loc.Street != ds.PointStreet(p) {
				t.Fatalf("stop %d at %v,%v named by point %d at %v,%v %q", id, loc.Lon, loc.Lat, loc.StreetID, lon, lat, loc.Street)
			}
		} else if atPoint || loc.Street != "" {
			t.Fatalf("stop %d at %v,%v, a crime point's place, not named (%+v)", id, loc.Lon, loc.Lat, loc)
		}
	}
	if named == 0 {
		t.Error("no stop location named by a crime point")
	}
}
