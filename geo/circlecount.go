package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// maxCircleRings bounds the rings of cells around a circle's centre that a
// count tests for lying wholly inside it (3k(k+1)+1 cells for k rings): a
// circle that needs more reads a coarser resolution's counts.
const maxCircleRings = 8

// circleCells is the part of a circle count answered from a cube: the level
// cells wholly inside the circle, whose points the scan skips. It is the
// Area the rest of the count scans: the circle, less the tree's groups that
// lie inside one of those cells.
//
// Cells only partly inside are counted crime by crime: taking the crimes
// of their points outside the circle from their precomputed counts means
// scanning a box a cell wider, and measured over the national year and the
// long history that costs as much as it saves.
type circleCells struct {
	*Circle
	lv   *hexLevel
	cube *cubeView
	idx  []uint32 // level indexes of the cells
	// whole[i] is non-zero for the level cells listed in idx; it is one
	// of the level's recycled slot tables.
	whole []int32
	// disks lie inside the cells, one for each where it has a radius.
	disks []*Circle
}

// circleCells finds the cells with crimes wholly inside c at the finest
// resolution with a built cube whose cells around c number at most
// maxCircleRings rings, or returns nil when there are none. A query never
// waits for a cube to be built: it counts crime by crime meanwhile.
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
		if c.Radius < 2*e {
			// Too few cells of this size fit, and coarser ones fit fewer.
			return nil
		}
		rings := int(math.Ceil(c.Radius / (1.4 * e)))
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

// circleCellsAt returns the cells at res within rings of centre wholly
// inside c, or nil when there are none.
func (d *Dataset) circleCellsAt(c *Circle, res int, cube *cubeView, centre h3.Cell, rings int) *circleCells {
	// Near a pentagon the disk may leave zero cells, which no level holds.
	disk := h3.GridDisk(centre, rings)
	lv := d.hexLevel(res)
	cc := &circleCells{Circle: c, lv: lv, cube: cube}
	for _, cell := range disk {
		i, ok := slices.BinarySearch(lv.cells, cell)
		if !ok {
			continue // no snap point in it
		}
		// A cell wholly inside has its centre more than its inradius, over
		// 0.86 of its circumradius, inside the rim: most fail on that.
		ctr := cube.center[i]
		if Distance(c.Lon, c.Lat, ctr[0], ctr[1]) > c.Radius-1 {
			continue
		}
		// A cell is wholly inside when its vertices are: H3 edges are
		// great circle arcs, and a circle smaller than a hemisphere holds
		// every arc between two of its points. The metre of margin
		// outweighs any rounding in the vertices and in assigning points
		// to cells, so every point of such a cell passes Contains.
		s := CellShapeOf(cell)
		if !c.holdsAll(s.Vertices, c.Radius-1) {
			continue
		}
		cc.idx = append(cc.idx, uint32(i))
		if in, err := NewCircle(s.Center[0], s.Center[1], inradius(s)-1); err == nil {
			cc.disks = append(cc.disks, in)
		}
	}
	if len(cc.idx) == 0 {
		return nil
	}
	cc.whole = lv.getSlots()
	for _, i := range cc.idx {
		cc.whole[i] = 1
	}
	return cc
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

// classifyBox implements boxClassifier: a box inside a disk inside one of
// the cells holds only points counted from the cube. A box's farthest point
// from a small disk's centre is one of its corners: along a parallel the
// distance grows with the difference in longitude, and along a meridian it
// has one minimum.
func (cc *circleCells) classifyBox(b orb.Bound) (in, decided bool) {
	for _, k := range cc.disks {
		kb := k.bound
		if b.Min[0] < kb.Min[0] || b.Min[1] < kb.Min[1] || b.Max[0] > kb.Max[0] || b.Max[1] > kb.Max[1] {
			continue
		}
		if k.Contains(b.Min[0], b.Min[1]) && k.Contains(b.Max[0], b.Max[1]) &&
			k.Contains(b.Min[0], b.Max[1]) && k.Contains(b.Max[0], b.Min[1]) {
			return false, true
		}
	}
	return false, false
}

// byCrime reports whether the crimes of point p, inside the circle, are
// counted one by one rather than from the cube.
func (cc *circleCells) byCrime(p PointID) bool { return cc.whole[cc.lv.of[p]] == 0 }

// release returns the slot table for reuse; cc must not be used after.
func (cc *circleCells) release() { cc.lv.putSlots(cc.whole, cc.idx) }

// count adds the cells' crimes passing f, whose terms may only name
// categories, into dense, indexed category·span + the column of its month
// in months, the run of the dataset's months counted.
func (cc *circleCells) count(f *Filter, dense []int, months []Month, span int) {
	lo, hi := keyRange(f)
	anyCat := f.Categories.Empty()
	// The cube's keys hold month values, the counts' columns index months:
	// col maps one to the other over the run.
	first := months[0]
	col := make([]int, int(months[len(months)-1]-first)+1)
	for i, m := range months {
		col[m-first] = i
	}
	for _, i := range cc.idx {
		for pk := range cc.cube.parts {
			keys, ns := cc.cube.run(pk, int(i), lo, hi)
			for j, k := range keys {
				cat := int(k & 0xff)
				if anyCat || f.Categories.Has(cat) {
					dense[cat*span+col[Month(k>>8)-first]] += int(ns[j])
				}
			}
		}
	}
}
