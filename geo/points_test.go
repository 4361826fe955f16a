package geo_test

import (
	"strings"
	"testing"

	"crimemap/geo"
)

// TestPointsAcrossInterners checks what the point tables must give whatever
// goroutine parsed which file: a point per (coordinates, street), the LSOA
// of its first crime in (month, force, row) order even when a table met
// another LSOA first, and nothing from a batch that a later copy replaced.
func TestPointsAcrossInterners(t *testing.T) {
	jan, _ := geo.ParseMonth("2023-01")
	feb, _ := geo.ParseMonth("2023-02")
	type row struct {
		lon, lat     float64
		street, lsoa string
	}
	type batch struct {
		in    int // which Interner
		force string
		month geo.Month
		seq   int
		rows  []row
	}
	a := row{-1.1, 50.9, "On or near A Street", "E01000001"}
	aOther := row{-1.1, 50.9, "On or near A Street", "E01000002"}
	aOtherStreet := row{-1.1, 50.9, "On or near B Street", "E01000003"}
	c := row{-1.2, 51.0, "On or near C Street", "E01000004"}
	tests := []struct {
		name    string
		batches []batch
		points  map[string]string // street -> LSOA code
		crimes  int
	}{
		{"one table meets February first", []batch{
			{0, "hampshire", feb, 1, []row{aOther, c}},
			{0, "hampshire", jan, 2, []row{a, a}},
		}, map[string]string{a.street: a.lsoa, c.street: c.lsoa}, 4},
		{"two tables", []batch{
			{1, "hampshire", feb, 1, []row{aOther}},
			{0, "hampshire", jan, 2, []row{aOther, a}},
		}, map[string]string{a.street: aOther.lsoa}, 3},
		{"same coordinates, another street", []batch{
			{0, "hampshire", jan, 1, []row{a, aOtherStreet, a}},
		}, map[string]string{a.street: a.lsoa, aOtherStreet.street: aOtherStreet.lsoa}, 3},
		{"a replaced batch leaves no point", []batch{
			{0, "hampshire", jan, 1, []row{c}},
			{1, "hampshire", jan, 2, []row{a}},
		}, map[string]string{a.street: a.lsoa}, 1},
		{"force order within a month", []batch{
			{0, "kent", jan, 1, []row{aOther}},
			{1, "hampshire", jan, 2, []row{a}},
		}, map[string]string{a.street: a.lsoa}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins := []*geo.Interner{geo.NewInterner(), geo.NewInterner()}
			b := geo.NewBuilder()
			for _, bt := range tt.batches {
				sb := geo.NewStreetBatchIn(geo.Unit{Force: bt.force, Month: bt.month}, bt.seq, bt.force, ins[bt.in])
				for _, r := range bt.rows {
					sb.AddStreet(&geo.StreetRow{Month: bt.month, HasLocation: true, Lon: r.lon, Lat: r.lat,
						Location: []byte(r.street), LSOACode: []byte(r.lsoa), LSOAName: []byte(r.lsoa + " name"),
						CrimeType: []byte("Burglary")})
				}
				if err := b.AddStreet(sb); err != nil {
					t.Fatal(err)
				}
			}
			ds, _, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != tt.crimes {
				t.Errorf("%d crimes, want %d", ds.Len(), tt.crimes)
			}
			if ds.NumPoints() != len(tt.points) {
				t.Errorf("%d points, want %d", ds.NumPoints(), len(tt.points))
			}
			for p := range ds.NumPoints() {
				pt := ds.Point(geo.PointID(p))
				want, ok := tt.points[pt.Street]
				if !ok || pt.LSOACode != want || pt.LSOAName != want+" name" {
					t.Errorf("point %q has LSOA %q %q, want %q", pt.Street, pt.LSOACode, pt.LSOAName, want)
				}
			}
		})
	}
}

// TestRowsAddedAfterHandOver checks that rows added to a batch after it was
// given to the Builder, still waiting for their point lookup, are built.
func TestRowsAddedAfterHandOver(t *testing.T) {
	jan, _ := geo.ParseMonth("2023-01")
	b := geo.NewBuilder()
	sb := geo.NewStreetBatch(geo.Unit{Force: "kent", Month: jan}, 1, "kent")
	if err := b.AddStreet(sb); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		sb.AddStreet(&geo.StreetRow{Month: jan, HasLocation: true, Lon: 1 + float64(i%2)/100, Lat: 51,
			Location: []byte("On or near X"), CrimeType: []byte("Drugs")})
	}
	ds, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 5 || ds.Located() != 5 || ds.NumPoints() != 2 {
		t.Fatalf("%d crimes, %d located, %d points; want 5, 5, 2", ds.Len(), ds.Located(), ds.NumPoints())
	}
}

// TestLongStreetNames checks rows whose street name is too long for the
// point table's entries: each gets a point of its own there, and Build
// still merges them into one.
func TestLongStreetNames(t *testing.T) {
	jan, _ := geo.ParseMonth("2023-01")
	long := []byte("On or near " + strings.Repeat("x", 70000))
	b := geo.NewBuilder()
	sb := geo.NewStreetBatch(geo.Unit{Force: "kent", Month: jan}, 1, "kent")
	for range 3 {
		sb.AddStreet(&geo.StreetRow{Month: jan, HasLocation: true, Lon: 1, Lat: 51, Location: long,
			LSOACode: []byte("E01000001"), CrimeType: []byte("Drugs")})
	}
	if err := b.AddStreet(sb); err != nil {
		t.Fatal(err)
	}
	ds, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if ds.NumPoints() != 1 || ds.Len() != 3 {
		t.Fatalf("%d points, %d crimes; want 1 and 3", ds.NumPoints(), ds.Len())
	}
	if p := ds.Point(0); p.Street != string(long) || p.LSOACode != "E01000001" {
		t.Fatalf("point %.20q in %q", p.Street, p.LSOACode)
	}
	if n := ds.PointLen(0); n != 3 {
		t.Fatalf("point has %d crimes, want 3", n)
	}
}
