package geo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"crimemap/fault"
)

// H3 aggregation.
//
// A crime belongs to the H3 cell at resolution N that contains its snap point
// (h3 latLngToCell at N). That is not always the resolution-N ancestor of the
// point's FinestRes cell: H3 children are not nested inside their parent's
// boundary, and for about 6.5% of points the ancestor is a neighbouring cell.
// Counting by ancestor would put those crimes in a hexagon they are not drawn
// in, so each resolution gets its own cell column, computed once per dataset
// on first use (about 1.3 us of cgo per snap point, spread over all cores;
// PrepareHex does it ahead). Up to CubeMaxRes, counts by cell, month and
// category are also kept, so the whole country at a coarse resolution is a
// walk over cells rather than crimes.

// Errors returned by the hex queries.
var (
	// ErrBadRes is returned for a resolution outside 0..FinestRes.
	ErrBadRes = fault.New(fault.Invalid, "H3 resolution must be 0..13")
	// ErrBadCell is returned for a string or index that is not a valid H3 cell.
	ErrBadCell = fault.New(fault.Invalid, "not a valid H3 cell")
	// ErrTooManyCells is wrapped by CellLimitError.
	ErrTooManyCells = fault.New(fault.TooLarge, "too many H3 cells")
)

// CellLimitError reports a hex query whose answer exceeds its cell limit.
type CellLimitError struct {
	Res   int // the resolution asked for
	Cells int // cells the answer would have had (at least)
	Limit int
	// Fits is the finest coarser resolution whose answer fits the limit, or
	// -1 when even resolution 0 does not.
	Fits int
}

func (e *CellLimitError) Error() string {
	if e.Fits < 0 {
		return fmt.Sprintf("%d cells at resolution %d exceed the limit of %d", e.Cells, e.Res, e.Limit)
	}
	return fmt.Sprintf("%d cells at resolution %d exceed the limit of %d; resolution %d fits", e.Cells, e.Res, e.Limit, e.Fits)
}

// Unwrap makes errors.Is(err, ErrTooManyCells) true.
func (e *CellLimitError) Unwrap() error { return ErrTooManyCells }

// CellParent returns the ancestor of cell c at resolution res (res <= c's
// resolution) by bit arithmetic: the resolution sits in bits 52-55 and each
// finer digit, 3 bits from bit 42 down, becomes 7 (unused). It agrees with
// h3's cellToParent at a few nanoseconds instead of a cgo call.
func CellParent(c h3.Cell, res int) h3.Cell {
	const resMask, h3MaxRes = uint64(0xf) << 52, 15
	v := uint64(c)&^resMask | uint64(res)<<52
	return h3.Cell(v | (uint64(1)<<(3*(h3MaxRes-res)) - 1))
}

// CellRes returns the resolution of a cell index without cgo.
func CellRes(c h3.Cell) int { return int(uint64(c) >> 52 & 0xf) }

// ParseCell parses an H3 cell index string (15 or 16 hex digits). Cells
// finer than FinestRes are rejected: no column holds them, and a request
// naming one must not reach the per-resolution tables.
func ParseCell(s string) (h3.Cell, error) {
	if len(s) == 0 || len(s) > 16 {
		return 0, fmt.Errorf("%w: %q", ErrBadCell, s)
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("%w: %q", ErrBadCell, s)
		}
		v = v<<4 | uint64(d)
	}
	cell := h3.Cell(v)
	if !cell.IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrBadCell, s)
	}
	if CellRes(cell) > FinestRes {
		return 0, fmt.Errorf("%w: %q is at resolution %d, finer than %d", ErrBadCell, s, CellRes(cell), FinestRes)
	}
	return cell, nil
}

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

func (d *Dataset) hexLevels() *hexLevels {
	key := weak.Make(d)
	if v, ok := hexCache.Load(key); ok {
		return v.(*hexLevels)
	}
	v, loaded := hexCache.LoadOrStore(key, &hexLevels{})
	if !loaded {
		runtime.AddCleanup(d, func(k weak.Pointer[Dataset]) { hexCache.Delete(k) }, key)
	}
	return v.(*hexLevels)
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
	return d.hexLevelOn(res, runtime.GOMAXPROCS(0))
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
		chunk := (np + workers - 1) / workers
		var wg sync.WaitGroup
		for lo := 0; lo < np; lo += chunk {
			hi := min(lo+chunk, np)
			wg.Go(func() {
				for p := lo; p < hi; p++ {
					cellOf[p] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, res)
				}
			})
		}
		wg.Wait()
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
	return &hexLevel{cells: slices.Clip(cells), of: of}
}

