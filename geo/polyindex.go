package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Point-in-polygon without a pass over every vertex. A ring's edges are
// listed per vertical slab of its box, so a point tests only the edges
// whose span in longitude holds it. Of those, the edges running through
// the whole slab are sorted by their lowest latitude: the ones wholly above
// the point are counted by a binary search, so a slab that many long edges
// cross (a comb, a zigzag) costs a search, not a pass. Parts and holes are
// found through an R-tree of their boxes. The test of one edge is planar.RingContains'
// own (rayIntersect below), so the answers are exactly orb's: boundary
// included, and a point on a hole's boundary outside.

// indexMinEdges is the ring size below which a plain pass over the edges is
// as quick as the slabs.
const indexMinEdges = 16

// slabEntriesPerEdge bounds the slab lists at this many entries per edge on
// average: edges much longer than a slab are listed in every slab they span,
// so rings of long edges get fewer, wider slabs.
const slabEntriesPerEdge = 4

// maxSlabsPerBox is how many slabs a box may span before classifyBox stops
// looking and leaves its points to be tested one by one.
const maxSlabsPerBox = 8

// ringIndex is one closed ring with its edges listed per slab.
type ringIndex struct {
	ring  orb.Ring // closed: ring[0] == ring[len-1]
	bound orb.Bound
	// Slab of longitude x: int((x-x0)*scale), at most nslab-1. No slabs
	// (nslab 0) means every edge is tested.
	x0, scale float64
	nslab     int
	// The edges of slab s are edges[start[s]:start[s+1]] (edge i runs
	// from ring[i] to ring[i+1]): first those with an end in the slab,
	// then, from through[s], those running through it, by lowest
	// latitude (lowY, beside edges). reach[s] is more than the latitude
	// span of any edge running through slab s.
	start, through []int32
	edges          []int32
	lowY           []float64
	reach          []float64
}

func newRingIndex(r orb.Ring) *ringIndex {
	ix := &ringIndex{ring: r, bound: r.Bound()}
	n := len(r) - 1
	w := ix.bound.Max[0] - ix.bound.Min[0]
	if n < indexMinEdges || !(w > 0) {
		return ix
	}
	ix.x0 = ix.bound.Min[0]
	span := func(i int) (int, int) {
		a, b := r[i][0], r[i+1][0]
		if a > b {
			a, b = b, a
		}
		return ix.slab(a), ix.slab(b)
	}
	for slabs := n; ; slabs /= 2 {
		ix.nslab, ix.scale = slabs, float64(slabs)/w
		if math.IsInf(ix.scale, 0) {
			continue
		}
		total := 0
		for i := 0; i < n; i++ {
			lo, hi := span(i)
			total += hi - lo + 1
		}
		if total <= slabEntriesPerEdge*n || slabs == 1 {
			break
		}
	}
	// A counting sort of the edges by slab.
	ix.start = make([]int32, ix.nslab+1)
	for i := 0; i < n; i++ {
		lo, hi := span(i)
		for s := lo; s <= hi; s++ {
			ix.start[s+1]++
		}
	}
	for s := 0; s < ix.nslab; s++ {
		ix.start[s+1] += ix.start[s]
	}
	next := append([]int32(nil), ix.start[:ix.nslab]...)
	ix.edges = make([]int32, ix.start[ix.nslab])
	for i := 0; i < n; i++ {
		lo, hi := span(i)
		for s := lo; s <= hi; s++ {
			ix.edges[next[s]] = int32(i)
			next[s]++
		}
	}
	ix.through = make([]int32, ix.nslab)
	ix.reach = make([]float64, ix.nslab)
	ix.lowY = make([]float64, len(ix.edges))
	for s := 0; s < ix.nslab; s++ {
		es := ix.edges[ix.start[s]:ix.start[s+1]]
		runs := func(e int32) bool {
			lo, hi := span(int(e))
			return lo < s && s < hi
		}
		slices.SortFunc(es, func(a, b int32) int {
			ra, rb := runs(a), runs(b)
			if ra != rb {
				if ra {
					return 1
				}
				return -1
			}
			if !ra {
				return 0
			}
			return cmp.Compare(min(r[a][1], r[a+1][1]), min(r[b][1], r[b+1][1]))
		})
		ix.through[s] = ix.start[s] + int32(slices.IndexFunc(es, runs))
		if !slices.ContainsFunc(es, runs) {
			ix.through[s] = ix.start[s+1]
		}
		for j := ix.through[s]; j < ix.start[s+1]; j++ {
			a, b := r[ix.edges[j]][1], r[ix.edges[j]+1][1]
			ix.lowY[j] = min(a, b)
			// Twice the span and a margin make up for rounding in the
			// subtractions that use reach.
			ix.reach[s] = max(ix.reach[s], 2*(max(a, b)-min(a, b))+1e-9)
		}
	}
	return ix
}

