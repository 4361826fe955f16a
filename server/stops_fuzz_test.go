package server

import (
	"errors"
	"net/http/httptest"
	"testing"

	"crimemap/geo"
	"crimemap/stopsearch"
)

// FuzzParseStopQuery feeds arbitrary /v1/stops/counts parameters: group_by
// and the stop filter parse or fail with a ParamError, never panic, and a
// grouping they accept counts without error.
func FuzzParseStopQuery(f *testing.F) {
	m := geo.MakeMonth(2018, 1)
	b := geo.NewBuilder()
	if err := b.AddStops(&geo.StopBatch{Unit: geo.Unit{Force: "greater-manchester", Month: m}, Source: "example", Rows: []geo.StopRow{
		{Type: "Person search", HasLocation: true, Lon: -2.24, Lat: 53.48, Outcome: "Suspect arrested", AgeRange: "18-24", Gender: "Male"},
		{Type: "Vehicle search", Outcome: "A no further action disposal", OfficerEthn: "White"},
	}}); err != nil {
		f.Fatal(err)
	}
	ds, _, err := b.Build()
	if err != nil {
		f.Fatal(err)
	}
	x := stopsearch.New(ds)
	for _, seed := range []string{"group_by=force,outcome", "group_by=month&group_by=age_range", "group_by=a,b,c",
		"outcome=bu-arrest,none&gender=male", "ethnicity=,", "from=2018-01&to=2017-12", "age_range=18-24&type=Person+search"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/v1/stops/counts", nil)
		r.URL.RawQuery = q
		_ = r.ParseForm()
		var pe *ParamError
		dims, err := parseStopGroupBy(r)
		if err != nil {
			if !errors.As(err, &pe) {
				t.Fatalf("group_by of %q: %v is not a ParamError", q, err)
			}
			return
		}
		flt, err := parseStopFilter(r, x)
		if err != nil {
			if !errors.As(err, &pe) {
				t.Fatalf("filter of %q: %v is not a ParamError", q, err)
			}
			return
		}
		if _, err := x.Count(r.Context(), nil, &flt, dims); err != nil {
			t.Fatalf("count of %q: %v", q, err)
		}
	})
}
