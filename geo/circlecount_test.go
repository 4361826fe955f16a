package geo_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"crimemap/geo"
)

// historyRows draws crimes over five years at snap points scattered around
// a city centre, densest in the middle as real ones are.
func historyRows(n int, lon, lat float64) []row {
	r := rand.New(rand.NewPCG(17, 5))
	types := []string{"Burglary", "Anti-social behaviour", "Vehicle crime", "Violence and sexual offences", "Shoplifting"}
	type pt struct{ lon, lat float64 }
	pts := make([]pt, n/12)
	for i := range pts {
		// About 4 km across, with a tail reaching tens of km.
		d := 4000 * r.ExpFloat64()
		a := 2 * math.Pi * r.Float64()
		pts[i] = pt{lon + d*math.Cos(a)/(111_320*math.Cos(lat*math.Pi/180)), lat + d*math.Sin(a)/111_320}
	}
	rows := make([]row, n)
	for i := range rows {
		p := pts[int(float64(len(pts))*r.Float64()*r.Float64())]
		rows[i] = row{month: fmt.Sprintf("%d-%02d", 2019+r.IntN(5), 1+r.IntN(12)), street: "On or near Street " + fmt.Sprint(p.lon), ctype: types[r.IntN(len(types))],
			lon: p.lon, lat: p.lat, located: r.IntN(50) > 0}
	}
	return rows
}

// TestCircleCountsMatchBruteForce counts circles of every size over a
// multi-year dataset, with and without the precomputed cell counts, against
// a count of the rows by distance.
func TestCircleCountsMatchBruteForce(t *testing.T) {
	const lon, lat = -1.5491, 53.7997
	rows := historyRows(60_000, lon, lat)
	ds := build(t, rows, "west-yorkshire")
	burglary, _ := ds.Categories().ByName("Burglary")
	asb, _ := ds.Categories().ByName("Anti-social behaviour")
	var cats geo.Set
	cats.Add(burglary)
	cats.Add(asb)
	// Every crime is of the one force, but naming it makes the count go
	// crime by crime.
	wy, ok := ds.Forces().BySlug("west-yorkshire")
	if !ok {
		t.Fatal("no force west-yorkshire")
	}
	var forces geo.Set
	forces.Add(wy)
	from, _ := geo.ParseMonth("2020-03")
	to, _ := geo.ParseMonth("2022-11")
	filters := []struct {
		name string
		f    geo.Filter
	}{
		{"everything", geo.Filter{}},
		{"months", geo.Filter{From: from, To: to}},
		{"from", geo.Filter{From: to}},
		{"categories", geo.Filter{Categories: cats}},
		{"months and categories", geo.Filter{From: from, To: to, Categories: cats}},
		{"force", geo.Filter{Forces: forces}},
	}
	circles := []struct {
		name             string
		lon, lat, radius float64
		inside           bool // whether whole cells fit once the cubes are built
	}{
		{"500 m", lon, lat, 500, false},
		{"1 mile", lon, lat, 1609.344, false},
		{"3 km off centre", lon + 0.02, lat - 0.01, 3000, true},
		{"5 km", lon, lat, 5000, true},
		{"5 km on the edge", lon + 0.1, lat + 0.03, 5000, true},
		{"12 km", lon, lat, 12_000, true},
		{"60 km", lon, lat, 60_000, true},
		{"200 km", lon, lat, 200_000, true},
	}
	for _, built := range []bool{false, true} {
		if built {
			ds.PrepareHex(0, 1, 2, 3, 4, 5, 6, 7)
		}
		for _, cc := range circles {
			c, err := geo.NewCircle(cc.lon, cc.lat, cc.radius)
			if err != nil {
				t.Fatal(err)
			}
			if n := geo.CircleCells(ds, c); (n > 0) != (built && cc.inside) {
				t.Errorf("%s, cubes built %v: %d cells inside", cc.name, built, n)
			}
			for _, tf := range filters {
				t.Run(fmt.Sprintf("%s/%s/cubes %v", cc.name, tf.name, built), func(t *testing.T) {
					got, err := ds.Count(context.Background(), c, &tf.f)
					if err != nil {
						t.Fatal(err)
					}
					want := bruteCounts(t, ds, rows, cc.lon, cc.lat, cc.radius, &tf.f)
					total := 0
					for k, n := range want {
						total += n
						if g := got.At(k.cat, k.month); g != n {
							t.Errorf("%s %s: %d, want %d", ds.Categories().Term(int(k.cat)).Name, got.Months[k.month], g, n)
						}
					}
					if got.Total != total {
						t.Errorf("total %d, want %d", got.Total, total)
					}
					if total == 0 {
						t.Fatal("the case counts no crime; it would test nothing")
					}
				})
			}
		}
	}
}

type catMonth struct {
	cat   geo.Category
	month int // index into the counts' months
}

// bruteCounts counts the located rows within radius of lon/lat passing f,
// whose forces may only name the rows' one force.
func bruteCounts(t *testing.T, ds *geo.Dataset, rows []row, lon, lat, radius float64, f *geo.Filter) map[catMonth]int {
	k, err := ds.Count(context.Background(), geo.Area(nil), &geo.Filter{From: f.From, To: f.To})
	if err != nil {
		t.Fatal(err)
	}
	col := map[geo.Month]int{}
	for i, m := range k.Months {
		col[m] = i
	}
	out := map[catMonth]int{}
	for _, r := range rows {
		m, _ := geo.ParseMonth(r.month)
		c, _ := ds.Categories().ByName(r.ctype)
		if !r.located || geo.Distance(lon, lat, r.lon, r.lat) > radius ||
			(f.From != 0 && m < f.From) || (f.To != 0 && m > f.To) ||
			(!f.Categories.Empty() && !f.Categories.Has(c)) {
			continue
		}
		out[catMonth{geo.Category(c), col[m]}]++
	}
	return out
}