// PointCellAt returns the cell at resolution res containing snap point p.
func (d *Dataset) PointCellAt(p PointID, res int) h3.Cell {
	lv := d.hexLevel(res)
	return lv.cells[lv.of[p]]
}

// HexQuery asks for crime counts per H3 cell.
type HexQuery struct {
	Res    int
	Area   Area // nil selects every located crime
	Filter Filter
	// ByCategory and ByMonth ask for breakdowns beside the total.
	ByCategory, ByMonth bool
	// Limit bounds the number of cells in the answer; 0 means no limit.
	Limit int
}

// HexCounts holds crime counts per non-empty cell, cells ascending by index.
type HexCounts struct {
	Res   int
	Cells []h3.Cell
	Count []int32
	Total int
	// Months are the month columns of a ByMonth breakdown: every dataset
	// month inside the filter's range.
	Months []Month
	// NumCategories is the width of a ByCategory breakdown.
	NumCategories int
	byCat         []int32 // len(Cells) x NumCategories, when asked
	byMonth       []int32 // len(Cells) x len(Months), when asked
}

// Len returns the number of cells.
func (h *HexCounts) Len() int { return len(h.Cells) }

// HasCategories reports whether the counts carry a category breakdown.
func (h *HexCounts) HasCategories() bool { return h.byCat != nil }

// HasMonths reports whether the counts carry a month breakdown.
func (h *HexCounts) HasMonths() bool { return h.byMonth != nil }

// Category returns the count of category c in cell i; it needs ByCategory.
func (h *HexCounts) Category(i int, c Category) int {
	return int(h.byCat[i*h.NumCategories+int(c)])
}

// Month returns the count in cell i for column m (an index into Months); it
// needs ByMonth.
func (h *HexCounts) Month(i, m int) int { return int(h.byMonth[i*len(h.Months)+m]) }

// Find returns the position of cell c, if it has crimes.
func (h *HexCounts) Find(c h3.Cell) (int, bool) { return slices.BinarySearch(h.Cells, c) }

// hexAcc accumulates counts per cell slot for one goroutine.
type hexAcc struct {
	slot    []int32 // level cell index -> slot+1, 0 when unseen
	idx     []uint32
	count   []int32
	byCat   []int32
	byMonth []int32
}

