package tiles

import (
	"cmp"
	"slices"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// buildTables gives count tables to the largest clusters within the
// budget, and to every cluster of the zooms up to TableZoom.
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
	// The coarse zooms' clusters left out by the budget follow, in the same
	// order (filtered in place). They are not counted against the budget:
	// taken from it, they would leave the largest clusters of the next
	// zooms without tables, whose tiles then scan hundreds of thousands of
	// crimes over a long history.
	kept := cands[:nt]
	for _, cd := range cands[nt:] {
		if cd.z <= ix.opt.TableZoom {
			kept = append(kept, cd)
		}
	}
	cands = kept
	nt = int64(len(cands))
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
	// Tables are independent, so they are filled on every core. Dealt out
	// in turn, each core gets its share of the largest clusters, which come
	// first.
	workers := parallel.Cores(len(cands))
	parallel.Run(workers, func(w int) {
		for t := w; t < len(cands); t += workers {
			ix.fillTable(t, cands[t].z, cands[t].i, rows, first, rowOf)
		}
	})
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

// addPointRange adds the crimes of point p that pass a filter the count
// tables answer (months and categories only). It gives addPoint's sums, but
// narrows the point's crimes to the month range with seekMonth rather than
// geo.CountByCategory's binary search at each end of the range, whose
// dependent loads across the point were half the CPU of a filtered
// long-range tile.
func (ix *Index) addPointRange(a *agg, p geo.PointID, f *geo.Filter, q *query) {
	if !q.tables {
		ix.addPoint(a, p, f)
		return
	}
	ds := ix.ds
	s, e := ds.PointCrimes(p)
	if f.From != 0 {
		s = ix.seekMonth(s, e, f.From)
	}
	if f.To != 0 {
		e = ix.seekMonth(s, e, f.To+1)
	}
	n := uint32(0)
	if q.allCats {
		for c := s; c < e; c++ {
			a.byCat[ds.Category(c)]++
		}
		n = uint32(e - s)
	} else {
		for c := s; c < e; c++ {
			if k := ds.Category(c); q.pass[k] {
				a.byCat[k]++
				n++
			}
		}
	}
	a.total += n
	a.sx += float64(n) * ix.ptX[p]
	a.sy += float64(n) * ix.ptY[p]
}

// seekMonth returns the first crime in [lo, hi) whose month is at least m,
// or hi; a point's crimes are ordered by month. Most points lie wholly on
// one side of a range's end, which the first and last crimes show. Else a
// point's crimes are spread fairly evenly over its months, so the search
// starts where m would fall were they even and widens from there, touching
// a cache line or two instead of a chain of them across the point.
func (ix *Index) seekMonth(lo, hi geo.CrimeID, m geo.Month) geo.CrimeID {
	ds := ix.ds
	if lo >= hi || ds.Month(lo) >= m {
		return lo
	}
	last := hi - 1
	mlo, mhi := ds.Month(lo), ds.Month(last)
	if mhi < m {
		return hi
	}
	// The answer b is in (a, b]: month(a) < m <= month(b).
	a, b := lo, last
	g := lo + geo.CrimeID(uint64(last-lo)*uint64(m-mlo)/uint64(mhi-mlo))
	if ds.Month(g) < m {
		a = g
		step := geo.CrimeID(1)
		for a+step < b && ds.Month(a+step) < m {
			a += step
			step *= 2
		}
		b = min(b, a+step)
	} else {
		b = g
		step := geo.CrimeID(1)
		for b-step > a && ds.Month(b-step) >= m {
			b -= step
			step *= 2
		}
		if b-step > a {
			a = b - step
		}
	}
	for b-a > 1 {
		mid := a + (b-a)/2
		if ds.Month(mid) < m {
			a = mid
		} else {
			b = mid
		}
	}
	return b
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
		ix.addPointRange(a, p, f, q)
	}
}

// query holds what a request's filter implies, worked out once per tile.
type query struct {
	tables       bool
	memo         *filterMemo // sums for a filter the tables cannot answer
	allCats      bool
	pass         [geo.MaxTerms]bool // categories passing, when not allCats
	rowLo, rowHi int
}

func (ix *Index) newQuery(f *geo.Filter) query {
	lo, hi := ix.monthRows(f)
	q := query{
		tables:  tablesAnswer(f),
		allCats: f.Categories.Empty(),
		rowLo:   lo, rowHi: hi,
	}
	for c := range q.pass {
		q.pass[c] = f.Categories.Has(c)
	}
	return q
}
