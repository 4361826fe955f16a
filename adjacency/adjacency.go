package adjacency

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Tolerance is how far, in degrees (about 0.1 mm), a vertex may lie off the
// other area's edge and still be on it: the same boundary written by two
// files may differ in its last float digits.
const Tolerance = 1e-9

// Graph lists each area's neighbours. It is immutable.
type Graph struct {
	next [][]int
}

// Neighbours returns the indexes (into Build's input) of the areas sharing
// an edge with area i, ascending. The slice is shared and must not be
// changed.
func (g *Graph) Neighbours(i int) []int {
	if g == nil || i < 0 || i >= len(g.next) {
		return nil
	}
	return g.next[i]
}

// Len is the number of areas.
func (g *Graph) Len() int {
	if g == nil {
		return 0
	}
	return len(g.next)
}

// Build computes the neighbours of every area. An empty area has none.
func Build(areas []orb.MultiPolygon) *Graph {
	g := &Graph{next: make([][]int, len(areas))}
	bounds := make([]orb.Bound, len(areas))
	var tree rtree.RTreeGN[float64, int32]
	for i, a := range areas {
		if len(a) == 0 {
			continue
		}
		bounds[i] = a.Bound()
		tree.Insert(bounds[i].Min, bounds[i].Max, int32(i))
	}
	for i, a := range areas {
		if len(a) == 0 {
			continue
		}
		b := pad(bounds[i])
		tree.Search(b.Min, b.Max, func(_, _ [2]float64, j int32) bool {
			// Each pair once, from its lower index.
			if int(j) > i && shareEdge(a, areas[j], bounds[i], bounds[j]) {
				g.next[i] = append(g.next[i], int(j))
				g.next[j] = append(g.next[j], i)
			}
			return true
		})
	}
	for i := range g.next {
		slices.Sort(g.next[i])
	}
	return g
}

// pad widens b by Tolerance on every side.
func pad(b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{b.Min[0] - Tolerance, b.Min[1] - Tolerance}, Max: orb.Point{b.Max[0] + Tolerance, b.Max[1] + Tolerance}}
}

type segment struct{ p, q orb.Point }

func (s segment) bound() orb.Bound { return orb.Bound{Min: s.p, Max: s.p}.Extend(s.q) }

// segmentsIn returns the segments of mp's rings whose box meets b.
func segmentsIn(mp orb.MultiPolygon, b orb.Bound) []segment {
	var out []segment
	for _, poly := range mp {
		for _, ring := range poly {
			for k := 1; k < len(ring); k++ {
				s := segment{ring[k-1], ring[k]}
				if s.p != s.q && s.bound().Intersects(b) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// shareEdge reports whether a segment of a and one of b overlap along a
// stretch longer than Tolerance. Only segments inside the overlap of the two
// boxes can.
func shareEdge(a, b orb.MultiPolygon, ba, bb orb.Bound) bool {
	ov, ok := overlap(pad(ba), pad(bb))
	if !ok {
		return false
	}
	sa, sb := segmentsIn(a, ov), segmentsIn(b, ov)
	if len(sa) == 0 || len(sb) == 0 {
		return false
	}
	var tree rtree.RTreeGN[float64, int32]
	for k, s := range sb {
		bs := pad(s.bound())
		tree.Insert(bs.Min, bs.Max, int32(k))
	}
	found := false
	for _, s := range sa {
		bs := s.bound()
		tree.Search(bs.Min, bs.Max, func(_, _ [2]float64, k int32) bool {
			found = collinearOverlap(s, sb[k])
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// overlap is the intersection of two boxes.
func overlap(a, b orb.Bound) (orb.Bound, bool) {
	o := orb.Bound{
		Min: orb.Point{math.Max(a.Min[0], b.Min[0]), math.Max(a.Min[1], b.Min[1])},
		Max: orb.Point{math.Min(a.Max[0], b.Max[0]), math.Min(a.Max[1], b.Max[1])},
	}
	return o, o.Min[0] <= o.Max[0] && o.Min[1] <= o.Max[1]
}

// collinearOverlap reports whether t lies on s's line (both ends within
// Tolerance of it) and the two overlap along it by more than Tolerance.
func collinearOverlap(s, t segment) bool {
	dx, dy := s.q[0]-s.p[0], s.q[1]-s.p[1]
	l := math.Hypot(dx, dy)
	// Distance of a point from s's line: the cross product over the length.
	off := func(p orb.Point) float64 { return math.Abs(dx*(p[1]-s.p[1])-dy*(p[0]-s.p[0])) / l }
	if off(t.p) > Tolerance || off(t.q) > Tolerance {
		return false
	}
	// Positions along s, in degrees from s.p.
	along := func(p orb.Point) float64 { return (dx*(p[0]-s.p[0]) + dy*(p[1]-s.p[1])) / l }
	lo, hi := along(t.p), along(t.q)
	if lo > hi {
		lo, hi = hi, lo
	}
	return math.Min(hi, l)-math.Max(lo, 0) > Tolerance
}
