package tiles

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// level is the clustering of one zoom. Clusters are numbered so that the
// children of each cluster are contiguous in the next level and the snap
// points of each cluster are contiguous in Index.perm.
type level struct {
	child []uint32 // children of i: child[i]:child[i+1] in the next level
	first []uint32 // points of i: perm[first[i]:first[i+1]]
	table []int32  // count table of i, or -1
	below []bool   // whether a cluster below i has a table; nil at the deepest level
	// Bounding boxes of the members, rounded outwards to float32. A
	// cluster's position for a filter is clamped into its box, so that the
	// search for a tile's clusters finds every cluster the tile owns.
	tree rtree.RTreeGN[float32, uint32]
}

// item is a cluster under construction.
type item struct {
	x, y   float64
	parent uint32
}

// build clusters greedily from the deepest zoom up, as Supercluster does:
// each item not yet taken, in order, takes every untaken item within the
// zoom's radius. Unlike Supercluster, a cluster stands for the next zoom up
// at its seed's position, not at its members' count-weighted centre, and the
// points are taken in the dataset's point order: membership then depends on
// where the points are and in what order, never on their crimes, so points
// added at the end of the order leave every earlier cluster as it was but
// for new members (see Extend). Tiles still draw a cluster at the weighted
// centre of its crimes passing the filter.
func (ix *Index) build() {
	zc := ix.opt.CrimesZoom - 1
	np := len(ix.ptX)
	cur := make([]item, np)
	for p := range np {
		cur[p] = item{x: ix.ptX[p], y: ix.ptY[p]}
	}
	// byLevel[z] is level z's items in creation order; byLevel[zc+1] the points.
	byLevel := make([][]item, zc+2)
	byLevel[zc+1] = cur
	for z := zc; z >= 0; z-- {
		byLevel[z] = cluster(byLevel[z+1], ix.radius(z))
	}
	up := make([][]uint32, zc+1)
	for z := range up {
		up[z] = make([]uint32, len(byLevel[z+1]))
		for i, it := range byLevel[z+1] {
			up[z][i] = it.parent
		}
	}
	_, wait := ix.number(len(byLevel[0]), up)
	wait()
}

// radius returns the cluster radius of zoom z in world units.
func (ix *Index) radius(z int) float64 {
	return ix.opt.Radius / (ix.opt.TileSize * float64(uint(1)<<z))
}

// number lays out the levels from the clustering in creation order: n0
// clusters at zoom 0, and up[z][j] the parent at level z of item j of
// level z+1, the snap points by PointID below the deepest level. It sets
// the levels' child and first ranges and perm, and returns for each level
// the number of each cluster by creation order. The levels' trees are
// filled in the background: wait returns once they are, and nothing may
// read them before.
func (ix *Index) number(n0 int, up [][]uint32) (nums [][]uint32, wait func()) {
	zc := len(up) - 1
	np := len(up[zc])
	// Number top-down so that children are contiguous: level z+1 is sorted
	// by the new index of the parent, then by creation order.
	ix.levels = make([]level, zc+1)
	newOf := make([]uint32, n0)
	for i := range newOf {
		newOf[i] = uint32(i)
	}
	nums = make([][]uint32, zc+1)
	for z := 0; z <= zc; z++ {
		nums[z] = newOf
		n := len(newOf)
		start := make([]uint32, n+1)
		for _, pa := range up[z] {
			start[newOf[pa]+1]++
		}
		for i := range n {
			start[i+1] += start[i]
		}
		next := slices.Clone(start[:n])
		childNew := make([]uint32, len(up[z]))
		for ci, pa := range up[z] {
			pn := newOf[pa]
			childNew[ci] = next[pn]
			next[pn]++
		}
		ix.levels[z].child = start
		newOf = childNew
	}
	ix.perm = make([]geo.PointID, np)
	for p, k := range newOf {
		ix.perm[k] = geo.PointID(p)
	}
	// Point ranges, bottom-up: the range of a cluster spans its children's.
	ix.levels[zc].first = ix.levels[zc].child
	for z := zc - 1; z >= 0; z-- {
		below := ix.levels[z+1].first
		ch := ix.levels[z].child
		first := make([]uint32, len(ch))
		for i, c := range ch {
			first[i] = below[c]
		}
		ix.levels[z].first = first
	}
	// Boxes are made bottom-up, each level's from the one below, and the
	// levels' trees, which are independent, filled as they come, a core
	// each; a level's boxes are dropped once its tree and the next level's
	// boxes are made.
	var wg sync.WaitGroup
	slot := make(chan struct{}, parallel.Cores(len(ix.levels)))
	done := make(chan struct{})
	go func() {
		var below []float32
		for z := zc; z >= 0; z-- {
			var bx []float32
			if z == zc {
				bx = ix.boxes(z)
			} else {
				bx = unionBoxes(below, ix.levels[z].child)
			}
			slot <- struct{}{}
			wg.Go(func() {
				ix.fillTree(z, bx)
				<-slot
			})
			below = bx
		}
		wg.Wait()
		close(done)
	}()
	return nums, func() { <-done }
}

