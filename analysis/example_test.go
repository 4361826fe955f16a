package analysis_test

import (
	"context"
	"fmt"

	"crimemap/analysis"
	"crimemap/geo"
)

func ExampleGiStar() {
	// Four cells in a row, every crime in the last one; each cell's
	// neighbourhood is itself and the cells beside it.
	x := []float64{0, 0, 0, 4}
	nbrs := [][]int32{{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}}
	for i, g := range analysis.GiStar(x, nbrs) {
		fmt.Printf("cell %d: z %+.3f p %.3f bin %+d\n", i, g.Z, g.P, g.Bin)
	}
	// Output:
	// cell 0: z -1.000 p 0.317 bin +0
	// cell 1: z -1.732 p 0.083 bin -1
	// cell 2: z +0.577 p 0.564 bin +0
	// cell 3: z +1.000 p 0.317 bin +0
}

func ExampleFindHotspots() {
	ds := exampleDataset()
	area, _ := geo.NewCircle(-2.59, 51.455, 1500)
	hs, err := analysis.FindHotspots(context.Background(), ds, analysis.HotspotQuery{Res: 9, K: 1, Area: area})
	if err != nil {
		panic(err)
	}
	hot := 0
	for _, c := range hs.Cells {
		if c.Bin > 0 {
			hot++
		}
	}
	fmt.Printf("%d crimes in %d cells, %d hot\n", hs.Total, len(hs.Cells), hot)
	// Output: 60 crimes in 74 cells, 7 hot
}

func ExamplePeriodChange() {
	ds := exampleDataset()
	jan, feb := geo.MakeMonth(2024, 1), geo.MakeMonth(2024, 2)
	ch, err := analysis.PeriodChange(context.Background(), ds, analysis.ChangeQuery{Res: 8,
		Base: geo.Filter{From: jan, To: jan}, Current: geo.Filter{From: feb, To: feb}})
	if err != nil {
		panic(err)
	}
	s := ch.Summary
	fmt.Printf("%d -> %d (%+d, %+.0f%%) over %d cells\n", s.Base, s.Current, s.Diff, s.Pct, len(ch.Cells))
	// Output: 40 -> 20 (-20, -50%) over 1 cells
}

// exampleDataset holds 40 crimes in January and 20 in February at one
// street in central Bristol.
func exampleDataset() *geo.Dataset {
	b := geo.NewBuilder()
	for i, m := range []geo.Month{geo.MakeMonth(2024, 1), geo.MakeMonth(2024, 2)} {
		sb := geo.NewStreetBatch(geo.Unit{Force: "avon-and-somerset", Month: m}, 1, "example")
		for k := 0; k < 40/(i+1); k++ {
			sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -2.59, Lat: 51.455,
				Location: []byte("On or near Baldwin Street"), CrimeType: []byte("Shoplifting")})
		}
		b.AddStreet(sb)
	}
	ds, _, _ := b.Build()
	return ds
}
