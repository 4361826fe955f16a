package geo

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"

	"crimemap/internal/parallel"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// hexLevel is the cell column of one resolution.
type hexLevel struct {
	cells []h3.Cell // distinct cells holding a snap point, ascending
	of    []uint32  // of[p] is the index in cells of snap point p's cell
	// slots recycles the per-query cell-to-slot tables (one int32 per
	// cell): allocating and zeroing megabytes per small query would cost
	// more than the query.
	slots sync.Pool
}

// getSlots returns an all-zero slot table for the level.
func (lv *hexLevel) getSlots() []int32 {
	if s, ok := lv.slots.Get().(*[]int32); ok {
		return *s
	}
	return make([]int32, len(lv.cells))
}

// putSlots zeroes the entries a query set, listed in idx, and recycles s.
func (lv *hexLevel) putSlots(s []int32, idx []uint32) {
	for _, i := range idx {
		s[i] = 0
	}
	lv.slots.Put(&s)
}

type hexLevels struct {
	once [FinestRes + 1]sync.Once
	lv   [FinestRes + 1]*hexLevel
	// built holds each level once it is complete, for Append to extend.
	built [FinestRes + 1]atomic.Pointer[hexLevel]
	// earlier holds, until the level is built, an earlier dataset's level
	// of the first points, which the build extends (see extendLevels).
	earlier [FinestRes + 1]atomic.Pointer[hexLevel]
}

// install makes the level of resolution r the one build returns, unless
// it is already made, and returns it.
func (hl *hexLevels) install(r int, build func() *hexLevel) *hexLevel {
	hl.once[r].Do(func() {
		hl.lv[r] = build()
		hl.built[r].Store(hl.lv[r])
		hl.earlier[r].Store(nil)
	})
	return hl.lv[r]
}

// hexCache holds the cell columns of live datasets. The key is weak and a
// cleanup removes the entry, so a replaced dataset is still collected.
var hexCache sync.Map // weak.Pointer[Dataset] -> *hexLevels

func (d *Dataset) hexLevels() *hexLevels { return cachedFor[hexLevels](&hexCache, d) }

// cachedFor returns d's entry in cache, adding an empty one first; the
// entry goes when d is collected.
func cachedFor[T any](cache *sync.Map, d *Dataset) *T {
	key := weak.Make(d)
	if v, ok := cache.Load(key); ok {
		return v.(*T)
	}
	v, loaded := cache.LoadOrStore(key, new(T))
	if !loaded {
		runtime.AddCleanup(d, func(k weak.Pointer[Dataset]) { cache.Delete(k) }, key)
	}
	return v.(*T)
}

// PrepareHex computes the cell columns of the given resolutions (and the
// precomputed counts of those up to CubeMaxRes) now rather than on the first
// query that needs them. Invalid resolutions are ignored. It works on one
// goroutine: it is meant to run beside queries, and leaves them the other
// cores. A query that needs a column first builds it on every core.
func (d *Dataset) PrepareHex(res ...int) {
	for _, r := range res {
		if r >= 0 && r <= FinestRes {
			d.hexLevelOn(r, 1)
		}
		if r >= 0 && r <= CubeMaxRes {
			d.hexCube(r)
		}
	}
}

func (d *Dataset) hexLevel(res int) *hexLevel {
	return d.hexLevelOn(res, parallel.Cores(len(d.ptLon)))
}

// hexLevelOn is hexLevel, building the column on workers goroutines if it
// is not built yet.
func (d *Dataset) hexLevelOn(res, workers int) *hexLevel {
	hl := d.hexLevels()
	return hl.install(res, func() *hexLevel {
		if old := hl.earlier[res].Load(); old != nil {
			return d.extendLevel(old, res)
		}
		return d.buildHexLevel(res, workers)
	})
}

