package tiles

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"crimemap/geo"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Layer names.
const (
	LayerCrimes   = "crimes"
	LayerClusters = "clusters"
)

// Options tune an Index. The zero value of a field means its default.
type Options struct {
	// CrimesZoom is the first zoom served as layer crimes, one feature per
	// snap point; zooms below it are served as layer clusters.
	CrimesZoom int
	// Radius is the cluster radius in pixels of a TileSize-pixel tile.
	Radius float64
	// TileSize is the pixel size of a tile that Radius refers to.
	TileSize float64
	// MaxFeatures and MaxBytes bound every tile (bytes before compression).
	// A tile beyond them has its features merged on a grid within the tile
	// until it fits; nothing is dropped.
	MaxFeatures int
	MaxBytes    int
	// TableBytes is the memory given to precomputed month x category count
	// tables of the largest clusters, which make a filtered low-zoom tile cost
	// a few table lookups per cluster instead of a scan of its crimes.
	TableBytes int64
	// MinTableCrimes is the size below which a cluster gets no table: its
	// crimes are counted directly.
	MinTableCrimes int
}

// DefaultOptions returns the options of the public service: clusters of 40 px
// at 512 px per tile (Supercluster's defaults), layer crimes from zoom 14,
// tiles under 10,000 features and 500 KB.
func DefaultOptions() Options {
	return Options{CrimesZoom: 14, Radius: 40, TileSize: 512, MaxFeatures: 10000, MaxBytes: 500_000,
		TableBytes: 64 << 20, MinTableCrimes: 256}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.CrimesZoom <= 0 {
		o.CrimesZoom = d.CrimesZoom
	}
	o.CrimesZoom = min(o.CrimesZoom, MaxZoom+1)
	if !(o.Radius > 0) {
		o.Radius = d.Radius
	}
	if !(o.TileSize > 0) {
		o.TileSize = d.TileSize
	}
	if o.MaxFeatures <= 0 {
		o.MaxFeatures = d.MaxFeatures
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	if o.TableBytes <= 0 {
		o.TableBytes = d.TableBytes
	}
	if o.MinTableCrimes <= 0 {
		o.MinTableCrimes = d.MinTableCrimes
	}
	return o
}

// level is the clustering of one zoom. Clusters are numbered so that the
// children of each cluster are contiguous in the next level and the snap
// points of each cluster are contiguous in Index.perm.
type level struct {
	child []uint32 // children of i: child[i]:child[i+1] in the next level
	first []uint32 // points of i: perm[first[i]:first[i+1]]
	table []int32  // count table of i, or -1
	// Bounding boxes of the members, rounded outwards to float32. A
	// cluster's position for a filter is clamped into its box, so that the
	// search for a tile's clusters finds every cluster the tile owns.
	tree rtree.RTreeGN[float32, uint32]
}

// Index renders vector tiles of one Dataset. It is immutable and safe for
// concurrent use.
type Index struct {
	ds     *geo.Dataset
	opt    Options
	levels []level // zooms 0..CrimesZoom-1
	perm   []geo.PointID
	ptX    []float64 // world position by PointID
	ptY    []float64

	months []geo.Month
	ncat   int
	slugs  []string
	// Count tables, concatenated: table t holds rows 0..len(months) of ncat
	// cumulative counts and count-weighted world coordinates, row m covering
	// months[:m].
	tabN      []uint32
	tabX      []float64
	tabY      []float64
	crimeKeys []keySlot
	clustKeys []keySlot

	memoDepthZ int // deepest zoom with per-filter sums, see memo.go
	memo       memoCache
}

// keySlot is one property key of a layer: a category or a fixed field.
type keySlot struct {
	name string
	cat  int // category index, or -1
}

// Fixed property names.
const (
	propCount      = "count"
	propLocationID = "location_id"
	propStreet     = "street"
	propClusterID  = "cluster_id"
	propPointCount = "point_count"
	propAbbrev     = "point_count_abbreviated"
)

// NewIndex clusters the snap points of ds for every zoom below
// opt.CrimesZoom and precomputes the count tables. It takes about a second
// per million snap points.
func NewIndex(ds *geo.Dataset, opt Options) *Index {
	opt = opt.withDefaults()
	ix := &Index{ds: ds, opt: opt, months: ds.Months(), ncat: ds.Categories().Len()}
	for c := 0; c < ix.ncat; c++ {
		ix.slugs = append(ix.slugs, ds.Categories().Term(c).Slug)
	}
	ix.crimeKeys = ix.keySlots(propCount, propLocationID, propStreet)
	ix.clustKeys = ix.keySlots(propClusterID, propPointCount, propAbbrev)
	np := ds.NumPoints()
	ix.ptX, ix.ptY = make([]float64, np), make([]float64, np)
	for p := range np {
		ix.ptX[p], ix.ptY[p] = Project(ds.PointLonLat(geo.PointID(p)))
	}
	ix.build()
	ix.buildTables()
	ix.memoDepthZ = ix.memoDepth()
	return ix
}

func (ix *Index) keySlots(fixed ...string) []keySlot {
	var ks []keySlot
	seen := map[string]bool{}
	for _, f := range fixed {
		ks = append(ks, keySlot{f, -1})
		seen[f] = true
	}
	for c, s := range ix.slugs {
		if !seen[s] {
			ks = append(ks, keySlot{s, c})
			seen[s] = true
		}
	}
	slices.SortFunc(ks, func(a, b keySlot) int { return cmp.Compare(a.name, b.name) })
	return ks
}

// Options returns the options the index was built with, defaults filled in.
func (ix *Index) Options() Options { return ix.opt }

// Dataset returns the dataset the index renders.
func (ix *Index) Dataset() *geo.Dataset { return ix.ds }

// item is a cluster under construction.
type item struct {
	x, y   float64
	w      float64 // crimes, the weight of the centre
	parent uint32
}

// build clusters greedily from the deepest zoom up, as Supercluster does:
// each item not yet taken, in order, takes every untaken item within the
// zoom's radius, and the cluster sits at their count-weighted centre.
func (ix *Index) build() {
	ds := ix.ds
	zc := ix.opt.CrimesZoom - 1
	np := ds.NumPoints()
	cur := make([]item, np)
	for p := range np {
		s, e := ds.PointCrimes(geo.PointID(p))
		cur[p] = item{x: ix.ptX[p], y: ix.ptY[p], w: float64(e - s)}
	}
	// byLevel[z] is level z's items in creation order; byLevel[zc+1] the points.
	byLevel := make([][]item, zc+2)
	byLevel[zc+1] = cur
	for z := zc; z >= 0; z-- {
		r := ix.opt.Radius / (ix.opt.TileSize * float64(uint(1)<<z))
		byLevel[z] = cluster(byLevel[z+1], r)
	}

	// Number top-down so that children are contiguous: level z+1 is sorted
	// by the new index of the parent, then by creation order.
	ix.levels = make([]level, zc+1)
	newOf := make([]uint32, len(byLevel[0]))
	for i := range newOf {
		newOf[i] = uint32(i)
	}
	for z := 0; z <= zc; z++ {
		children := byLevel[z+1]
		n := len(byLevel[z])
		start := make([]uint32, n+1)
		for _, c := range children {
			start[newOf[c.parent]+1]++
		}
		for i := range n {
			start[i+1] += start[i]
		}
		next := slices.Clone(start[:n])
		childNew := make([]uint32, len(children))
		for ci, c := range children {
			pn := newOf[c.parent]
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
	for z := range ix.levels {
		lv := &ix.levels[z]
		for i := 0; i+1 < len(lv.first); i++ {
			minX, minY := math.Inf(1), math.Inf(1)
			maxX, maxY := math.Inf(-1), math.Inf(-1)
			for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
				minX, maxX = min(minX, ix.ptX[p]), max(maxX, ix.ptX[p])
				minY, maxY = min(minY, ix.ptY[p]), max(maxY, ix.ptY[p])
			}
			lo, hi := geo.Bound32(orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}})
			lv.tree.Insert(lo, hi, uint32(i))
		}
	}
}