// unionBoxes returns the boxes of a level's clusters given those of the
// level below, whose clusters child[i]:child[i+1] are cluster i's. A box is
// the union of its children's: rounding outwards to float32 keeps order,
// so the union of rounded boxes is the rounded box of the members, which
// is what boxes gives, without reading every member at every level.
func unionBoxes(below []float32, child []uint32) []float32 {
	out := make([]float32, 0, 4*max(len(child)-1, 0))
	for i := 0; i+1 < len(child); i++ {
		b := below[4*child[i] : 4*child[i+1]]
		if len(b) == 0 {
			lo, hi := geo.Bound32(orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}})
			out = append(out, lo[0], lo[1], hi[0], hi[1])
			continue
		}
		lx, ly, hx, hy := b[0], b[1], b[2], b[3]
		for k := 4; k < len(b); k += 4 {
			lx, ly = min(lx, b[k]), min(ly, b[k+1])
			hx, hy = max(hx, b[k+2]), max(hy, b[k+3])
		}
		out = append(out, lx, ly, hx, hy)
	}
	return out
}

// boxes returns the bounding boxes of level z's clusters, rounded outwards
// to float32, as lo x, lo y, hi x, hi y per cluster.
func (ix *Index) boxes(z int) []float32 {
	lv := &ix.levels[z]
	out := make([]float32, 0, 4*max(len(lv.first)-1, 0))
	for i := 0; i+1 < len(lv.first); i++ {
		minX, minY := math.Inf(1), math.Inf(1)
		maxX, maxY := math.Inf(-1), math.Inf(-1)
		for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
			minX, maxX = min(minX, ix.ptX[p]), max(maxX, ix.ptX[p])
			minY, maxY = min(minY, ix.ptY[p]), max(maxY, ix.ptY[p])
		}
		lo, hi := geo.Bound32(orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}})
		out = append(out, lo[0], lo[1], hi[0], hi[1])
	}
	return out
}

// fillTree inserts level z's clusters into its tree, in cluster order, so
// that the same boxes always give the same tree.
func (ix *Index) fillTree(z int, boxes []float32) {
	lv := &ix.levels[z]
	for i := 0; 4*i+3 < len(boxes); i++ {
		b := boxes[4*i : 4*i+4]
		lv.tree.Insert([2]float32{b[0], b[1]}, [2]float32{b[2], b[3]}, uint32(i))
	}
}

// cluster groups items within distance r of a seed and returns the clusters,
// setting each item's parent.
func cluster(items []item, r float64) []item {
	type cell = uint64
	// A sorted grid: items ordered by cell, with each cell's run found by a
	// map, so that a neighbourhood is nine runs.
	order := make([]uint32, len(items))
	cells := make([]cell, len(items))
	for i := range items {
		order[i] = uint32(i)
		cells[i] = cellOf(items[i].x, items[i].y, r)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if c := cmp.Compare(cells[a], cells[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	runs := make(map[cell][2]uint32, len(items)/2+1)
	for i := 0; i < len(order); {
		j := i
		c := cells[order[i]]
		for j < len(order) && cells[order[j]] == c {
			j++
		}
		runs[c] = [2]uint32{uint32(i), uint32(j)}
		i = j
	}
	const unset = math.MaxUint32
	for i := range items {
		items[i].parent = unset
	}
	var out []item
	r2 := r * r
	for i := range items {
		it := &items[i]
		if it.parent != unset {
			continue
		}
		k := uint32(len(out))
		it.parent = k
		cx, cy := uint32(cells[i]>>32), uint32(cells[i])
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				run, ok := runs[cellAt(cx, cy, dx, dy)]
				if !ok {
					continue
				}
				for _, j := range order[run[0]:run[1]] {
					o := &items[j]
					if o.parent != unset {
						continue
					}
					if within(it, o, r2) {
						o.parent = k
					}
				}
			}
		}
		out = append(out, item{x: it.x, y: it.y})
	}
	return out
}

// cellOf returns the cell of a grid of r-wide squares that holds world
// position (x, y). World coordinates are in [0, 1), so cell numbers fit 32
// bits for any radius the zooms use; packing them into one word makes maps
// of cells fast.
func cellOf(x, y, r float64) uint64 {
	return uint64(uint32(int64(math.Floor(x/r))))<<32 | uint64(uint32(int64(math.Floor(y/r))))
}

// cellAt returns the cell dx, dy cells from cell (cx, cy).
func cellAt(cx, cy uint32, dx, dy int) uint64 {
	return uint64(cx+uint32(dx))<<32 | uint64(cy+uint32(dy))
}

// within reports whether item o lies within the distance whose square is
// r2 of seed it; the test is the same wherever clusters are formed.
func within(it, o *item, r2 float64) bool {
	ddx, ddy := o.x-it.x, o.y-it.y
	return ddx*ddx+ddy*ddy <= r2
}