func (d *Dataset) buildHexLevel(res, workers int) *hexLevel {
	np := len(d.ptLon)
	cellOf := d.ptCell
	if res != FinestRes {
		cellOf = make([]h3.Cell, np)
		parallel.Run(workers, func(w int) {
			for p := np * w / workers; p < np*(w+1)/workers; p++ {
				cellOf[p] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, res)
			}
		})
	}
	cells := slices.Clone(cellOf)
	slices.Sort(cells)
	cells = slices.Compact(cells)
	of := make([]uint32, np)
	// Points are in Hilbert order, so neighbours mostly share a cell and the
	// previous answer saves the search.
	var last h3.Cell
	var lastI uint32
	for p, c := range cellOf {
		if c != last || p == 0 {
			i, _ := slices.BinarySearch(cells, c)
			last, lastI = c, uint32(i)
		}
		of[p] = lastI
	}
	// The sorted copy holds a cell per point; a coarse level has a few
	// hundred distinct ones, and a level lives as long as its dataset.
	return &hexLevel{cells: slices.Clone(cells), of: of}
}

// extendLevels gives d, whose catalogue is base's with points added at
// its end, every level base has (or would extend), to be extended by the
// new points' cells rather than computed again for every point. Without
// new points the levels are base's own. With new points each is extended
// on first use, as a level is built: a level per resolution is a copy of
// a column per point, and a new month's dataset would wait for all of
// them (0.2 s at 90M) and fault in their pages before it served.
func (d *Dataset) extendLevels(base, month *Dataset) {
	from, own, to := base.hexLevels(), month.hexLevels(), d.hexLevels()
	for r := range FinestRes + 1 {
		// The month's level, when built, covers d's catalogue, which is
		// the month's: a part opened from a snapshot brings its levels.
		if lv := own.built[r].Load(); lv != nil && len(lv.of) == len(d.ptLon) {
			to.install(r, func() *hexLevel { return &hexLevel{cells: lv.cells, of: lv.of} })
			continue
		}
		old := from.built[r].Load()
		if old == nil {
			old = from.earlier[r].Load()
		}
		switch {
		case old == nil:
		case len(old.of) == len(d.ptLon):
			to.install(r, func() *hexLevel { return &hexLevel{cells: old.cells, of: old.of} })
		default:
			to.earlier[r].Store(old)
		}
	}
}

// extendLevel returns level old of resolution res, of the first points of
// d's catalogue, extended to every point.
func (d *Dataset) extendLevel(old *hexLevel, res int) *hexLevel {
	np0, np := len(old.of), len(d.ptLon)
	if np0 == np {
		return &hexLevel{cells: old.cells, of: old.of}
	}
	cellOf := make([]h3.Cell, np-np0)
	for i := range cellOf {
		p := np0 + i
		if res == FinestRes {
			cellOf[i] = d.ptCell[p]
		} else {
			cellOf[i] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, res)
		}
	}
	// Most of a month's new points lie in cells the level has: those it
	// lacks are merged into its sorted cells, which are shared otherwise.
	var fresh []h3.Cell
	for _, c := range slices.Compact(slices.Sorted(slices.Values(cellOf))) {
		if _, ok := slices.BinarySearch(old.cells, c); !ok {
			fresh = append(fresh, c)
		}
	}
	cells := old.cells
	of := make([]uint32, np)
	if len(fresh) == 0 {
		copy(of, old.of)
	} else {
		// Old cells keep their order among the new: an old index maps to
		// its place in the merged list.
		cells = make([]h3.Cell, 0, len(old.cells)+len(fresh))
		at := make([]uint32, len(old.cells))
		j := 0
		for i, c := range old.cells {
			for ; j < len(fresh) && fresh[j] < c; j++ {
				cells = append(cells, fresh[j])
			}
			at[i] = uint32(len(cells))
			cells = append(cells, c)
		}
		cells = append(cells, fresh[j:]...)
		for p, i := range old.of {
			of[p] = at[i]
		}
	}
	for i, c := range cellOf {
		k, _ := slices.BinarySearch(cells, c)
		of[np0+i] = uint32(k)
	}
	return &hexLevel{cells: cells, of: of}
}