// cluster groups items within distance r of a seed and returns the clusters,
// setting each item's parent.
func cluster(items []item, r float64) []item {
	// World coordinates are in [0, 1), so cell numbers fit 32 bits for any
	// radius the zooms use; packing them into one word makes the map fast.
	type cell = uint64
	cellOf := func(it *item) cell {
		return uint64(uint32(int64(math.Floor(it.x/r))))<<32 | uint64(uint32(int64(math.Floor(it.y/r))))
	}
	// A sorted grid: items ordered by cell, with each cell's run found by a
	// map, so that a neighbourhood is nine runs.
	order := make([]uint32, len(items))
	cells := make([]cell, len(items))
	for i := range items {
		order[i] = uint32(i)
		cells[i] = cellOf(&items[i])
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
		sx, sy, sw := it.x*it.w, it.y*it.w, it.w
		cx, cy := uint32(cells[i]>>32), uint32(cells[i])
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				run, ok := runs[uint64(cx+uint32(dx))<<32|uint64(cy+uint32(dy))]
				if !ok {
					continue
				}
				for _, j := range order[run[0]:run[1]] {
					o := &items[j]
					if o.parent != unset {
						continue
					}
					ddx, ddy := o.x-it.x, o.y-it.y
					if ddx*ddx+ddy*ddy <= r2 {
						o.parent = k
						sx, sy, sw = sx+o.x*o.w, sy+o.y*o.w, sw+o.w
					}
				}
			}
		}
		out = append(out, item{x: sx / sw, y: sy / sw, w: sw})
	}
	return out
}

