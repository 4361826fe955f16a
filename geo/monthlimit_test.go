package geo_test

import (
	"context"
	"errors"
	"testing"

	"crimemap/geo"
)

// monthsBuilder holds one crime at one point in each of n months, every
// other month from January 2001, so the months have gaps between them.
func monthsBuilder(t *testing.T, n int) (*geo.Builder, []geo.Month) {
	t.Helper()
	b := geo.NewBuilder()
	var months []geo.Month
	for i := range n {
		m := geo.MakeMonth(2001, 1) + geo.Month(2*i)
		months = append(months, m)
		sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 0, "test")
		sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -1.4, Lat: 50.9,
			Location: []byte("On or near High Street"), CrimeType: []byte("Burglary")})
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
	}
	return b, months
}

func TestMonthLimit(t *testing.T) {
	b, months := monthsBuilder(t, geo.MaxMonths)
	ds, _, err := b.Build()
	if err != nil {
		t.Fatalf("%d months: %v", geo.MaxMonths, err)
	}
	for c := range ds.Len() {
		if got := ds.Month(geo.CrimeID(c)); got != months[c] {
			t.Fatalf("crime %d in %s, want %s", c, got, months[c])
		}
	}
	// Filter ends between the months and on them select by value.
	last := months[len(months)-1]
	tests := []struct {
		from, to geo.Month
		want     int
	}{
		{0, 0, geo.MaxMonths},
		{months[10] + 1, months[20] - 1, 9},
		{months[10], months[20], 11},
		{months[0] - 1, months[0], 1},
		{last, last + 5, 1},
		{last + 1, 0, 0},
	}
	circle, err := geo.NewCircle(-1.4, 50.9, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		f := &geo.Filter{From: tc.from, To: tc.to}
		k, err := ds.Count(context.Background(), circle, f)
		if err != nil || k.Total != tc.want {
			t.Errorf("%s to %s: %d crimes (%v), want %d", tc.from, tc.to, k.Total, err, tc.want)
		}
		s, e := ds.PartMonthSpan(0, 0, f)
		if int(e-s) != tc.want {
			t.Errorf("%s to %s: month span of %d crimes, want %d", tc.from, tc.to, e-s, tc.want)
		}
	}

	b, _ = monthsBuilder(t, geo.MaxMonths+1)
	if _, _, err := b.Build(); !errors.Is(err, geo.ErrTooManyMonths) {
		t.Fatalf("%d months: %v, want ErrTooManyMonths", geo.MaxMonths+1, err)
	}
}
