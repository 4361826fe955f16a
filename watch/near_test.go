package watch

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// bruteDistance measures to many points along every edge, by great
// circle: slow and plainly right.
func bruteDistance(a Area, p orb.Point) float64 {
	if planar.MultiPolygonContains(a.Polygon, p) {
		return 0
	}
	best := math.Inf(1)
	for _, poly := range a.Polygon {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				const steps = 2000
				for k := 0; k <= steps; k++ {
					t := float64(k) / steps
					q := orb.Point{ring[i-1][0] + t*(ring[i][0]-ring[i-1][0]), ring[i-1][1] + t*(ring[i][1]-ring[i-1][1])}
					best = min(best, geo.DistanceHaversine(p, q))
				}
			}
		}
	}
	return best
}

func TestDistanceMAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// An L-shaped polygon near Maidstone, a few hundred metres across.
	poly := orb.MultiPolygon{{{{0.52, 51.27}, {0.53, 51.27}, {0.53, 51.275}, {0.525, 51.275}, {0.525, 51.28}, {0.52, 51.28}, {0.52, 51.27}}}}
	a := Area{Polygon: poly}
	for i := 0; i < 300; i++ {
		p := orb.Point{0.52 + (rng.Float64()-0.5)*0.2, 51.27 + (rng.Float64()-0.5)*0.1}
		got, want := a.DistanceM(p), bruteDistance(a, p)
		// The brute force samples every 0.5 m or so of an edge.
		if math.Abs(got-want) > 0.005*want+2 {
			t.Errorf("%v: DistanceM = %.1f, brute force %.1f", p, got, want)
		}
	}
}

func TestDistanceM(t *testing.T) {
	square := Area{Polygon: orb.MultiPolygon{{{{0, 51}, {0.01, 51}, {0.01, 51.01}, {0, 51.01}, {0, 51}}}}}
	circle := Area{Centre: orb.Point{0, 51}, RadiusM: 100}
	for _, c := range []struct {
		name string
		a    Area
		p    orb.Point
		want float64
	}{
		{"inside polygon", square, orb.Point{0.005, 51.005}, 0},
		{"inside circle", circle, orb.Point{0.0001, 51}, 0},
		{"outside circle", circle, orb.Point{0, 51.01}, geo.DistanceHaversine(orb.Point{0, 51}, orb.Point{0, 51.01}) - 100},
		{"north of polygon", square, orb.Point{0.005, 51.02}, 0.01 * orb.EarthRadius * math.Pi / 180},
	} {
		if got := c.a.DistanceM(c.p); math.Abs(got-c.want) > 1 {
			t.Errorf("%s: %.1f, want %.1f", c.name, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	p := orb.Point{0, 51}
	var schemes []Scheme
	// Scheme i lies i*100 m beyond p, except 9 and 10, which hold p.
	for i := 1; i <= 10; i++ {
		s := Scheme{ID: int64(i), Area: Area{Centre: orb.Point{0, 51 + float64(i)*0.01}, RadiusM: 100}}
		if i >= 9 {
			s.Area = Area{Centre: p, RadiusM: 500}
		}
		schemes = append(schemes, s)
	}
	got := Nearest(schemes, p, 3)
	var ids []int64
	for _, n := range got {
		ids = append(ids, n.Scheme.ID)
	}
	want := []int64{9, 10, 1, 2, 3}
	if len(ids) != len(want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ids %v, want %v", ids, want)
		}
	}
}

func BenchmarkNearest(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	schemes := make([]Scheme, 5000)
	for i := range schemes {
		schemes[i] = Scheme{ID: int64(i), Area: Area{Centre: orb.Point{-3 + rng.Float64()*4, 51 + rng.Float64()*3}, RadiusM: 300}}
	}
	for b.Loop() {
		Nearest(schemes, orb.Point{0, 52}, 7)
	}
}