// PointCellAt returns the cell at resolution res containing snap point p.
func (d *Dataset) PointCellAt(p PointID, res int) h3.Cell {
	lv := d.hexLevel(res)
	return lv.cells[lv.of[p]]
}

// CubeMaxRes is the finest resolution whose per-cell counts by month and
// category are kept precomputed (built on first use, a few bytes per
// distinct cell, month and category), so that a query over a large area at
// a coarse resolution reads cells rather than crimes.
const CubeMaxRes = 7

// hexCube holds, per cell of a level, the crime counts of one part by
// month and category: entries start[i]:start[i+1] belong to level cell i,
// sorted by month then category. A part's cubes are built once, on the
// level of the first dataset that needs them, and serve every later
// dataset the part is in: see cubeView.
type hexCube struct {
	cells  []h3.Cell // the level's cells
	start  []uint32
	key    []uint32 // month<<8 | category
	n      []uint32
	center []orb.Point // lon/lat of each level cell's centre
}

// cubeView is a dataset's counts by cell, month and category at one
// resolution: the cube of each part, and where the cube's cells lie among
// the dataset's level's, which hold more cells when later parts brought
// new points.
type cubeView struct {
	center []orb.Point // lon/lat of each level cell's centre
	parts  []cubePart
}

// cubePart is a part's cube in a cubeView.
type cubePart struct {
	cube *hexCube
	// at maps a level cell to the cube's, -1 where the cube has none; nil
	// when the cube's cells are the level's.
	at []int32
}

// run returns the keys and counts of level cell i in part k's cube within
// the keys lo..hi, as hexCube.run.
func (v *cubeView) run(k, i int, lo, hi uint32) (keys, ns []uint32) {
	cp := &v.parts[k]
	if cp.at != nil {
		if i = int(cp.at[i]); i < 0 {
			return nil, nil
		}
	}
	return cp.cube.run(i, lo, hi)
}

// viewOf returns the view of level lv over the parts' cubes.
func viewOf(lv *hexLevel, cubes []*hexCube) *cubeView {
	v := &cubeView{}
	for _, c := range cubes {
		cp := cubePart{cube: c}
		if !slices.Equal(c.cells, lv.cells) {
			cp.at = alignCells(lv.cells, c.cells)
		} else if v.center == nil {
			v.center = c.center
		}
		v.parts = append(v.parts, cp)
	}
	if v.center == nil {
		v.center = cellCentres(lv.cells)
	}
	return v
}

// alignCells maps each of cells to its index in sub, -1 where sub lacks
// it; both are ascending.
func alignCells(cells, sub []h3.Cell) []int32 {
	at := make([]int32, len(cells))
	j := 0
	for i, c := range cells {
		for j < len(sub) && sub[j] < c {
			j++
		}
		at[i] = -1
		if j < len(sub) && sub[j] == c {
			at[i] = int32(j)
		}
	}
	return at
}

// cellCentres returns the lon/lat centre of each cell.
func cellCentres(cells []h3.Cell) []orb.Point {
	out := make([]orb.Point, len(cells))
	for i, c := range cells {
		ll := h3.CellToLatLng(c)
		out[i] = orb.Point{ll.Lng, ll.Lat}
	}
	return out
}

// cubeSlots holds a value per resolution up to CubeMaxRes, each made once.
type cubeSlots[T any] struct {
	once [CubeMaxRes + 1]sync.Once
	v    [CubeMaxRes + 1]*T
	// built holds each value once it is complete, for queries that would
	// rather do without it than wait for it to be made.
	built [CubeMaxRes + 1]atomic.Pointer[T]
}

// install makes the value of resolution r the one build returns, unless it
// is already made, and returns it.
func (s *cubeSlots[T]) install(r int, build func() *T) *T {
	s.once[r].Do(func() {
		s.v[r] = build()
		s.built[r].Store(s.v[r])
	})
	return s.v[r]
}