// slab returns the slab of longitude x, which must not be west of x0. It is
// monotone in x, so an edge spanning x is listed in x's slab.
func (ix *ringIndex) slab(x float64) int {
	return min(int((x-ix.x0)*ix.scale), ix.nslab-1)
}

// runsFrom returns the position in edges of the first edge running through
// slab s whose lowest latitude is y or more.
func (ix *ringIndex) runsFrom(s int, y float64) int {
	lo, hi := int(ix.through[s]), int(ix.start[s+1])
	i, _ := slices.BinarySearch(ix.lowY[lo:hi], y)
	return lo + i
}

// contains is planar.RingContains.
func (ix *ringIndex) contains(p orb.Point) bool {
	if !ix.bound.Contains(p) {
		return false
	}
	r := ix.ring
	in := false
	if ix.nslab == 0 {
		for i := 0; i+1 < len(r); i++ {
			hit, on := rayIntersect(p, r[i], r[i+1])
			if on {
				return true
			}
			in = in != hit
		}
		return in
	}
	// An edge whose longitudes do not span p's neither holds p nor crosses
	// its ray, so the edges of other slabs cannot change the answer.
	s := ix.slab(p[0])
	test := func(e int32) bool {
		hit, on := rayIntersect(p, r[e], r[e+1])
		in = in != hit
		return on
	}
	for _, e := range ix.edges[ix.start[s]:ix.through[s]] {
		if test(e) {
			return true
		}
	}
	// An edge running through the slab spans p's longitude strictly, so
	// rayIntersect settles it by latitude alone unless p's latitude is
	// within the edge's: one wholly above p crosses the ray, one wholly
	// below does not. The edges low enough to hold p's latitude come just
	// before those wholly above, within reach.
	above := ix.runsFrom(s, math.Nextafter(p[1], math.Inf(1)))
	if (int(ix.start[s+1])-above)%2 == 1 {
		in = !in
	}
	for j := above - 1; j >= int(ix.through[s]) && ix.lowY[j] >= p[1]-ix.reach[s]; j-- {
		if test(ix.edges[j]) {
			return true
		}
	}
	return in
}

// touches reports whether an edge's box may meet the closed box b; false
// means no edge meets b. Boxes spanning many slabs report true unexamined.
func (ix *ringIndex) touches(b orb.Bound) bool {
	if !ix.bound.Intersects(b) {
		return false
	}
	r := ix.ring
	meets := func(e int) bool {
		s, t := r[e], r[e+1]
		return max(s[0], t[0]) >= b.Min[0] && min(s[0], t[0]) <= b.Max[0] &&
			max(s[1], t[1]) >= b.Min[1] && min(s[1], t[1]) <= b.Max[1]
	}
	if ix.nslab == 0 {
		for i := 0; i+1 < len(r); i++ {
			if meets(i) {
				return true
			}
		}
		return false
	}
	lo, hi := ix.slab(max(b.Min[0], ix.x0)), ix.slab(min(b.Max[0], ix.bound.Max[0]))
	if hi-lo >= maxSlabsPerBox {
		return true
	}
	for s := lo; s <= hi; s++ {
		for _, e := range ix.edges[ix.start[s]:ix.through[s]] {
			if meets(int(e)) {
				return true
			}
		}
		// Only the edges running through whose lowest latitude is within
		// reach below the box up to its top can meet it.
		for j := ix.runsFrom(s, b.Min[1]-ix.reach[s]); j < int(ix.start[s+1]) && ix.lowY[j] <= b.Max[1]; j++ {
			if meets(int(ix.edges[j])) {
				return true
			}
		}
	}
	return false
}

// boxIndex finds the items whose boxes meet a box: a plain list for a few
// items, an R-tree for many.
type boxIndex struct {
	bounds []orb.Bound
	tree   *rtree.RTreeGN[float64, int32]
}

// boxIndexMin is the item count from which boxIndex builds an R-tree.
const boxIndexMin = 8

func newBoxIndex(bounds []orb.Bound) boxIndex {
	bi := boxIndex{bounds: bounds}
	if len(bounds) >= boxIndexMin {
		bi.tree = &rtree.RTreeGN[float64, int32]{}
		for i, b := range bounds {
			bi.tree.Insert(b.Min, b.Max, int32(i))
		}
	}
	return bi
}