// buildTables gives count tables to the largest clusters within the budget.
func (ix *Index) buildTables() {
	rows := len(ix.months) + 1
	per := int64(rows*ix.ncat) * (4 + 8 + 8)
	type cand struct {
		z, i   int
		crimes uint32
	}
	var cands []cand
	for z := range ix.levels {
		lv := &ix.levels[z]
		n := len(lv.first) - 1
		lv.table = make([]int32, n)
		for i := range n {
			lv.table[i] = -1
			c := ix.crimesOf(z, i)
			if int(c) >= ix.opt.MinTableCrimes {
				cands = append(cands, cand{z, i, c})
			}
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.crimes, a.crimes); c != 0 {
			return c
		}
		if c := cmp.Compare(a.z, b.z); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	nt := min(int64(len(cands)), ix.opt.TableBytes/max(per, 1))
	cands = cands[:nt]
	size := int(nt) * rows * ix.ncat
	ix.tabN = make([]uint32, size)
	ix.tabX = make([]float64, size)
	ix.tabY = make([]float64, size)
	// Row of each month, dense from the first month: a map lookup per crime
	// would dominate the build.
	var first geo.Month
	if len(ix.months) > 0 {
		first = ix.months[0]
	}
	rowOf := make([]int32, 0)
	if len(ix.months) > 0 {
		rowOf = make([]int32, int(ix.months[len(ix.months)-1]-first)+1)
	}
	for i, m := range ix.months {
		rowOf[m-first] = int32(i + 1)
	}
	for t, cd := range cands {
		ix.levels[cd.z].table[cd.i] = int32(t)
	}
	// Tables are independent, so they are filled on every core.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := w; t < len(cands); t += workers {
				ix.fillTable(t, cands[t].z, cands[t].i, rows, first, rowOf)
			}
		}()
	}
	wg.Wait()
}

