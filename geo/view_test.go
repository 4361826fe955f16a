package geo_test

import (
	"fmt"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// viewDataset builds a dataset of forces, each with crimes at (lon, lat)
// in the given months, n a month.
func viewDataset(t *testing.T, forces map[string][]string, n int, at func(i int) (lon, lat float64)) *geo.Dataset {
	t.Helper()
	var batches []*geo.StreetBatch
	i := 0
	for force, months := range forces {
		for _, month := range months {
			m, err := geo.ParseMonth(month)
			if err != nil {
				t.Fatal(err)
			}
			sb := geo.NewStreetBatch(geo.Unit{Force: force, Month: m}, 0, "test")
			for range n {
				lon, lat := at(i)
				i++
				sb.AddStreet(&geo.StreetRow{Month: m, FallsWithin: []byte(force), HasLocation: true, Lon: lon, Lat: lat,
					Location: []byte("On or near High Street"), CrimeType: []byte("Burglary")})
			}
			batches = append(batches, sb)
		}
	}
	return datasets.Build(t, batches...)
}

func monthsFrom(year, first, last int) []string {
	var out []string
	for m := first; m <= last; m++ {
		y, mm := year+(m-1)/12, (m-1)%12+1
		out = append(out, fmt.Sprintf("%04d-%02d", y, mm))
	}
	return out
}

func TestDefaultViewPeriod(t *testing.T) {
	grid := func(i int) (float64, float64) { return -1.4 + float64(i%10)*0.01, 50.9 + float64(i%7)*0.01 }
	tests := []struct {
		name     string
		forces   map[string][]string
		from, to string
	}{
		{"one force publishes ahead", map[string][]string{
			"hampshire": monthsFrom(2023, 1, 15), "kent": monthsFrom(2023, 1, 12), "surrey": monthsFrom(2023, 1, 12)},
			"2023-01", "2023-12"},
		{"short archive", map[string][]string{"hampshire": monthsFrom(2023, 1, 3)}, "2023-01", "2023-03"},
		{"long archive keeps twelve months", map[string][]string{
			"hampshire": monthsFrom(2020, 1, 48), "kent": monthsFrom(2020, 1, 48)}, "2023-01", "2023-12"},
		{"no month shared by most: the latest shared by the most", map[string][]string{
			"hampshire": monthsFrom(2017, 2, 2), "city-of-london": monthsFrom(2016, 1, 18),
			"merseyside": monthsFrom(2014, 4, 4), "essex": monthsFrom(2018, 1, 5), "btp": monthsFrom(2020, 1, 1)},
			"2016-03", "2017-02"},
		{"half the forces are most", map[string][]string{
			"hampshire": monthsFrom(2023, 1, 14), "kent": monthsFrom(2023, 1, 12)}, "2023-03", "2024-02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := viewDataset(t, tc.forces, 3, grid).DefaultView()
			if v.From.String() != tc.from || v.To.String() != tc.to {
				t.Errorf("DefaultView period = %s..%s, want %s..%s", v.From, v.To, tc.from, tc.to)
			}
		})
	}
}

func TestDefaultViewBoundsIgnoreStrays(t *testing.T) {
	// 400 crimes around Southampton and one far off in Scotland.
	ds := viewDataset(t, map[string][]string{"hampshire": {"2023-01"}}, 401, func(i int) (float64, float64) {
		if i == 400 {
			return -5, 58
		}
		return -1.45 + float64(i%20)*0.005, 50.88 + float64(i/20)*0.004
	})
	b := ds.DefaultView().Bounds
	if b.Max[1] > 51 || b.Min[0] < -1.46 || b.Min[1] < 50.87 || b.Max[0] > -1.34 {
		t.Errorf("bounds %v reach beyond Southampton", b)
	}
	if full := ds.Bound(); full.Max[1] < 57 {
		t.Fatalf("the stray point is not in the data: %v", full)
	}
}
