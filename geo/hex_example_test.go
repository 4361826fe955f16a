package geo_test

import (
	"context"
	"fmt"

	"github.com/uber/h3-go/v4"

	"crimemap/geo"
)

func ExampleDataset_HexCounts() {
	b := geo.NewBuilder()
	sb := geo.NewStreetBatch(geo.Unit{Force: "city-of-london", Month: geo.MakeMonth(2024, 1)}, 1, "example")
	for _, r := range []struct {
		lon, lat float64
		typ      string
	}{
		{-0.0915, 51.5135, "Burglary"},
		{-0.0915, 51.5135, "Shoplifting"},
		{-0.0800, 51.5150, "Burglary"},
	} {
		sb.AddStreet(&geo.StreetRow{Month: geo.MakeMonth(2024, 1), HasLocation: true, Lon: r.lon, Lat: r.lat,
			Location: []byte("On or near Example Street"), CrimeType: []byte(r.typ)})
	}
	b.AddStreet(sb)
	ds, _, _ := b.Build()

	burglary, _ := ds.Categories().BySlug("burglary")
	hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 9, ByCategory: true})
	if err != nil {
		panic(err)
	}
	for i, c := range hc.Cells {
		fmt.Println(c, hc.Count[i], "burglary:", hc.Category(i, geo.Category(burglary)))
	}
	// Output:
	// 89194ad301bffff 1 burglary: 1
	// 89194ad304fffff 2 burglary: 1
}

func ExampleCellParent() {
	c, _ := geo.ParseCell("8d194ad33c9b43f")
	fmt.Println(geo.CellParent(c, 7))
	// Output: 87194ad33ffffff
}

func ExampleParseCell() {
	c, err := geo.ParseCell("89194ad3353ffff")
	fmt.Println(c, geo.CellRes(c), err)
	_, err = geo.ParseCell("not-a-cell")
	fmt.Println(err)
	// Output:
	// 89194ad3353ffff 9 <nil>
	// not a valid H3 cell: "not-a-cell"
}

func ExampleDataset_CountCells() {
	b := geo.NewBuilder()
	m := geo.MakeMonth(2024, 1)
	sb := geo.NewStreetBatch(geo.Unit{Force: "city-of-london", Month: m}, 1, "example")
	for _, typ := range []string{"Burglary", "Burglary", "Robbery"} {
		sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -0.0915, Lat: 51.5135,
			Location: []byte("On or near Example Street"), CrimeType: []byte(typ)})
	}
	b.AddStreet(sb)
	ds, _, _ := b.Build()

	cell, _ := geo.ParseCell("89194ad304fffff")
	cc, err := ds.CountCells(context.Background(), h3.GridDisk(cell, 1), &geo.Filter{})
	if err != nil {
		panic(err)
	}
	burglary, _ := ds.Categories().BySlug("burglary")
	fmt.Println(cc.Total, cc.ByCategory(geo.Category(burglary)), len(cc.Cells))
	// Output: 3 2 7
}
