package geo_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// englandOutline is a coarse outline of England and Wales, lon/lat.
var englandOutline = []orb.Point{
	{-5.7, 50.0}, {-4.2, 50.3}, {-3.0, 50.6}, {-1.9, 50.6}, {-1.0, 50.7}, {0.3, 50.7},
	{1.4, 51.1}, {1.5, 51.4}, {0.9, 51.8}, {1.8, 52.5}, {1.7, 52.9}, {0.3, 53.0},
	{0.2, 53.6}, {-0.5, 54.5}, {-1.2, 54.9}, {-1.6, 55.6}, {-2.1, 55.8}, {-2.7, 55.3},
	{-3.1, 55.0}, {-3.6, 54.8}, {-3.4, 54.4}, {-3.0, 54.0}, {-3.1, 53.3}, {-4.7, 53.4},
	{-4.7, 52.8}, {-4.1, 52.5}, {-4.3, 52.0}, {-5.3, 51.9}, {-5.1, 51.6}, {-4.2, 51.5},
	{-3.2, 51.4}, {-3.7, 51.2}, {-4.6, 51.0}, {-5.2, 50.6},
}

// EnglandPolygon densifies englandOutline to n vertices, each moved off the
// outline by up to 0.005 degrees, as a surveyed boundary wanders about a
// straight line.
func EnglandPolygon(n int) orb.Ring {
	m := len(englandOutline)
	per := 0.0
	for i := range m {
		a, b := englandOutline[i], englandOutline[(i+1)%m]
		per += math.Hypot(b[0]-a[0], b[1]-a[1])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ring := make(orb.Ring, 0, n+1)
	step := per / float64(n)
	for i := range m {
		a, b := englandOutline[i], englandOutline[(i+1)%m]
		l := math.Hypot(b[0]-a[0], b[1]-a[1])
		nx, ny := -(b[1]-a[1])/l, (b[0]-a[0])/l
		for t := 0.0; t < l && len(ring) < n; t += step {
			j := (rng.Float64()*2 - 1) * 0.005
			ring = append(ring, orb.Point{a[0] + (b[0]-a[0])*t/l + nx*j, a[1] + (b[1]-a[1])*t/l + ny*j})
		}
	}
	return append(ring, ring[0])
}

// BenchmarkPolygonEngland counts every crime inside a polygon around England
// and Wales of 1,000 to 100,000 vertices.
func BenchmarkPolygonEngland(b *testing.B) {
	ds := benchdata.Dataset(b)
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("vertices=%d", n), func(b *testing.B) {
			poly, err := geo.NewPolygon(orb.MultiPolygon{{EnglandPolygon(n)}})
			if err != nil {
				b.Fatal(err)
			}
			f := geo.Filter{}
			total := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k, err := ds.Count(context.Background(), poly, &f)
				if err != nil {
					b.Fatal(err)
				}
				total += k.Total
			}
			b.ReportMetric(float64(total)/float64(b.N), "crimes/op")
		})
	}
}