// fillTable counts the crimes of cluster i of level z into table t.
func (ix *Index) fillTable(t, z, i, rows int, first geo.Month, rowOf []int32) {
	ds := ix.ds
	lv := &ix.levels[z]
	base := t * rows * ix.ncat
	n, sx, sy := ix.tabN[base:base+rows*ix.ncat], ix.tabX[base:base+rows*ix.ncat], ix.tabY[base:base+rows*ix.ncat]
	// Counts land in row month+1, then rows are accumulated.
	for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
		s, e := ds.PointCrimes(p)
		x, y := ix.ptX[p], ix.ptY[p]
		for c := s; c < e; c++ {
			k := int(rowOf[ds.Month(c)-first])*ix.ncat + int(ds.Category(c))
			n[k]++
			sx[k] += x
			sy[k] += y
		}
	}
	for r := 1; r < rows; r++ {
		for c := range ix.ncat {
			k := r*ix.ncat + c
			n[k] += n[k-ix.ncat]
			sx[k] += sx[k-ix.ncat]
			sy[k] += sy[k-ix.ncat]
		}
	}
}

func (ix *Index) crimesOf(z, i int) uint32 {
	lv := &ix.levels[z]
	// A cluster's points are not contiguous in the crime table, so count.
	var n uint32
	for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
		s, e := ix.ds.PointCrimes(p)
		n += uint32(e - s)
	}
	return n
}

// agg is a filtered aggregate: counts by category and the count-weighted
// sum of positions.
type agg struct {
	byCat  []uint32
	total  uint32
	sx, sy float64
}

func (a *agg) reset(ncat int) {
	if cap(a.byCat) < ncat {
		a.byCat = make([]uint32, ncat)
	}
	a.byCat = a.byCat[:ncat]
	clear(a.byCat)
	a.total, a.sx, a.sy = 0, 0, 0
}

// tablesAnswer reports whether count tables can answer a filter: they are
// kept by month and category only.
func tablesAnswer(f *geo.Filter) bool { return f.Forces.Empty() && f.Outcomes.Empty() }

// monthRows returns the table rows bounding the filter's month range.
func (ix *Index) monthRows(f *geo.Filter) (lo, hi int) {
	lo, hi = 0, len(ix.months)
	if f.From != 0 {
		lo, _ = slices.BinarySearch(ix.months, f.From)
	}
	if f.To != 0 {
		hi, _ = slices.BinarySearch(ix.months, f.To+1)
	}
	return lo, max(lo, hi)
}

// addPoint adds the crimes of point p that pass f.
func (ix *Index) addPoint(a *agg, p geo.PointID, f *geo.Filter) {
	n := ix.ds.CountByCategory(p, f, a.byCat)
	a.total += n
	a.sx += float64(n) * ix.ptX[p]
	a.sy += float64(n) * ix.ptY[p]
}

// clusterAgg computes the filtered aggregate of cluster i of level z.
func (ix *Index) clusterAgg(a *agg, z, i int, f *geo.Filter, q *query) {
	a.reset(ix.ncat)
	lv := &ix.levels[z]
	if q.memo != nil && z <= ix.memoDepthZ {
		q.memo.agg(a, z, i, ix.ncat)
		return
	}
	if t := lv.table[i]; t >= 0 && q.tables {
		rows := len(ix.months) + 1
		base := int(t) * rows * ix.ncat
		lo, hi := base+q.rowLo*ix.ncat, base+q.rowHi*ix.ncat
		for c := range ix.ncat {
			if !q.allCats && !f.Categories.Has(c) {
				continue
			}
			n := ix.tabN[hi+c] - ix.tabN[lo+c]
			if n == 0 {
				continue
			}
			a.byCat[c] = n
			a.total += n
			a.sx += ix.tabX[hi+c] - ix.tabX[lo+c]
			a.sy += ix.tabY[hi+c] - ix.tabY[lo+c]
		}
		return
	}
	for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
		ix.addPoint(a, p, f)
	}
}

// query holds what a request's filter implies, worked out once per tile.
type query struct {
	tables       bool
	memo         *filterMemo // sums for a filter the tables cannot answer
	allCats      bool
	rowLo, rowHi int
}