// HexCounts counts the located crimes inside q.Area that pass q.Filter per
// cell at q.Res. It returns ErrBadRes, or a *CellLimitError when the answer
// has more than q.Limit cells, or ctx's error if ctx ends first.
func (d *Dataset) HexCounts(ctx context.Context, q HexQuery) (*HexCounts, error) {
	if q.Res < 0 || q.Res > FinestRes {
		return nil, fmt.Errorf("%w: got %d", ErrBadRes, q.Res)
	}
	// The precomputed counts below are read without a scan to stop.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geo: hex counts: %w", err)
	}
	lv := d.hexLevel(q.Res)
	f := &q.Filter
	k := d.newCounts(f)
	out := &HexCounts{Res: q.Res, NumCategories: k.NumCategories}
	if q.ByMonth {
		out.Months = k.Months
	}
	// monthCol maps a month offset from the first column to its column.
	var first Month
	var monthCol []int32
	if q.ByMonth && len(k.Months) > 0 {
		first = k.Months[0]
		monthCol = make([]int32, int(k.Months[len(k.Months)-1]-first)+1)
		for i, m := range k.Months {
			monthCol[m-first] = int32(i)
		}
	}
	nm := len(out.Months)
	nc := out.NumCategories
	m := d.newMatcher(f)
	breakdown := q.ByCategory || q.ByMonth
	if q.Res <= CubeMaxRes && m.catOnly && d.coversAll(q.Area) {
		d.hexFromCube(out, q, m, first, monthCol)
		if q.Limit > 0 && len(out.Cells) > q.Limit {
			return nil, d.cellLimit(ctx, q, len(out.Cells), out.Cells)
		}
		return out, nil
	}

	scan := func(acc *hexAcc, p PointID) {
		s, e := m.span(p)
		if s == e {
			return
		}
		var n int32
		if m.all {
			n = int32(e - s)
		} else {
			for c := s; c < e; c++ {
				if m.match(c) {
					n++
				}
			}
			if n == 0 {
				return
			}
		}
		ci := lv.of[p]
		sl := acc.slot[ci] - 1
		if sl < 0 {
			sl = int32(len(acc.idx))
			acc.slot[ci] = sl + 1
			acc.idx = append(acc.idx, ci)
			acc.count = append(acc.count, 0)
			if q.ByCategory {
				acc.byCat = append(acc.byCat, make([]int32, nc)...)
			}
			if q.ByMonth {
				acc.byMonth = append(acc.byMonth, make([]int32, nm)...)
			}
		}
		acc.count[sl] += n
		if !breakdown {
			return
		}
		for c := s; c < e; c++ {
			if m.all || m.match(c) {
				if q.ByCategory {
					acc.byCat[int(sl)*nc+int(d.cat[c])]++
				}
				if q.ByMonth {
					acc.byMonth[int(sl)*nm+int(monthCol[d.month[c]-first])]++
				}
			}
		}
	}

	workers := runtime.GOMAXPROCS(0)
	accs := make([]*hexAcc, workers)
	for w := range accs {
		accs[w] = &hexAcc{slot: lv.getSlots()}
	}
	err := d.visitPoints(ctx, q.Area, workers, func(w int, p PointID) { scan(accs[w], p) })
	defer func() {
		for _, a := range accs {
			lv.putSlots(a.slot, a.idx)
		}
	}()
	if err != nil {
		return nil, err
	}
	d.mergeHex(out, lv, accs, q)
	if q.Limit > 0 && len(out.Cells) > q.Limit {
		return nil, d.cellLimit(ctx, q, len(out.Cells), out.Cells)
	}
	return out, nil
}

// matcher is a Filter prepared for a scan: the month range resolved
// against the dataset and the common category-only case as a lookup table.
type matcher struct {
	d *Dataset
	f *Filter
	// allMonths is true when the range holds every dataset month, so a
	// point's crimes need no binary search.
	allMonths bool
	// all is true when every crime in the span passes.
	all     bool
	catOnly bool
	cats    [MaxTerms]bool
	// forces and outcomes are lookup tables for the other terms, used
	// when the filter names some.
	forces, outcomes [MaxTerms]bool
}

func (d *Dataset) newMatcher(f *Filter) *matcher {
	m := &matcher{d: d, f: f}
	if n := len(d.months); n > 0 {
		m.allMonths = (f.From == 0 || f.From <= d.months[0]) && (f.To == 0 || f.To >= d.months[n-1])
	}
	m.all = f.termsFree()
	m.catOnly = f.Forces.Empty() && f.Outcomes.Empty()
	for i := range m.cats {
		m.cats[i] = f.Categories.Empty() || f.Categories.Has(i)
		m.forces[i] = f.Forces.Empty() || f.Forces.Has(i)
		m.outcomes[i] = f.Outcomes.Empty() || f.Outcomes.Has(i)
	}
	return m
}

// span returns the crimes of p within the month range.
func (m *matcher) span(p PointID) (CrimeID, CrimeID) {
	if m.allMonths {
		return CrimeID(m.d.ptStart[p]), CrimeID(m.d.ptStart[p+1])
	}
	return m.d.MonthSpan(p, m.f)
}

// match reports whether crime c, already within the month range, passes.
func (m *matcher) match(c CrimeID) bool {
	if m.catOnly {
		return m.cats[m.d.cat[c]]
	}
	return m.cats[m.d.cat[c]] && m.forces[m.d.force[c]] && m.outcomes[m.d.outcome[c]]
}

