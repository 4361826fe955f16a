package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// maxCircleRings bounds the rings of cells around a circle's centre that a
// count reads from the precomputed counts (3k(k+1)+1 cells for k rings): a
// circle that needs more reads a coarser resolution's.
const maxCircleRings = 8

// How a circle count treats the crimes of a level cell.
const (
	// byCrime cells are counted crime by crime, the points inside the circle.
	byCrime = iota
	// wholeCell cells lie wholly inside the circle: their precomputed
	// counts are the answer, and their points are skipped.
	wholeCell
	// lessOutside cells have their centre inside the circle: their
	// precomputed counts are added, and the crimes of their points
	// outside the circle, usually the fewer, are taken away.
	lessOutside
)

// circleCells is the part of a circle count answered from a cube: the level
// cells read whole, with the box the points still counted crime by crime
// lie in. It is an Area, of that box: which of its points count, and how,
// is up to sign.
type circleCells struct {
	c    *Circle
	lv   *hexLevel
	cube *hexCube
	idx  []uint32 // level indexes of the cells read whole
	// kind[i] is the treatment of level cell i, byCrime unless listed in
	// idx; it is one of the level's recycled slot tables.
	kind  []int32
	bound orb.Bound
	// disks lie inside the cells read whole, one for each where it has
	// a valid radius.
	disks []cellDisk
}

// cellDisk is a circle inside a cell, and whether the cell is wholly
// inside the circle counted.
type cellDisk struct {
	in    *Circle
	whole bool
}

// circleCells picks the cells of c to read whole at the finest resolution
// with a built cube whose cells around c number at most maxCircleRings
// rings, or returns nil when none is worth it. A query never waits for a
// cube to be built: it counts crime by crime meanwhile.
func (d *Dataset) circleCells(c *Circle) *circleCells {
	for res := CubeMaxRes; res >= 0; res-- {
		cube := d.builtCube(res)
		if cube == nil {
			continue
		}
		centre := h3.LatLngToCell(h3.LatLng{Lat: c.Lat, Lng: c.Lon}, res)
		// The cells around the centre's are about its size: a cell lies
		// within its circumradius e of its centre, and the centres of
		// ring k are at least 1.5·k·e from the middle one's.
		e := circumradius(CellShapeOf(centre))
		if c.Radius < e {
			// Too few cells of this size fit, and coarser ones fit fewer.
			return nil
		}
		rings := int(math.Ceil((c.Radius + e) / (1.4 * e)))
		if rings > maxCircleRings && res > 0 {
			continue
		}
		return d.circleCellsAt(c, res, cube, centre, min(rings, maxCircleRings))
	}
	return nil
}

// circumradius returns the greatest distance from a cell's centre to its
// vertices: the cell is convex, so all of it is within that distance.
func circumradius(s *CellShape) float64 {
	e := 0.0
	for _, v := range s.Vertices {
		e = math.Max(e, Distance(s.Center[0], s.Center[1], v[0], v[1]))
	}
	return e
}

// circleCellsAt returns the cells at res within rings of centre to read
// whole for c, or nil when there are none.
func (d *Dataset) circleCellsAt(c *Circle, res int, cube *hexCube, centre h3.Cell, rings int) *circleCells {
	// Near a pentagon the disk may leave zero cells, which no level holds.
	disk := h3.GridDisk(centre, rings)
	lv := d.hexLevel(res)
	cc := &circleCells{c: c, lv: lv, cube: cube, bound: c.Bound()}
	var kinds []int32
	for _, cell := range disk {
		i, ok := slices.BinarySearch(lv.cells, cell)
		if !ok {
			continue // no snap point in it
		}
		kind := cc.kindOf(cell, cube.center[i])
		if kind == byCrime {
			continue
		}
		cc.idx = append(cc.idx, uint32(i))
		kinds = append(kinds, kind)
		// The metre of margin outweighs any rounding in the vertices and
		// in assigning points to cells.
		s := CellShapeOf(cell)
		if in, err := NewCircle(s.Center[0], s.Center[1], inradius(s)-1); err == nil {
			cc.disks = append(cc.disks, cellDisk{in, kind == wholeCell})
		}
	}
	if len(cc.idx) == 0 {
		return nil
	}
	cc.kind = lv.getSlots()
	for j, i := range cc.idx {
		cc.kind[i] = kinds[j]
	}
	return cc
}