func (ix *Index) newQuery(f *geo.Filter) query {
	lo, hi := ix.monthRows(f)
	return query{
		tables:  tablesAnswer(f),
		allCats: f.Categories.Empty(),
		rowLo:   lo, rowHi: hi,
	}
}

// feature is one point of a tile before encoding.
type feature struct {
	wx, wy float64
	id     uint64
	hasID  bool
	point  geo.PointID // layer crimes
	total  uint32
	byCat  []uint32
}

// Tile renders tile z/x/y for the crimes passing f (nil for all) and returns
// its uncompressed MVT bytes, or nil when no crime of the tile passes. The
// bytes depend only on the dataset, the options, the tile and the filter. It
// returns ErrBadTile for a tile out of range and ctx's error if it is done.
func (ix *Index) Tile(ctx context.Context, z, x, y int, f *geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y, MaxZoom); err != nil {
		return nil, err
	}
	if f == nil {
		f = &geo.Filter{}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	feats, layer := ix.features(z, x, y, f)
	if len(feats) == 0 {
		return nil, nil
	}
	if len(feats) > ix.opt.MaxFeatures {
		feats, layer = ix.merge(z, x, y, feats, layer, ix.opt.MaxFeatures), LayerClusters
	}
	for {
		b := ix.encode(z, x, y, layer, feats)
		if len(b) <= ix.opt.MaxBytes || len(feats) == 1 {
			return b, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
		}
		// Shrink the feature budget in proportion to the overshoot.
		limit := int(float64(len(feats)) * float64(ix.opt.MaxBytes) / float64(len(b)) * 0.9)
		feats, layer = ix.merge(z, x, y, feats, layer, max(limit, 1)), LayerClusters
	}
}

// features collects the features owned by the tile, in a fixed order.
func (ix *Index) features(z, x, y int, f *geo.Filter) ([]feature, string) {
	q := ix.newQuery(f)
	if !q.tables && z <= ix.memoDepthZ {
		q.memo = ix.memoFor(f)
	}
	x0, y0, x1, y1 := WorldBound(z, x, y)
	owns := func(wx, wy float64) bool { return wx >= x0 && wx < x1 && wy >= y0 && wy < y1 }
	var feats []feature
	var a agg
	if z >= ix.opt.CrimesZoom {
		b := TileBound(z, x, y)
		// Widen the lon/lat box a little: ownership is decided in world
		// coordinates, and a point on the edge must not be missed.
		const eps = 1e-9
		b.Min[0], b.Min[1], b.Max[0], b.Max[1] = b.Min[0]-eps, b.Min[1]-eps, b.Max[0]+eps, b.Max[1]+eps
		// Points beyond Mercator's latitude limit are clamped onto the
		// first and last rows of tiles.
		if y == 0 {
			b.Max[1] = 90
		}
		if y == 1<<z-1 {
			b.Min[1] = -90
		}
		ix.ds.SearchBound(b, func(p geo.PointID) bool {
			if !owns(ix.ptX[p], ix.ptY[p]) {
				return true
			}
			a.reset(ix.ncat)
			ix.addPoint(&a, p, f)
			if a.total > 0 {
				feats = append(feats, feature{wx: ix.ptX[p], wy: ix.ptY[p], id: uint64(p), hasID: true,
					point: p, total: a.total, byCat: slices.Clone(a.byCat)})
			}
			return true
		})
		slices.SortFunc(feats, func(a, b feature) int { return cmp.Compare(a.point, b.point) })
		return feats, LayerCrimes
	}
	lv := &ix.levels[z]
	lo, hi := geo.Bound32(orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}})
	lv.tree.Search(lo, hi, func(bmin, bmax [2]float32, i uint32) bool {
		ix.clusterAgg(&a, z, int(i), f, &q)
		if a.total == 0 {
			return true
		}
		wx := clamp(a.sx/float64(a.total), float64(bmin[0]), float64(bmax[0]))
		wy := clamp(a.sy/float64(a.total), float64(bmin[1]), float64(bmax[1]))
		if owns(wx, wy) {
			feats = append(feats, feature{wx: wx, wy: wy, id: ix.clusterID(z, int(i)), hasID: true,
				total: a.total, byCat: slices.Clone(a.byCat)})
		}
		return true
	})
	slices.SortFunc(feats, func(a, b feature) int { return cmp.Compare(a.id, b.id) })
	return feats, LayerClusters
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// merge combines features that share a cell of a grid laid over the tile,
// coarsening the grid until at most limit features remain. Merged features
// stay inside the tile, so the tile still owns exactly its crimes.
func (ix *Index) merge(z, x, y int, feats []feature, layer string, limit int) []feature {
	for cell := Extent / 128; ; cell *= 2 {
		idx := map[[2]int]int{}
		var out []feature
		for _, ft := range feats {
			px, py := InTile(z, x, y, ft.wx, ft.wy)
			k := [2]int{px / cell, py / cell}
			j, ok := idx[k]
			if !ok {
				idx[k] = len(out)
				out = append(out, feature{byCat: make([]uint32, ix.ncat)})
				j = len(out) - 1
			}
			m := &out[j]
			m.wx += ft.wx * float64(ft.total)
			m.wy += ft.wy * float64(ft.total)
			m.total += ft.total
			for c, n := range ft.byCat {
				m.byCat[c] += n
			}
			if !ok && layer == LayerClusters {
				// A cell of one cluster keeps its identity.
				m.id, m.hasID = ft.id, ft.hasID
			} else {
				m.hasID = false
			}
		}
		x0, y0, x1, y1 := WorldBound(z, x, y)
		for i := range out {
			m := &out[i]
			m.wx = clamp(m.wx/float64(m.total), x0, math.Nextafter(x1, 0))
			m.wy = clamp(m.wy/float64(m.total), y0, math.Nextafter(y1, 0))
		}
		if len(out) <= limit || cell >= Extent {
			return out
		}
	}
}

