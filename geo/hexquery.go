package geo

import (
	"context"
	"fmt"
	"math"
	"slices"

	"crimemap/internal/parallel"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

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
	// A crime's column is its month index less that of the first column.
	var firstIx int
	if nm > 0 {
		firstIx = d.monthIndex(first)
	}
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
		var n int32
		for _, pt := range m.parts {
			s, e := m.span(pt, p)
			if m.all {
				n += int32(e - s)
				continue
			}
			for i := s; i < e; i++ {
				if m.match(pt, i) {
					n++
				}
			}
		}
		if n == 0 {
			return
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
		for _, pt := range m.parts {
			s, e := m.span(pt, p)
			for i := s; i < e; i++ {
				if m.all || m.match(pt, i) {
					if q.ByCategory {
						acc.byCat[int(sl)*nc+int(pt.cat[i])]++
					}
					if q.ByMonth {
						acc.byMonth[int(sl)*nm+int(pt.month[i])-firstIx]++
					}
				}
			}
		}
	}

	workers := parallel.Workers(0)
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
	// As in Count: k.Months is a run of the dataset's months.
	first, span := d.monthIndex(k.Months[0]), len(k.Months)
	dense := k.cells
	free := f.termsFree()
	r := d.monthRangeOf(f)
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
			for _, pt := range d.partsIn(r) {
				s, e := pt.span(p, r)
				for cr := s; cr < e; cr++ {
					if free || pt.matchTerms(cr, f) {
						dense[int(pt.cat[cr])*span+int(pt.month[cr])-first]++
						out.Count[i]++
					}
				}
			}
			return true
		})
	}
	for _, v := range k.cells {
		k.Total += v
	}
	return out, nil
}

// hexFromCube answers a query over every crime from the precomputed counts.
func (d *Dataset) hexFromCube(out *HexCounts, q HexQuery, m *matcher, first Month, monthCol []int32) {
	lv := d.hexLevel(q.Res)
	cube := d.hexCube(q.Res)
	nc, nm := out.NumCategories, len(out.Months)
	lo, hi := keyRange(&q.Filter)
	catRow, monthRow := make([]int32, nc), make([]int32, nm)
	for i := range lv.cells {
		var total int32
		clear(catRow)
		clear(monthRow)
		for pk := range cube.parts {
			keys, ns := cube.run(pk, i, lo, hi)
			for j, k := range keys {
				if !m.cats[k&0xff] {
					continue
				}
				n := int32(ns[j])
				total += n
				catRow[k&0xff] += n
				if q.ByMonth {
					monthRow[monthCol[Month(k>>8)-first]] += n
				}
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
	lo, hi := keyRange(&f)
	row := make([]int32, nc)
	for i, ctr := range cube.center {
		if !inB(ctr) {
			continue
		}
		var total int32
		clear(row)
		for pk := range cube.parts {
			keys, ns := cube.run(pk, i, lo, hi)
			for j, k := range keys {
				if !m.cats[k&0xff] {
					continue
				}
				total += int32(ns[j])
				row[k&0xff] += int32(ns[j])
			}
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
