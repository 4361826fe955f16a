package locate_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"crimemap/internal/testsupport"
	"crimemap/locate"
)

// bruteForce is the locate rule written plainly: every boundary in turn,
// the first in force, id order that holds the point. A boundary's box is
// looked at first only to keep the test quick: no polygon holds a point
// outside its box.
func bruteForce(t *tiling, p orb.Point) (string, bool) {
	best := ""
	for i, r := range t.regions {
		if t.bounds[i].Contains(p) && planar.MultiPolygonContains(t.geoms[i], p) {
			if k := r.Force + "/" + r.ID; best == "" || k < best {
				best = k
			}
		}
	}
	return best, best != ""
}

// testPoints are random points over the box and beyond it, every kind of
// vertex (grid corners shared by four cells, shared edges' vertices, hole
// vertices), and points on the segments of shared edges.
func testPoints(t *tiling, rng *rand.Rand, n int) []orb.Point {
	var out []orb.Point
	for range n {
		out = append(out, orb.Point{westLon - 0.1 + rng.Float64()*(eastLon-westLon+0.2), southLat - 0.1 + rng.Float64()*(northLat-southLat+0.2)})
	}
	for range n {
		g := t.geoms[rng.IntN(len(t.geoms))]
		poly := g[rng.IntN(len(g))]
		ring := poly[rng.IntN(len(poly))]
		i := rng.IntN(len(ring) - 1)
		out = append(out, ring[i])
		// A point on the segment, and the first vertex: a grid corner.
		f := rng.Float64()
		out = append(out, orb.Point{ring[i][0] + f*(ring[i+1][0]-ring[i][0]), ring[i][1] + f*(ring[i+1][1]-ring[i][1])}, ring[0])
	}
	return out
}

func TestLocateMatchesBruteForce(t *testing.T) {
	cols, rows, n := 75, 60, 2000
	if testing.Short() {
		cols, rows, n = 20, 15, 1000
	}
	tl := newTiling(t, cols, rows, 43*cols/75, 40)
	l, err := locate.New(tl.regions)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	onEdge := 0
	for _, p := range testPoints(tl, rng, n) {
		want, wantOK := bruteForce(tl, p)
		got, err := l.Locate(p[1], p[0])
		if gotOK := err == nil; gotOK != wantOK || (gotOK && got.Force+"/"+got.ID != want) {
			t.Fatalf("point %v: Locate = %s/%s, %v; brute force %q, %v", p, got.Force, got.ID, err, want, wantOK)
		}
		if err != nil && !errors.Is(err, locate.ErrNotFound) {
			t.Fatalf("point %v: %v", p, err)
		}
		if holders := 0; wantOK {
			for i, g := range tl.geoms {
				if tl.bounds[i].Contains(p) && planar.MultiPolygonContains(g, p) {
					holders++
				}
			}
			if holders > 1 {
				onEdge++
			}
		}
	}
	// The points must include many on shared edges, or the rule is untested.
	if onEdge < n/2 {
		t.Errorf("only %d test points on shared edges", onEdge)
	}
}

func TestLocateSharedEdgeRule(t *testing.T) {
	left := square(0, 0, 1)
	right := square(1, 0, 1)
	tests := []struct {
		name     string
		regions  []locate.Region
		lat, lng float64
		want     string
	}{
		{"shared edge: lower force id wins", []locate.Region{{Force: "b", ID: "1", Area: left}, {Force: "a", ID: "9", Area: right}}, 0.5, 1, "a/9"},
		{"shared edge: same force, lower id wins", []locate.Region{{Force: "a", ID: "2", Area: left}, {Force: "a", ID: "10", Area: right}}, 0.5, 1, "a/10"},
		{"shared corner", []locate.Region{{Force: "x", ID: "b", Area: left}, {Force: "x", ID: "a", Area: right}}, 1, 1, "x/a"},
		{"inside one only", []locate.Region{{Force: "a", ID: "1", Area: left}, {Force: "b", ID: "2", Area: right}}, 0.5, 1.5, "b/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reversed := slices.Clone(tt.regions)
			slices.Reverse(reversed)
			for _, order := range [][]locate.Region{tt.regions, reversed} {
				l, err := locate.New(order)
				if err != nil {
					t.Fatal(err)
				}
				got, err := l.Locate(tt.lat, tt.lng)
				if err != nil || got.Force+"/"+got.ID != tt.want {
					t.Errorf("Locate = %s/%s, %v; want %s", got.Force, got.ID, err, tt.want)
				}
			}
		})
	}
}

func TestLocateNotFound(t *testing.T) {
	l, err := locate.New([]locate.Region{{Force: "a", ID: "1", Area: square(0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	var nilLocator *locate.Locator
	for _, tc := range []struct {
		l        *locate.Locator
		lat, lng float64
	}{{l, 5, 5}, {l, 1.0000001, 0.5}, {nilLocator, 0.5, 0.5}} {
		if _, err := tc.l.Locate(tc.lat, tc.lng); !errors.Is(err, locate.ErrNotFound) {
			t.Errorf("Locate(%v, %v) = %v, want ErrNotFound", tc.lat, tc.lng, err)
		}
	}
}

func TestNewDuplicate(t *testing.T) {
	_, err := locate.New([]locate.Region{{Force: "a", ID: "1", Area: square(0, 0, 1)}, {Force: "a", ID: "1", Area: square(1, 0, 1)}})
	if !errors.Is(err, locate.ErrDuplicate) {
		t.Fatalf("New = %v, want ErrDuplicate", err)
	}
}

// BenchmarkLocate locates random points over a national tiling: 4,500
// neighbourhoods (75 x 60 cells, a few with holes and enclaves of two
// parts) of about 240 vertices each across England and Wales. It reports
// p50 and p99 of single calls timed one by one, less the median cost of
// reading the clock twice; target p99 under 20 µs.
func BenchmarkLocate(b *testing.B) {
	tl := newTiling(b, 75, 60, 43, 60)
	l, err := locate.New(tl.regions)
	if err != nil {
		b.Fatal(err)
	}
	verts := 0
	for _, g := range tl.geoms {
		for _, p := range g {
			for _, r := range p {
				verts += len(r)
			}
		}
	}
	b.ReportMetric(float64(l.Len()), "regions")
	b.ReportMetric(float64(verts)/float64(l.Len()), "vertices/region")
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]orb.Point, 1<<16)
	for i := range pts {
		pts[i] = orb.Point{westLon + rng.Float64()*(eastLon-westLon), southLat + rng.Float64()*(northLat-southLat)}
	}
	i := 0
	for b.Loop() {
		p := pts[i&(len(pts)-1)]
		l.Locate(p[1], p[0])
		i++
	}
	b.StopTimer()
	times, _ := testsupport.Latencies(200_000, func(j int) {
		p := pts[j&(len(pts)-1)]
		l.Locate(p[1], p[0])
	})
	b.ReportMetric(float64(testsupport.Percentile(times, 50).Nanoseconds())/1e3, "p50-us")
	b.ReportMetric(float64(testsupport.Percentile(times, 99).Nanoseconds())/1e3, "p99-us")
}
