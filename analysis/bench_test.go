package analysis

import (
	"context"
	"math/rand/v2"
	"testing"

	"crimemap/geo"
)

// BenchmarkFindHotspots runs Gi* at resolution 9, k=1, over a 10 km box of
// a city with 100,000 crimes: about 1,000 study cells.
func BenchmarkFindHotspots(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 0))
	ds := build(b, randomRows(rng, 100_000, geo.MakeMonth(2024, 1)))
	box, _ := geo.NewBox(-2.65, 51.42, -2.53, 51.50)
	ds.PrepareHex(9)
	b.ReportAllocs()
	var cells int
	for b.Loop() {
		hs, err := FindHotspots(context.Background(), ds, HotspotQuery{Res: 9, K: 1, Area: box})
		if err != nil {
			b.Fatal(err)
		}
		cells = len(hs.Cells)
	}
	b.ReportMetric(float64(cells), "cells")
}

// BenchmarkPeriodChange compares two months at resolution 9 over the same
// city.
func BenchmarkPeriodChange(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 0))
	jan, feb := geo.MakeMonth(2024, 1), geo.MakeMonth(2024, 2)
	ds := build(b, randomRows(rng, 100_000, jan, feb))
	ds.PrepareHex(9)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PeriodChange(context.Background(), ds, ChangeQuery{Res: 9, Base: geo.Filter{From: jan, To: jan}, Current: geo.Filter{From: feb, To: feb}}); err != nil {
			b.Fatal(err)
		}
	}
}
