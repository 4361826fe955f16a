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
	hl.once[res].Do(func() { hl.lv[res] = d.buildHexLevel(res, workers) })
	return hl.lv[res]
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

// hexCube holds, per cell of a level, the crime counts by month and
// category: entries start[i]:start[i+1] belong to level cell i, sorted by
// month then category.
type hexCube struct {
	start  []uint32
	key    []uint32 // month<<8 | category
	n      []uint32
	center []orb.Point // lon/lat of each level cell's centre
}

type hexCubes struct {
	once [CubeMaxRes + 1]sync.Once
	cube [CubeMaxRes + 1]*hexCube
	// built holds each cube once it is complete, for queries that would
	// rather do without it than wait for it to be built.
	built [CubeMaxRes + 1]atomic.Pointer[hexCube]
}

// install makes the cube of resolution r the one build returns, unless it
// is already made, and returns it.
func (hc *hexCubes) install(r int, build func() *hexCube) *hexCube {
	hc.once[r].Do(func() {
		hc.cube[r] = build()
		hc.built[r].Store(hc.cube[r])
	})
	return hc.cube[r]
}

var cubeCache sync.Map // weak.Pointer[Dataset] -> *hexCubes

func (d *Dataset) hexCube(res int) *hexCube {
	hc := cachedFor[hexCubes](&cubeCache, d)
	return hc.install(res, func() *hexCube { return d.buildHexCube(res) })
}

// builtCube returns the cube of resolution res if it is built, else nil.
func (d *Dataset) builtCube(res int) *hexCube {
	return cachedFor[hexCubes](&cubeCache, d).built[res].Load()
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

func (d *Dataset) buildHexCube(res int) *hexCube {
	lv := d.hexLevel(res)
	nc := len(lv.cells)
	// Counting sort of located crimes by cell, then sort each cell's keys.
	start := make([]uint32, nc+1)
	for p := range d.ptLon {
		start[lv.of[p]+1] += uint32(d.PointLen(PointID(p)))
	}
	for i := 0; i < nc; i++ {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:nc])
	keys := make([]uint32, start[nc])
	for _, pt := range d.parts {
		for p := range pt.points() {
			ci := lv.of[p]
			for c := pt.ptStart[p]; c < pt.ptStart[p+1]; c++ {
				keys[next[ci]] = uint32(d.months[pt.month[c]])<<8 | uint32(pt.cat[c])
				next[ci]++
			}
		}
	}
	cube := &hexCube{start: make([]uint32, nc+1), center: make([]orb.Point, nc)}
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