// hexCubes holds a part's cubes.
type hexCubes = cubeSlots[hexCube]

var cubeCache sync.Map // weak.Pointer[Dataset] -> *cubeSlots[cubeView]

// hexCube returns the dataset's counts at res, building the cubes of the
// parts that have none yet.
func (d *Dataset) hexCube(res int) *cubeView {
	views := cachedFor[cubeSlots[cubeView]](&cubeCache, d)
	return views.install(res, func() *cubeView {
		lv := d.hexLevel(res)
		cubes := make([]*hexCube, len(d.parts))
		for k, pt := range d.parts {
			cubes[k] = pt.cubes.install(res, func() *hexCube {
				if c := revisedCube(pt, lv, res); c != nil {
					return c
				}
				return d.buildHexCube(lv, pt)
			})
		}
		return viewOf(lv, cubes)
	})
}

// builtCube returns the counts of resolution res if they are built, else
// nil.
func (d *Dataset) builtCube(res int) *cubeView {
	return cachedFor[cubeSlots[cubeView]](&cubeCache, d).built[res].Load()
}

// run returns the keys and counts of level cell i within the keys lo..hi
// (month<<8 | category bounds, inclusive): a cell's keys ascend by month,
// so a month range is one run of them, and over a long history most of a
// cell lies outside it.
func (c *hexCube) run(i int, lo, hi uint32) (keys, ns []uint32) {
	keys, ns = c.key[c.start[i]:c.start[i+1]], c.n[c.start[i]:c.start[i+1]]
	j := 0
	if len(keys) > 0 && keys[0] < lo {
		j, _ = slices.BinarySearch(keys, lo)
	}
	e := len(keys)
	if e > j && keys[e-1] > hi {
		e, _ = slices.BinarySearch(keys, hi+1)
	}
	return keys[j:e], ns[j:e]
}

// keyRange returns the inclusive cube key bounds of f's month range.
func keyRange(f *Filter) (lo, hi uint32) {
	lo, hi = 0, math.MaxUint32
	if f.From != 0 {
		lo = uint32(f.From) << 8
	}
	if f.To != 0 {
		hi = uint32(f.To)<<8 | 0xff
	}
	return lo, hi
}

// buildHexCube builds the cube of part pt on level lv.
func (d *Dataset) buildHexCube(lv *hexLevel, pt *tablePart) *hexCube {
	nc := len(lv.cells)
	// Counting sort of located crimes by cell, then sort each cell's keys.
	start := make([]uint32, nc+1)
	for p := range pt.points() {
		start[lv.of[p]+1] += pt.ptStart[p+1] - pt.ptStart[p]
	}
	for i := 0; i < nc; i++ {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:nc])
	keys := make([]uint32, start[nc])
	for p := range pt.points() {
		ci := lv.of[p]
		for c := pt.ptStart[p]; c < pt.ptStart[p+1]; c++ {
			keys[next[ci]] = uint32(d.months[pt.month[c]])<<8 | uint32(pt.cat[c])
			next[ci]++
		}
	}
	cube := &hexCube{cells: lv.cells, start: make([]uint32, nc+1), center: make([]orb.Point, nc)}
	for i := 0; i < nc; i++ {
		seg := keys[start[i]:start[i+1]]
		slices.Sort(seg)
		for j := 0; j < len(seg); {
			k := j
			for k < len(seg) && seg[k] == seg[j] {
				k++
			}
			cube.key = append(cube.key, seg[j])
			cube.n = append(cube.n, uint32(k-j))
			j = k
		}
		cube.start[i+1] = uint32(len(cube.key))
		ll := h3.CellToLatLng(lv.cells[i])
		cube.center[i] = orb.Point{ll.Lng, ll.Lat}
	}
	cube.key, cube.n = slices.Clip(cube.key), slices.Clip(cube.n)
	return cube
}
