package geo_test

import (
	"errors"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// slugDataset is one Hampshire crime: enough for the standard vocabularies.
func slugDataset(t *testing.T) *geo.Dataset {
	t.Helper()
	m := geo.MakeMonth(2017, 2)
	sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 0, "test")
	sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -1.4044, Lat: 50.9097,
		Location: []byte("On or near Above Bar Street"), CrimeType: []byte("Burglary"),
		FallsWithin: []byte("Hampshire Constabulary"), LastOutcome: []byte("Under investigation")})
	ds := datasets.Build(t, sb)
	return ds
}

func TestAddSlugs(t *testing.T) {
	ds := slugDataset(t)
	index := func(v *geo.Vocab, slug string) int {
		i, ok := v.BySlug(slug)
		if !ok {
			t.Fatalf("no slug %q", slug)
		}
		return i
	}
	burglary, drugs := index(ds.Categories(), "burglary"), index(ds.Categories(), "drugs")
	hampshire := index(ds.Forces(), "hampshire")
	underInv := index(ds.Outcomes(), "under-investigation")
	tests := []struct {
		name                     string
		category, force, outcome string
		cats, forces, outcomes   []int
		errParam, errSlug        string
	}{
		{name: "nothing"},
		{name: "categories with spaces and blanks", category: " burglary, ,drugs", cats: []int{burglary, drugs}},
		{name: "all-crime restricts nothing", category: "all-crime"},
		{name: "all-crime beside a category", category: "all-crime,drugs", cats: []int{drugs}},
		{name: "force", force: "hampshire", forces: []int{hampshire}},
		{name: "blank outcome", outcome: "none,under-investigation", outcomes: []int{int(geo.NoOutcome), underInv}},
		{name: "unknown category", category: "burglary,jaywalking", errParam: "category", errSlug: "jaywalking"},
		{name: "all is not a category", category: "all", errParam: "category", errSlug: "all"},
		{name: "all is not a force", force: "all", errParam: "force", errSlug: "all"},
		{name: "all-crime is not a force", force: "all-crime", errParam: "force", errSlug: "all-crime"},
		{name: "all is not an outcome", outcome: "all", errParam: "outcome", errSlug: "all"},
		{name: "none is only an outcome", force: "none", errParam: "force", errSlug: "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f geo.Filter
			var err error
			for _, p := range [...]struct{ param, list string }{
				{geo.ParamCategory, tc.category}, {geo.ParamForce, tc.force}, {geo.ParamOutcome, tc.outcome},
			} {
				if err = ds.AddSlugs(&f, p.param, p.list); err != nil {
					break
				}
			}
			if tc.errParam != "" {
				var se *geo.SlugError
				if !errors.As(err, &se) || se.Param != tc.errParam || se.Slug != tc.errSlug {
					t.Fatalf("error %v, want unknown %s %q", err, tc.errParam, tc.errSlug)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want geo.Filter
			for _, s := range []struct {
				set *geo.Set
				ids []int
			}{{&want.Categories, tc.cats}, {&want.Forces, tc.forces}, {&want.Outcomes, tc.outcomes}} {
				for _, i := range s.ids {
					s.set.Add(i)
				}
			}
			if f != want {
				t.Errorf("filter %+v, want %+v", f, want)
			}
		})
	}
	var f geo.Filter
	if err := ds.AddSlugs(&f, "month", "2017-02"); err == nil {
		t.Error("AddSlugs took a parameter without slugs")
	}
}