// inradius returns a radius about a cell's centre within which every point
// is in the cell: the least distance from the centre to the great circles
// of its edges, as the cell is where the centre is on their side of them
// all.
func inradius(s *CellShape) float64 {
	unit := func(p orb.Point) [3]float64 {
		const rad = math.Pi / 180
		lon, lat := p[0]*rad, p[1]*rad
		return [3]float64{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
	}
	ctr := unit(s.Center)
	least := math.Pi
	for i, v := range s.Vertices {
		a, b := unit(v), unit(s.Vertices[(i+1)%len(s.Vertices)])
		n := [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
		l := math.Sqrt(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])
		if l == 0 {
			continue // a repeated vertex
		}
		dot := math.Abs(ctr[0]*n[0]+ctr[1]*n[1]+ctr[2]*n[2]) / l
		least = min(least, math.Asin(min(1, dot)))
	}
	return least * EarthRadius
}

// kindOf returns how a count over the circle treats cell, whose centre is
// ctr, growing the box to scan when that takes in points outside it.
func (cc *circleCells) kindOf(cell h3.Cell, ctr orb.Point) int32 {
	c := cc.c
	if Distance(c.Lon, c.Lat, ctr[0], ctr[1]) > c.Radius {
		return byCrime
	}
	// A cell is wholly inside when its vertices are: H3 edges are great
	// circle arcs, and a circle smaller than a hemisphere holds every arc
	// between two of its points. The metre of margin outweighs any
	// rounding in the vertices and in assigning points to cells, so every
	// point of such a cell passes Contains.
	if c.holdsAll(CellShapeOf(cell).Vertices, c.Radius-1) {
		return wholeCell
	}
	// The points of the cell outside the circle must be in the scanned
	// box; one across the antimeridian would not be.
	b := CellBound(cell)
	if b.Min[0] < -180 || b.Max[0] > 180 {
		return byCrime
	}
	cc.bound = cc.bound.Union(b)
	return lessOutside
}

// holdsAll reports whether every vertex is within limit metres of c's centre.
func (c *Circle) holdsAll(vs []orb.Point, limit float64) bool {
	for _, v := range vs {
		if Distance(c.Lon, c.Lat, v[0], v[1]) > limit {
			return false
		}
	}
	return true
}

// classifyBox implements boxClassifier: a box inside a cell read whole, and
// for a cell less the points outside the circle inside the circle too,
// holds no point that counts here. A box's farthest point from a small
// circle's centre is one of its corners: along a parallel the distance
// grows with the difference in longitude, and along a meridian it has one
// minimum.
func (cc *circleCells) classifyBox(b orb.Bound) (in, decided bool) {
	corners := func(c *Circle) bool {
		return c.Contains(b.Min[0], b.Min[1]) && c.Contains(b.Max[0], b.Max[1]) &&
			c.Contains(b.Min[0], b.Max[1]) && c.Contains(b.Max[0], b.Min[1])
	}
	for _, k := range cc.disks {
		cb := k.in.bound
		if b.Min[0] < cb.Min[0] || b.Min[1] < cb.Min[1] || b.Max[0] > cb.Max[0] || b.Max[1] > cb.Max[1] || !corners(k.in) {
			continue
		}
		if k.whole || corners(cc.c) {
			return false, true
		}
		break
	}
	return false, false
}

// Bound implements Area: the circle's box, grown to hold the cells whose
// points outside the circle are taken away.
func (cc *circleCells) Bound() orb.Bound { return cc.bound }

// Contains implements Area: every point of the box is visited, and sign
// says what each one counts for.
func (cc *circleCells) Contains(lon, lat float64) bool { return true }

// sign returns what the crimes of point p, inside the box, count for: 1 to
// add them, -1 to take them away from their cell's precomputed counts, 0 to
// skip them.
func (cc *circleCells) sign(d *Dataset, p PointID) int {
	switch cc.kind[cc.lv.of[p]] {
	case wholeCell:
		return 0
	case lessOutside:
		if cc.c.Contains(d.ptLon[p], d.ptLat[p]) {
			return 0
		}
		return -1
	}
	if cc.c.Contains(d.ptLon[p], d.ptLat[p]) {
		return 1
	}
	return 0
}

// release returns the slot table for reuse; cc must not be used after.
func (cc *circleCells) release() { cc.lv.putSlots(cc.kind, cc.idx) }

// count adds the cells' crimes passing f, whose terms may only name
// categories, into dense, indexed category·span + month offset from first.
func (cc *circleCells) count(f *Filter, dense []int, first Month, span int) {
	lo, hi := keyRange(f)
	anyCat := f.Categories.Empty()
	for _, i := range cc.idx {
		keys, ns := cc.cube.run(int(i), lo, hi)
		for j, k := range keys {
			cat := int(k & 0xff)
			if anyCat || f.Categories.Has(cat) {
				dense[cat*span+int(Month(k>>8)-first)] += int(ns[j])
			}
		}
	}
}
