package locate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/locate"
)

// England and Wales' box, which the generated tilings cover.
const (
	westLon, eastLon   = -5.7, 1.8
	southLat, northLat = 50.0, 55.8
)

// tiling is a generated set of neighbourhoods covering a box without gaps
// or overlaps: a grid of cells whose edges are jagged polylines that the
// two cells beside them share vertex for vertex. Some cells have a hole
// filled by an enclave neighbourhood of two parts (one in each of two
// cells), and some have a hole that nothing fills.
type tiling struct {
	regions []locate.Region
	geoms   []orb.MultiPolygon // beside regions
	bounds  []orb.Bound
}

// newTiling makes cols x rows cells under forces bands of columns, with
// perEdge vertices along each side of a cell.
func newTiling(tb testing.TB, cols, rows, forces, perEdge int) *tiling {
	tb.Helper()
	w := (eastLon - westLon) / float64(cols)
	h := (northLat - southLat) / float64(rows)
	node := func(c, r int) orb.Point { return orb.Point{westLon + float64(c)*w, southLat + float64(r)*h} }
	// edge returns the vertices from node a to node b (excluding b), the
	// same points either way round, so neighbours share them exactly.
	edge := func(a, b [2]int) []orb.Point {
		rev := a[0] > b[0] || a[1] > b[1]
		if rev {
			a, b = b, a
		}
		pa, pb := node(a[0], a[1]), node(b[0], b[1])
		pts := make([]orb.Point, 0, perEdge+1)
		for i := 0; i <= perEdge; i++ {
			t := float64(i) / float64(perEdge)
			// Offsets across the edge, tapering to none at its ends,
			// stay inside a cone at each corner that no other edge
			// enters.
			amp := 0.15 * math.Sin(math.Pi*t) * noise(a[0], a[1], b[0], b[1], i)
			p := orb.Point{pa[0] + t*(pb[0]-pa[0]), pa[1] + t*(pb[1]-pa[1])}
			if a[1] == b[1] {
				p[1] += amp * h
			} else {
				p[0] += amp * w
			}
			pts = append(pts, p)
		}
		if rev {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		return pts[:len(pts)-1]
	}
	t := &tiling{}
	var enclave orb.MultiPolygon
	for c := 0; c < cols; c++ {
		for r := 0; r < rows; r++ {
			var ring orb.Ring
			corners := [][2]int{{c, r}, {c + 1, r}, {c + 1, r + 1}, {c, r + 1}, {c, r}}
			for i := 0; i < 4; i++ {
				ring = append(ring, edge(corners[i], corners[i+1])...)
			}
			ring = append(ring, ring[0])
			poly := orb.Polygon{ring}
			centre := orb.Point{westLon + (float64(c)+0.5)*w, southLat + (float64(r)+0.5)*h}
			switch n := c*rows + r; {
			case n%97 == 13:
				hole := diamond(centre, 0.2*w, 0.2*h)
				poly = append(poly, hole)
				enclave = append(enclave, orb.Polygon{hole})
				if len(enclave) == 2 {
					t.add(tb, "enclaves", fmt.Sprintf("E %d", len(t.regions)), enclave)
					enclave = nil
				}
			case n%89 == 7:
				poly = append(poly, diamond(centre, 0.1*w, 0.1*h)) // a lake
			}
			// Ids repeat from force to force, as real ones may.
			f := c * forces / cols
			first := (f*cols + forces - 1) / forces
			t.add(tb, fmt.Sprintf("force-%02d", f), fmt.Sprintf("N%d %d", c-first, r), orb.MultiPolygon{poly})
		}
	}
	if len(enclave) > 0 {
		t.add(tb, "enclaves", "last", enclave)
	}
	return t
}

func (t *tiling) add(tb testing.TB, force, id string, mp orb.MultiPolygon) {
	area, err := geo.NewPolygon(mp)
	if err != nil {
		tb.Fatalf("%s/%s: %v", force, id, err)
	}
	t.regions = append(t.regions, locate.Region{Force: force, ID: id, Name: id, Area: area})
	t.geoms = append(t.geoms, mp)
	t.bounds = append(t.bounds, mp.Bound())
}

// diamond is a closed ring of 24 vertices around c.
func diamond(c orb.Point, rx, ry float64) orb.Ring {
	var r orb.Ring
	for i := 0; i < 24; i++ {
		a := 2 * math.Pi * float64(i) / 24
		r = append(r, orb.Point{c[0] + rx*math.Cos(a), c[1] + ry*math.Sin(a)})
	}
	return append(r, r[0])
}

// noise is a deterministic value in [-1, 1] for one vertex of one edge.
func noise(a, b, c, d, i int) float64 {
	x := uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)*0xC2B2AE3D27D4EB4F ^ uint64(c)*0x165667B19E3779F9 ^ uint64(d)*0x27D4EB2F165667C5 ^ uint64(i)*0xFF51AFD7ED558CCD
	x ^= x >> 33
	x *= 0xC4CEB9FE1A85EC53
	x ^= x >> 33
	return float64(x>>11)/float64(1<<53)*2 - 1
}