// encode writes the features as one MVT layer.
func (ix *Index) encode(z, x, y int, layer string, feats []feature) []byte {
	keys := ix.clustKeys
	if layer == LayerCrimes {
		keys = ix.crimeKeys
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	w := newLayerWriter(layer, names)
	// Most features take 20 to 60 bytes; growing the buffer showed in
	// profiles.
	w.feats = make([]byte, 0, 48*len(feats))
	for i := range feats {
		ft := &feats[i]
		for slot, k := range keys {
			if k.cat >= 0 {
				if n := ft.byCat[k.cat]; n > 0 {
					w.uintTag(slot, uint64(n))
				}
				continue
			}
			switch k.name {
			case propCount:
				w.uintTag(slot, uint64(ft.total))
			case propLocationID:
				w.uintTag(slot, uint64(ft.point))
			case propStreet:
				w.strTag(slot, ix.ds.PointStreet(ft.point))
			case propClusterID:
				if ft.hasID {
					w.uintTag(slot, ft.id)
				}
			case propPointCount:
				w.uintTag(slot, uint64(ft.total))
			case propAbbrev:
				if ft.total < 1000 {
					w.uintTag(slot, uint64(ft.total))
				} else {
					w.strTag(slot, Abbreviate(int(ft.total)))
				}
			}
		}
		px, py := InTile(z, x, y, ft.wx, ft.wy)
		w.point(ft.hasID, ft.id, min(max(px, 0), Extent-1), min(max(py, 0), Extent-1))
	}
	return w.tile()
}

// Abbreviate writes a count the way Supercluster's point_count_abbreviated
// does: 1234 -> "1.2k", 12345 -> "12k"; counts under 1000 as digits.
func Abbreviate(n int) string {
	switch {
	case n >= 10000:
		return strconv.Itoa(int(math.Round(float64(n)/1000))) + "k"
	case n >= 1000:
		return strconv.FormatFloat(math.Round(float64(n)/100)/10, 'f', -1, 64) + "k"
	}
	return strconv.Itoa(n)
}