// search calls fn with every item whose box meets b until fn returns false.
func (bi *boxIndex) search(b orb.Bound, fn func(i int) bool) {
	if bi.tree == nil {
		for i, ib := range bi.bounds {
			if ib.Intersects(b) && !fn(i) {
				return
			}
		}
		return
	}
	bi.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool { return fn(int(i)) })
}

// polyIndex is one polygon: an outer ring and its holes.
type polyIndex struct {
	outer *ringIndex
	holes []*ringIndex
	hix   boxIndex
}

func (pi *polyIndex) contains(p orb.Point) bool {
	if !pi.outer.contains(p) {
		return false
	}
	in := true
	pi.hix.search(orb.Bound{Min: p, Max: p}, func(i int) bool {
		in = !pi.holes[i].contains(p)
		return in
	})
	return in
}

// multiIndex is planar.MultiPolygonContains over an indexed multipolygon.
type multiIndex struct {
	polys []*polyIndex
	pix   boxIndex
}

func newMultiIndex(mp orb.MultiPolygon) *multiIndex {
	mi := &multiIndex{}
	bounds := make([]orb.Bound, len(mp))
	for i, poly := range mp {
		pi := &polyIndex{outer: newRingIndex(poly[0])}
		hb := make([]orb.Bound, 0, len(poly)-1)
		for _, h := range poly[1:] {
			hi := newRingIndex(h)
			pi.holes = append(pi.holes, hi)
			hb = append(hb, hi.bound)
		}
		pi.hix = newBoxIndex(hb)
		mi.polys = append(mi.polys, pi)
		bounds[i] = pi.outer.bound
	}
	mi.pix = newBoxIndex(bounds)
	return mi
}

func (mi *multiIndex) contains(p orb.Point) bool {
	in := false
	mi.pix.search(orb.Bound{Min: p, Max: p}, func(i int) bool {
		in = mi.polys[i].contains(p)
		return !in
	})
	return in
}

// classifyBox reports whether every point of the closed box b is inside
// (in) or every one outside, when decided. It decides when no edge's box
// meets b: every ray test of a point in b is then settled by comparing
// coordinates, with no rounding, and no point of b can lie on a different
// side of a ring from another, so one point answers for all.
func (mi *multiIndex) classifyBox(b orb.Bound) (in, decided bool) {
	crossed := false
	mi.pix.search(b, func(i int) bool {
		pi := mi.polys[i]
		if pi.outer.touches(b) {
			crossed = true
			return false
		}
		pi.hix.search(b, func(j int) bool {
			crossed = pi.holes[j].touches(b)
			return !crossed
		})
		return !crossed
	})
	if crossed {
		return false, false
	}
	return mi.contains(b.Min), true
}

// rayIntersect is orb/planar's test of one edge from s to e against a ray
// from p towards +y: whether the ray crosses the edge, and whether p lies
// on it. The exact same arithmetic keeps answers identical to
// planar.RingContains, rounding included.
func rayIntersect(p, s, e orb.Point) (intersects, on bool) {
	if s[0] > e[0] {
		s, e = e, s
	}
	switch p[0] {
	case s[0]:
		if p[1] == s[1] {
			return false, true
		} else if s[0] == e[0] {
			// A vertical edge holds p when p is between its ends.
			if s[1] > e[1] && s[1] >= p[1] && p[1] >= e[1] {
				return false, true
			}
			if e[1] > s[1] && e[1] >= p[1] && p[1] >= s[1] {
				return false, true
			}
		}
		// A ray through a vertex counts it on one side only.
		p[0] = math.Nextafter(p[0], math.Inf(1))
	case e[0]:
		if p[1] == e[1] {
			return false, true
		}
		p[0] = math.Nextafter(p[0], math.Inf(1))
	}
	if p[0] < s[0] || p[0] > e[0] {
		return false, false
	}
	if s[1] > e[1] {
		if p[1] > s[1] {
			return false, false
		} else if p[1] < e[1] {
			return true, false
		}
	} else {
		if p[1] > e[1] {
			return false, false
		} else if p[1] < s[1] {
			return true, false
		}
	}
	rs := (p[1] - s[1]) / (p[0] - s[0])
	ds := (e[1] - s[1]) / (e[0] - s[0])
	if rs == ds {
		return false, true
	}
	return rs <= ds, false
}
