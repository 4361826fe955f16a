package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// maxInsideRings bounds the rings of cells around a circle's centre that
// are tested for lying wholly inside it (3k(k+1)+1 cells for k rings): a
// circle that needs more reads a coarser resolution's counts.
const maxInsideRings = 8

// insideCells is the part of a circle count answered from a cube: the
// level cells wholly inside the circle, whose points the scan skips.
type insideCells struct {
	lv   *hexLevel
	cube *hexCube
	idx  []uint32 // level indexes of the cells
	// skip[i] is non-zero for the level cells listed in idx; it is one of
	// the level's recycled slot tables.
	skip []int32
}

// cellsInside finds the cells with crimes that lie wholly inside c at the
// finest resolution with a built cube whose cells around c number at most
// maxInsideRings rings, or returns nil when there are none. A query never
// waits for a cube to be built: it counts crime by crime meanwhile.
func (d *Dataset) cellsInside(c *Circle) *insideCells {
	for res := CubeMaxRes; res >= 0; res-- {
		cube := d.builtCube(res)
		if cube == nil {
			continue
		}
		centre := h3.LatLngToCell(h3.LatLng{Lat: c.Lat, Lng: c.Lon}, res)
		// The cells around the centre's are about its size: a cell's
		// centre is within its circumradius e of all of it, and the
		// centres of ring k are at least 1.5·k·e from the middle one.
		ctr := CellShapeOf(centre)
		e := 0.0
		for _, v := range ctr.Vertices {
			e = math.Max(e, Distance(ctr.Center[0], ctr.Center[1], v[0], v[1]))
		}
		if c.Radius < 2*e {
			// Too few cells of this size fit, and coarser ones fit fewer.
			return nil
		}
		rings := int(math.Ceil((c.Radius + e) / (1.4 * e)))
		if rings > maxInsideRings && res > 0 {
			continue
		}
		return d.insideAt(c, res, cube, centre, min(rings, maxInsideRings))
	}
	return nil
}

// insideAt returns the level cells at res within rings of centre that lie
// wholly inside c, or nil when none does.
func (d *Dataset) insideAt(c *Circle, res int, cube *hexCube, centre h3.Cell, rings int) *insideCells {
	// Near a pentagon the disk may leave zero cells, which no level holds.
	disk := h3.GridDisk(centre, rings)
	lv := d.hexLevel(res)
	// A cell is wholly inside when its vertices are: H3 edges are great
	// circle arcs, and a circle smaller than a hemisphere holds every arc
	// between two of its points. The metre of margin outweighs any
	// rounding in the vertices and in assigning points to cells, so every
	// point of such a cell passes Contains.
	limit := c.Radius - 1
	var idx []uint32
	for _, cell := range disk {
		i, ok := slices.BinarySearch(lv.cells, cell)
		if !ok {
			continue // no snap point in it
		}
		// A cell's centre is farther than its inradius (over 0.86 of its
		// circumradius) from its edges: most cells fail on their centre.
		ctr := cube.center[i]
		if Distance(c.Lon, c.Lat, ctr[0], ctr[1]) > limit {
			continue
		}
		if !c.holdsAll(CellShapeOf(cell).Vertices, limit) {
			continue
		}
		idx = append(idx, uint32(i))
	}
	if len(idx) == 0 {
		return nil
	}
	in := &insideCells{lv: lv, cube: cube, idx: idx, skip: lv.getSlots()}
	for _, i := range idx {
		in.skip[i] = 1
	}
	return in
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

// release returns the slot table for reuse; in must not be used after.
func (in *insideCells) release() { in.lv.putSlots(in.skip, in.idx) }

// has reports whether point p lies in one of the cells.
func (in *insideCells) has(p PointID) bool { return in.skip[in.lv.of[p]] != 0 }

// count adds the cells' crimes passing f, whose terms may only name
// categories, into dense, indexed category·span + month offset from first.
func (in *insideCells) count(f *Filter, dense []int, first Month, span int) {
	lo, hi := keyRange(f)
	anyCat := f.Categories.Empty()
	for _, i := range in.idx {
		keys, ns := in.cube.run(int(i), lo, hi)
		for j, k := range keys {
			cat := int(k & 0xff)
			if anyCat || f.Categories.Has(cat) {
				dense[cat*span+int(Month(k>>8)-first)] += int(ns[j])
			}
		}
	}
}
