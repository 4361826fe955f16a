package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// randomRing returns a closed ring of n vertices around (cx, cy): star-shaped
// unless wild, in which case its vertices are anywhere in the box and its
// edges cross. Coordinates are multiples of 1/8, so points on edges and
// vertices are exact.
func randomRing(rng *rand.Rand, cx, cy, radius float64, n int, wild bool) orb.Ring {
	snap := func(v float64) float64 { return math.Round(v*8) / 8 }
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		if wild {
			r = append(r, orb.Point{snap(cx + (rng.Float64()*2-1)*radius), snap(cy + (rng.Float64()*2-1)*radius)})
			continue
		}
		a := 2 * math.Pi * float64(i) / float64(n)
		d := radius * (0.3 + 0.7*rng.Float64())
		r = append(r, orb.Point{snap(cx + d*math.Cos(a)), snap(cy + d*math.Sin(a))})
	}
	return append(r, r[0])
}

func randomMultiPolygon(rng *rand.Rand) orb.MultiPolygon {
	var mp orb.MultiPolygon
	for range 1 + rng.IntN(3) {
		cx, cy := float64(rng.IntN(20)), float64(rng.IntN(20))
		radius := 2 + 8*rng.Float64()
		n := 3 + rng.IntN(400)
		poly := orb.Polygon{randomRing(rng, cx, cy, radius, n, rng.IntN(5) == 0)}
		for range rng.IntN(12) {
			hx, hy := cx+(rng.Float64()-0.5)*radius, cy+(rng.Float64()-0.5)*radius
			poly = append(poly, randomRing(rng, hx, hy, radius/4, 3+rng.IntN(60), rng.IntN(8) == 0))
		}
		mp = append(mp, poly)
	}
	return mp
}

// probes returns points to test against mp: every vertex, every edge's
// midpoint, lattice points, and points anywhere.
func probes(rng *rand.Rand, mp orb.MultiPolygon) []orb.Point {
	var ps []orb.Point
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				ps = append(ps, r[i], orb.Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2})
			}
		}
	}
	b := mp.Bound()
	for range 3000 {
		x := b.Min[0] - 1 + rng.Float64()*(b.Max[0]-b.Min[0]+2)
		y := b.Min[1] - 1 + rng.Float64()*(b.Max[1]-b.Min[1]+2)
		ps = append(ps, orb.Point{x, y}, orb.Point{math.Round(x*8) / 8, math.Round(y*8) / 8})
	}
	return ps
}

// TestPolygonContainsMatchesOrb compares the indexed test with
// planar.MultiPolygonContains on random polygons, holes, crossing edges and
// multipolygons, at vertices, on edges and anywhere.
func TestPolygonContainsMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	rounds := 60
	if testing.Short() {
		rounds = 15
	}
	for round := range rounds {
		mp := randomMultiPolygon(rng)
		poly, err := NewPolygon(mp)
		if err != nil {
			continue // a degenerate ring
		}
		for _, p := range probes(rng, poly.MultiPolygon()) {
			want := planar.MultiPolygonContains(poly.MultiPolygon(), p)
			if got := poly.Contains(p[0], p[1]); got != want {
				t.Fatalf("round %d: Contains(%v) = %v, orb says %v", round, p, got, want)
			}
		}
	}
}

// TestClassifyBoxAgreesWithContains checks that a box classified as wholly
// inside or outside holds no point that Contains answers otherwise.
func TestClassifyBoxAgreesWithContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	decided, boxes := 0, 0
	for round := range 60 {
		poly, err := NewPolygon(randomMultiPolygon(rng))
		if err != nil {
			continue
		}
		b := poly.Bound()
		for range 300 {
			x := b.Min[0] - 1 + rng.Float64()*(b.Max[0]-b.Min[0]+2)
			y := b.Min[1] - 1 + rng.Float64()*(b.Max[1]-b.Min[1]+2)
			w, h := rng.Float64()*0.5, rng.Float64()*0.5
			box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
			in, ok := poly.classifyBox(box)
			boxes++
			if !ok {
				continue
			}
			decided++
			for i := range 50 {
				p := orb.Point{x + w*rng.Float64(), y + h*rng.Float64()}
				if i < 4 {
					p = orb.Point{[]float64{x, x + w}[i%2], []float64{y, y + h}[i/2]}
				}
				if got := poly.Contains(p[0], p[1]); got != in {
					t.Fatalf("round %d: box %v classified in=%v but Contains(%v) = %v", round, box, in, p, got)
				}
			}
		}
	}
	if decided < boxes/4 {
		t.Errorf("only %d of %d boxes decided", decided, boxes)
	}
}

// TestRingIndexLongEdges keeps the slab lists bounded for a comb, a ring
// whose edges each span its width, and compares its answers with orb's on
// and off the edges.
func TestRingIndexLongEdges(t *testing.T) {
	var r orb.Ring
	for i := range 10_000 {
		r = append(r, orb.Point{float64(i % 2), float64(i) / 1000})
	}
	r = append(r, r[0])
	ix := newRingIndex(r)
	if n := len(ix.edges); n > slabEntriesPerEdge*(len(r)-1) {
		t.Errorf("%d slab entries for %d edges", n, len(r)-1)
	}
	probes := []orb.Point{{0.5, 0.5}, {0.25, 9.99}, {0, 0}, {1, 0.001}, {0.5, 10.5}, {0.5, 0.0005}}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 500 {
		i := rng.IntN(len(r) - 1)
		t := rng.Float64()
		probes = append(probes,
			orb.Point{r[i][0] + t*(r[i+1][0]-r[i][0]), r[i][1] + t*(r[i+1][1]-r[i][1])},
			orb.Point{rng.Float64()*1.2 - 0.1, rng.Float64()*10.2 - 0.1},
			r[i])
	}
	for _, p := range probes {
		if got, want := ix.contains(p), planar.RingContains(r, p); got != want {
			t.Fatalf("contains(%v) = %v, orb says %v", p, got, want)
		}
	}
}

// FuzzPolygonContains compares the indexed test with orb's on rings built
// from fuzzed coordinates.
func FuzzPolygonContains(f *testing.F) {
	f.Add(uint64(1), 20, 0.5, 0.5)
	f.Add(uint64(9), 300, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, seed uint64, n int, x, y float64) {
		if n < 3 || n > 2000 || math.IsNaN(x) || math.IsNaN(y) {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		mp := orb.MultiPolygon{{randomRing(rng, 0, 0, 1, n, seed%3 == 0), randomRing(rng, 0.1, 0, 0.3, 3+n%20, false)}}
		poly, err := NewPolygon(mp)
		if err != nil {
			return
		}
		p := orb.Point{x, y}
		if got, want := poly.Contains(x, y), planar.MultiPolygonContains(poly.MultiPolygon(), p); got != want {
			t.Fatalf("Contains(%v) = %v, orb says %v", p, got, want)
		}
	})
}