// visitPoints calls fn(w, p) for every snap point p in the area (nil for
// all) from up to workers goroutines, w being the goroutine's number: the
// table is split by range when the area holds everything, else the area's
// box is split into strips of longitude searched in parallel. It returns
// ctx's error if ctx ends first.
func (d *Dataset) visitPoints(ctx context.Context, a Area, workers int, fn func(w int, p PointID)) error {
	np := len(d.ptLon)
	if np < 1<<12 {
		workers = 1
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	if d.coversAll(a) {
		chunk := (np + workers - 1) / workers
		for w := 0; w < workers; w++ {
			lo, hi := w*chunk, min((w+1)*chunk, np)
			wg.Go(func() {
				errs[w] = scanAll(ctx, lo, hi, func(p PointID) bool {
					fn(w, p)
					return true
				})
			})
		}
		wg.Wait()
		return cmp.Or(errs...)
	}
	b := a.Bound()
	width := (b.Max[0] - b.Min[0]) / float64(workers)
	for w := 0; w < workers; w++ {
		// Strips are half-open on the west except the first, so a point on
		// a seam is visited once.
		sb := b
		sb.Min[0] = b.Min[0] + float64(w)*width
		if w < workers-1 {
			sb.Max[0] = b.Min[0] + float64(w+1)*width
		}
		west := sb.Min[0]
		wg.Go(func() {
			errs[w] = d.scanArea(ctx, a, sb, func(p PointID) bool {
				if w == 0 || d.ptLon[p] > west {
					fn(w, p)
				}
				return true
			})
		})
	}
	wg.Wait()
	return cmp.Or(errs...)
}

// coversAll reports whether an area holds every snap point, so that a query
// can walk the table instead of the R-tree.
func (d *Dataset) coversAll(a Area) bool {
	if a == nil {
		return true
	}
	b, ok := a.(*Box)
	return ok && len(d.ptLon) > 0 && b.b.Contains(d.bound.Min) && b.b.Contains(d.bound.Max)
}

// mergeHex folds per-goroutine slots into out, cells ascending.
func (d *Dataset) mergeHex(out *HexCounts, lv *hexLevel, accs []*hexAcc, q HexQuery) {
	nc, nm := out.NumCategories, len(out.Months)
	var idx []uint32
	for _, a := range accs {
		idx = append(idx, a.idx...)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	out.Cells = make([]h3.Cell, len(idx))
	out.Count = make([]int32, len(idx))
	if q.ByCategory {
		out.byCat = make([]int32, len(idx)*nc)
	}
	if q.ByMonth {
		out.byMonth = make([]int32, len(idx)*nm)
	}
	for i, ci := range idx {
		out.Cells[i] = lv.cells[ci]
		for _, a := range accs {
			sl := int(a.slot[ci]) - 1
			if sl < 0 {
				continue
			}
			out.Count[i] += a.count[sl]
			for c := 0; c < nc && q.ByCategory; c++ {
				out.byCat[i*nc+c] += a.byCat[sl*nc+c]
			}
			for m := 0; m < nm && q.ByMonth; m++ {
				out.byMonth[i*nm+m] += a.byMonth[sl*nm+m]
			}
		}
		out.Total += int(out.Count[i])
	}
}

// cellLimit builds the error for an answer of n cells, naming the finest
// coarser resolution that fits. Distinct ancestors of the answer's cells
// estimate each coarser count (cells are not nested, so only estimate); the
// candidate is then counted for real.
func (d *Dataset) cellLimit(ctx context.Context, q HexQuery, n int, cells []h3.Cell) error {
	e := &CellLimitError{Res: q.Res, Cells: n, Limit: q.Limit, Fits: -1}
	for r := q.Res - 1; r >= 0; r-- {
		distinct := 0
		var last h3.Cell
		for i, c := range cells {
			if p := CellParent(c, r); i == 0 || p != last {
				distinct, last = distinct+1, p
			}
		}
		if distinct > q.Limit {
			continue
		}
		// The ancestor count is close; confirm with the real count.
		cq := q
		cq.Res, cq.ByCategory, cq.ByMonth, cq.Limit = r, false, false, 0
		got, err := d.HexCounts(ctx, cq)
		if ctx.Err() != nil {
			return err
		}
		if err == nil && got.Len() <= q.Limit {
			e.Fits = r
			break
		}
	}
	return e
}

// CellBound returns a lon/lat box containing the whole of cell c. H3 edges
// are straight on the icosahedron face, not in lon/lat, so the vertices' box
// is widened by a fraction of the cell. Cells across the antimeridian get a
// box running past 180.
func CellBound(c h3.Cell) orb.Bound {
	b := CellShapeOf(c).Vertices
	lo, hi := orb.Point{math.Inf(1), math.Inf(1)}, orb.Point{math.Inf(-1), math.Inf(-1)}
	lon0 := b[0][0]
	for _, v := range b {
		lon := unwrapLon(v[0], lon0)
		lo[0], lo[1] = min(lo[0], lon), min(lo[1], v[1])
		hi[0], hi[1] = max(hi[0], lon), max(hi[1], v[1])
	}
	mLat := (hi[1] - lo[1]) * 0.05
	mLon := (hi[0] - lo[0]) * 0.05
	return orb.Bound{Min: orb.Point{lo[0] - mLon, math.Max(-90, lo[1]-mLat)}, Max: orb.Point{hi[0] + mLon, math.Min(90, hi[1]+mLat)}}
}

// unwrapLon moves lon by 360 degrees to lie within 180 of ref.
func unwrapLon(lon, ref float64) float64 {
	for lon-ref > 180 {
		lon -= 360
	}
	for lon-ref < -180 {
		lon += 360
	}
	return lon
}

// searchBoundWrapped is SearchBound for a box that may run past +-180.
func (d *Dataset) searchBoundWrapped(b orb.Bound, fn func(PointID) bool) {
	for _, shift := range []float64{0, -360, 360} {
		sb := orb.Bound{Min: orb.Point{b.Min[0] + shift, b.Min[1]}, Max: orb.Point{b.Max[0] + shift, b.Max[1]}}
		if sb.Max[0] < -180 || sb.Min[0] > 180 {
			continue
		}
		sb.Min[0], sb.Max[0] = math.Max(sb.Min[0], -180), math.Min(sb.Max[0], 180)
		stopped := false
		d.SearchBound(sb, func(p PointID) bool {
			if !fn(p) {
				stopped = true
				return false
			}
			return true
		})
		if stopped {
			return
		}
	}
}

// CellCounts holds the counts of a set of cells of one resolution.
type CellCounts struct {
	Counts // all the cells together, by category and month
	Cells  []h3.Cell
	Count  []int // per cell, same order as Cells
}

// CountCells counts the crimes passing f whose snap point lies in any of the
// given cells, which must all have one resolution. It returns ErrBadCell for
// an invalid or mixed set, or ctx's error if ctx ends first.
func (d *Dataset) CountCells(ctx context.Context, cells []h3.Cell, f *Filter) (*CellCounts, error) {
	out := &CellCounts{Counts: d.newCounts(f), Cells: slices.Clone(cells), Count: make([]int, len(cells))}
	if len(cells) == 0 {
		return out, nil
	}
	res := CellRes(cells[0])
	for _, c := range cells {
		if !c.IsValid() || CellRes(c) != res || res > FinestRes {
			return nil, fmt.Errorf("%w: %v in a set of resolution %d", ErrBadCell, c, res)
		}
	}
	lv := d.hexLevel(res)
	// Map level indexes of the wanted cells to their positions.
	want := map[uint32]int{}
	for i, c := range cells {
		if li, ok := slices.BinarySearch(lv.cells, c); ok {
			want[uint32(li)] = i
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	k := &out.Counts
	if len(k.Months) == 0 {
		return out, nil
	}
	first := k.Months[0]
	span := int(k.Months[len(k.Months)-1]-first) + 1
	dense := make([]int, k.NumCategories*span)
	free := f.termsFree()
	seen := map[PointID]bool{}
	for _, c := range cells {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("geo: cell count stopped: %w", err)
		}
		d.searchBoundWrapped(CellBound(c), func(p PointID) bool {
			i, ok := want[lv.of[p]]
			if !ok || seen[p] {
				return true
			}
			seen[p] = true
			s, e := d.MonthSpan(p, f)
			for cr := s; cr < e; cr++ {
				if free || d.matchTerms(cr, f) {
					dense[int(d.cat[cr])*span+int(d.month[cr]-first)]++
					out.Count[i]++
				}
			}
			return true
		})
	}
	for ci := 0; ci < k.NumCategories; ci++ {
		for mi, m := range k.Months {
			v := dense[ci*span+int(m-first)]
			k.cells[ci*len(k.Months)+mi] = v
			k.Total += v
		}
	}
	return out, nil
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
}

var cubeCache sync.Map // weak.Pointer[Dataset] -> *hexCubes

func (d *Dataset) hexCube(res int) *hexCube {
	key := weak.Make(d)
	v, ok := cubeCache.Load(key)
	if !ok {
		var loaded bool
		v, loaded = cubeCache.LoadOrStore(key, &hexCubes{})
		if !loaded {
			runtime.AddCleanup(d, func(k weak.Pointer[Dataset]) { cubeCache.Delete(k) }, key)
		}
	}
	hc := v.(*hexCubes)
	hc.once[res].Do(func() { hc.cube[res] = d.buildHexCube(res) })
	return hc.cube[res]
}

func (d *Dataset) buildHexCube(res int) *hexCube {
	lv := d.hexLevel(res)
	nc := len(lv.cells)
	// Counting sort of located crimes by cell, then sort each cell's keys.
	start := make([]uint32, nc+1)
	for p := range d.ptLon {
		start[lv.of[p]+1] += d.ptStart[p+1] - d.ptStart[p]
	}
	for i := 0; i < nc; i++ {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:nc])
	keys := make([]uint32, start[nc])
	for p := range d.ptLon {
		ci := lv.of[p]
		for c := d.ptStart[p]; c < d.ptStart[p+1]; c++ {
			keys[next[ci]] = uint32(d.month[c])<<8 | uint32(d.cat[c])
			next[ci]++
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

// hexFromCube answers a query over every crime from the precomputed counts.
func (d *Dataset) hexFromCube(out *HexCounts, q HexQuery, m *matcher, first Month, monthCol []int32) {
	lv := d.hexLevel(q.Res)
	cube := d.hexCube(q.Res)
	nc, nm := out.NumCategories, len(out.Months)
	var lo, hi uint32 = 0, math.MaxUint32
	if q.Filter.From != 0 {
		lo = uint32(q.Filter.From) << 8
	}
	if q.Filter.To != 0 {
		hi = uint32(q.Filter.To)<<8 | 0xff
	}
	catRow, monthRow := make([]int32, nc), make([]int32, nm)
	for i := range lv.cells {
		var total int32
		clear(catRow)
		clear(monthRow)
		for j := cube.start[i]; j < cube.start[i+1]; j++ {
			k := cube.key[j]
			if k < lo || k > hi || !m.cats[k&0xff] {
				continue
			}
			n := int32(cube.n[j])
			total += n
			catRow[k&0xff] += n
			if q.ByMonth {
				monthRow[monthCol[Month(k>>8)-first]] += n
			}
		}
		if total == 0 {
			continue
		}
		out.Cells = append(out.Cells, lv.cells[i])
		out.Count = append(out.Count, total)
		out.Total += int(total)
		if q.ByCategory {
			out.byCat = append(out.byCat, catRow...)
		}
		if q.ByMonth {
			out.byMonth = append(out.byMonth, monthRow...)
		}
	}
	if q.ByCategory && out.byCat == nil {
		out.byCat = []int32{}
	}
	if q.ByMonth && out.byMonth == nil {
		out.byMonth = []int32{}
	}
}

// HexCountsInBound returns the whole-cell counts of every non-empty cell at
// res whose centre lies in the lon/lat box b (which may run past +-180):
// every crime of such a cell counts, inside b or not. Filters on months and
// categories at res <= CubeMaxRes read precomputed counts; others scan the
// crimes around b.
func (d *Dataset) HexCountsInBound(res int, b orb.Bound, f Filter, byCategory bool) (*HexCounts, error) {
	if res < 0 || res > FinestRes {
		return nil, fmt.Errorf("%w: got %d", ErrBadRes, res)
	}
	inB := func(p orb.Point) bool {
		for _, shift := range []float64{0, 360, -360} {
			if b.Contains(orb.Point{p[0] + shift, p[1]}) {
				return true
			}
		}
		return false
	}
	if res > CubeMaxRes || !f.Forces.Empty() || !f.Outcomes.Empty() {
		return d.hexInBoundByScan(res, b, f, byCategory, inB)
	}
	lv := d.hexLevel(res)
	cube := d.hexCube(res)
	m := d.newMatcher(&f)
	out := &HexCounts{Res: res, NumCategories: d.categories.Len()}
	nc := out.NumCategories
	var lo, hi uint32 = 0, math.MaxUint32
	if f.From != 0 {
		lo = uint32(f.From) << 8
	}
	if f.To != 0 {
		hi = uint32(f.To)<<8 | 0xff
	}
	row := make([]int32, nc)
	for i, ctr := range cube.center {
		if !inB(ctr) {
			continue
		}
		keys := cube.key[cube.start[i]:cube.start[i+1]]
		ns := cube.n[cube.start[i]:cube.start[i+1]]
		var total int32
		clear(row)
		for j, k := range keys {
			if k < lo || k > hi || !m.cats[k&0xff] {
				continue
			}
			total += int32(ns[j])
			row[k&0xff] += int32(ns[j])
		}
		if total == 0 {
			continue
		}
		out.Cells = append(out.Cells, lv.cells[i])
		out.Count = append(out.Count, total)
		out.Total += int(total)
		if byCategory {
			out.byCat = append(out.byCat, row...)
		}
	}
	if byCategory && out.byCat == nil {
		out.byCat = []int32{}
	}
	return out, nil
}

// hexInBoundByScan is HexCountsInBound by scanning the crimes of a box grown
// by more than a cell's width around b.
func (d *Dataset) hexInBoundByScan(res int, b orb.Bound, f Filter, byCategory bool, inB func(orb.Point) bool) (*HexCounts, error) {
	// Cell edges vary about twofold around the average over the globe, so
	// three average edges cover any cell whose centre is in b.
	km := 3 * h3.HexagonEdgeLengthAvgKm(res)
	const kmPerDeg = EarthRadius / 1000 * math.Pi / 180
	dLat := km / kmPerDeg
	maxLat := math.Min(89, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))+dLat)
	dLon := km / (kmPerDeg * math.Cos(maxLat*math.Pi/180))
	var area Area
	if b.Max[0]-b.Min[0]+2*dLon < 360 && b.Min[0]-dLon >= -180 && b.Max[0]+dLon <= 180 {
		box, err := NewBox(b.Min[0]-dLon, math.Max(-90, b.Min[1]-dLat), b.Max[0]+dLon, math.Min(90, b.Max[1]+dLat))
		if err != nil {
			return nil, err
		}
		area = box
	} // else: near the antimeridian or the whole world; scan everything.
	// A tile's box is small and the tile has its own bounds, so this scan
	// runs to the end.
	hc, err := d.HexCounts(context.Background(), HexQuery{Res: res, Area: area, Filter: f, ByCategory: byCategory})
	if err != nil {
		return nil, err
	}
	keep := 0
	for i, c := range hc.Cells {
		if !inB(CellShapeOf(c).Center) {
			hc.Total -= int(hc.Count[i])
			continue
		}
		hc.Cells[keep], hc.Count[keep] = c, hc.Count[i]
		if byCategory {
			copy(hc.byCat[keep*hc.NumCategories:], hc.byCat[i*hc.NumCategories:(i+1)*hc.NumCategories])
		}
		keep++
	}
	hc.Cells, hc.Count = hc.Cells[:keep], hc.Count[:keep]
	if byCategory {
		hc.byCat = hc.byCat[:keep*hc.NumCategories]
	}
	return hc, nil
}

// CellShape is a cell's centre and boundary vertices, lon/lat, as h3 gives
// them (vertices counterclockwise, longitudes in -180..180).
type CellShape struct {
	Center   orb.Point
	Vertices []orb.Point
}

// shapeCache keeps the shapes of cells drawn recently: each costs a few
// microseconds of cgo and maps draw the same cells in tile after tile. It is
// emptied when full.
var shapeCache struct {
	sync.RWMutex
	m map[h3.Cell]*CellShape
}

// shapeCacheMax bounds shapeCache, about 250 bytes an entry.
const shapeCacheMax = 200_000

// CellShapeOf returns the shape of cell c from a bounded cache shared by
// all callers; the result must not be modified.
func CellShapeOf(c h3.Cell) *CellShape {
	shapeCache.RLock()
	s, ok := shapeCache.m[c]
	shapeCache.RUnlock()
	if ok {
		return s
	}
	ll := h3.CellToLatLng(c)
	bd := h3.CellToBoundary(c)
	s = &CellShape{Center: orb.Point{ll.Lng, ll.Lat}, Vertices: make([]orb.Point, len(bd))}
	for i, v := range bd {
		s.Vertices[i] = orb.Point{v.Lng, v.Lat}
	}
	shapeCache.Lock()
	if shapeCache.m == nil || len(shapeCache.m) >= shapeCacheMax {
		shapeCache.m = make(map[h3.Cell]*CellShape, 1024)
	}
	shapeCache.m[c] = s
	shapeCache.Unlock()
	return s
}
