package tiles

import (
	"cmp"
	"math"
	"slices"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// Costs of a filtered cluster, in about nanoseconds, that choose which
// clusters get tables: a point's scan waits on memory for its range and
// months, then counts its crimes; a table is two rows of lookups.
const (
	costPoint = 256
	costCrime = 1
	costTable = 800
)

// buildTables gives count tables to every cluster of the zooms up to
// TableZoom, and within the budget to the clusters that make the costliest
// tiles cheaper. A cluster without a table is counted from its children's
// tables where they have them, so a table serves every zoom above its own.
// A tile counts every cluster of its zoom whose box meets it, so what a
// request waits for is the sum over a tile's clusters: in a city centre a
// tile holds hundreds of clusters, each cheap, that add up to the slowest
// tiles. The clusters are chosen from the deepest zoom up: in each tile
// whose clusters would cost more than a bound, the costliest take tables
// until it does not, the least bound the budget allows. Bounding each
// cluster's cost instead spent the budget on large clusters wherever they
// were and left dense tiles of small ones at about twice the cost.
func (ix *Index) buildTables() {
	per := int64((len(ix.months)+1)*ix.ncat) * (4 + 8 + 8)
	budget := max(ix.opt.TableBytes, int64(ix.opt.TableBytesPerCrime*float64(ix.ds.Located())))
	maxTables := budget / max(per, 1)
	ch := tableChooser{ix: ix, tiles: make([]tileClusters, len(ix.levels))}
	ch.crimes, ch.leafCost = ix.clusterCrimes()
	parallel.Each(len(ix.levels), func(z int) {
		if z > ix.opt.TableZoom {
			ch.tiles[z] = ix.tileClusters(z)
		}
	})
	// The count of tables falls as the bound rises; find about the least
	// bound within the budget, to a thousandth: the bound spans orders of
	// magnitude, so it is halved on a log scale, and every choice is a
	// pass over all the clusters.
	lo, hi := int64(1), int64(1)
	for ch.choose(hi, nil) > maxTables {
		lo, hi = hi, hi*16
	}
	for hi-lo > max(hi>>10, 1) {
		mid := int64(math.Sqrt(float64(lo) * float64(hi)))
		mid = min(max(mid, lo+1), hi-1)
		if ch.choose(mid, nil) > maxTables {
			lo = mid
		} else {
			hi = mid
		}
	}
	type cand struct{ z, i int }
	var cands []cand
	ch.choose(hi, func(z, i int) { cands = append(cands, cand{z, i}) })
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(a.z, b.z); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	for z := range ix.levels {
		lv := &ix.levels[z]
		lv.table = make([]int32, len(lv.first)-1)
		for i := range lv.table {
			lv.table[i] = -1
		}
	}
	ix.allocTables(len(cands))
	rows := ix.tableRows()
	for t, cd := range cands {
		ix.levels[cd.z].table[cd.i] = int32(t)
	}
	// Tables are independent, so they are filled on every core. Dealt out
	// in turn, each core gets its share of the largest clusters, which come
	// first.
	workers := parallel.Cores(len(cands))
	parallel.Run(workers, func(w int) {
		var sc tableScratch
		for t := w; t < len(cands); t += workers {
			ix.fillTable(t, cands[t].z, cands[t].i, rows, &sc)
		}
	})
	ix.markTabledBelow()
}

// clusterCrimes returns the crimes of every cluster by level, and the cost
// of scanning each cluster of the deepest level point by point.
func (ix *Index) clusterCrimes() (crimes [][]uint32, leafCost []int64) {
	zc := len(ix.levels) - 1
	crimes = make([][]uint32, len(ix.levels))
	if zc < 0 {
		return crimes, nil
	}
	lv := &ix.levels[zc]
	n := len(lv.first) - 1
	crimes[zc] = make([]uint32, n)
	leafCost = make([]int64, n)
	for i := range n {
		for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
			n := ix.ds.PointLen(p)
			crimes[zc][i] += uint32(n)
			leafCost[i] += costPoint + costCrime*int64(n)
		}
	}
	for z := zc - 1; z >= 0; z-- {
		ch := ix.levels[z].child
		crimes[z] = make([]uint32, len(ch)-1)
		for i := range crimes[z] {
			for c := ch[i]; c < ch[i+1]; c++ {
				crimes[z][i] += crimes[z+1][c]
			}
		}
	}
	return crimes, leafCost
}

// tileClusters lists the clusters of one level by the tiles of its zoom
// their boxes meet: the clusters of tile k are members[start[k]:start[k+1]].
// Tiles that meet no cluster are left out.
type tileClusters struct {
	start, members []uint32
}

// tileClusters returns the clusters of level z by tile.
func (ix *Index) tileClusters(z int) tileClusters {
	type pair struct {
		tile uint64
		i    uint32
	}
	n := 1 << z
	var pairs []pair
	ix.levels[z].tree.Scan(func(lo, hi [2]float32, i uint32) bool {
		x0, y0, x1, y1 := tileIndex(lo[0], n), tileIndex(lo[1], n), tileIndex(hi[0], n), tileIndex(hi[1], n)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				pairs = append(pairs, pair{uint64(x)<<32 | uint64(y), i})
			}
		}
		return true
	})
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(a.tile, b.tile); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	tc := tileClusters{members: make([]uint32, len(pairs))}
	for k, p := range pairs {
		if k == 0 || p.tile != pairs[k-1].tile {
			tc.start = append(tc.start, uint32(k))
		}
		tc.members[k] = p.i
	}
	tc.start = append(tc.start, uint32(len(pairs)))
	return tc
}

// tileIndex returns the column or row of the tile, of n a side, holding
// world coordinate v.
func tileIndex(v float32, n int) int { return min(max(int(float64(v)*float64(n)), 0), n-1) }

// tableChooser picks the clusters that get tables (see buildTables).
type tableChooser struct {
	ix       *Index
	crimes   [][]uint32 // by level and cluster
	leafCost []int64    // of the deepest level's clusters, scanned
	tiles    []tileClusters
	// Scratch of each choice, by level and cluster.
	cost   [][]int64
	tabled [][]bool
}

// choose picks, from the deepest level up, the clusters that get a table
// when a tile's clusters may cost at most bound, calling take for each
// (when not nil), and returns how many it picked beyond those of the zooms
// up to TableZoom.
func (ch *tableChooser) choose(bound int64, take func(z, i int)) int64 {
	opt := &ch.ix.opt
	if ch.cost == nil {
		ch.cost, ch.tabled = make([][]int64, len(ch.crimes)), make([][]bool, len(ch.crimes))
		for z, c := range ch.crimes {
			ch.cost[z], ch.tabled[z] = make([]int64, len(c)), make([]bool, len(c))
		}
	}
	var below []int64
	var cands []uint32
	var picked int64
	for z := len(ch.ix.levels) - 1; z >= 0; z-- {
		crimes := ch.crimes[z]
		cost, tabled := ch.cost[z], ch.tabled[z]
		clear(cost)
		clear(tabled)
		for i := range cost {
			if below == nil {
				cost[i] = ch.leafCost[i]
			} else {
				kids := ch.ix.levels[z].child
				for c := kids[i]; c < kids[i+1]; c++ {
					cost[i] += below[c]
				}
			}
			if z <= opt.TableZoom && int(crimes[i]) >= opt.MinTableCrimes {
				tabled[i], cost[i] = true, costTable
			}
		}
		tc := &ch.tiles[z]
		for k := 0; k+1 < len(tc.start); k++ {
			in := tc.members[tc.start[k]:tc.start[k+1]]
			var sum int64
			for _, i := range in {
				sum += cost[i]
			}
			if sum <= bound {
				continue
			}
			cands = cands[:0]
			for _, i := range in {
				if !tabled[i] && cost[i] > costTable && int(crimes[i]) >= opt.MinTableCrimes {
					cands = append(cands, i)
				}
			}
			slices.SortFunc(cands, func(a, b uint32) int {
				if c := cmp.Compare(cost[b], cost[a]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			for _, i := range cands {
				if sum <= bound {
					break
				}
				sum -= cost[i] - costTable
				tabled[i], cost[i] = true, costTable
				picked++
			}
		}
		if take != nil {
			for i, t := range tabled {
				if t {
					take(z, i)
				}
			}
		}
		below = cost
	}
	return picked
}

// markTabledBelow notes for each cluster whether a cluster below it has a
// table, so that a count descends only where one does.
func (ix *Index) markTabledBelow() {
	for z := len(ix.levels) - 2; z >= 0; z-- {
		lv, next := &ix.levels[z], &ix.levels[z+1]
		lv.below = make([]bool, len(lv.first)-1)
		for i := range lv.below {
			for c := lv.child[i]; c < lv.child[i+1]; c++ {
				if next.table[c] >= 0 || (next.below != nil && next.below[c]) {
					lv.below[i] = true
					break
				}
			}
		}
	}
}

// tableRows maps months to the rows of the count tables.
type tableRows struct {
	n     int       // rows of a table: one per month and row 0
	first geo.Month // the first month
	// Row of each month, dense from the first month: a map lookup per
	// crime would dominate the build.
	rowOf []int32
}

func (ix *Index) tableRows() tableRows {
	tr := tableRows{n: len(ix.months) + 1}
	if len(ix.months) > 0 {
		tr.first = ix.months[0]
		tr.rowOf = make([]int32, int(ix.months[len(ix.months)-1]-tr.first)+1)
	}
	for i, m := range ix.months {
		tr.rowOf[m-tr.first] = int32(i + 1)
	}
	return tr
}

// allocTables gives the index n empty tables, rows len(months)+1.
func (ix *Index) allocTables(n int) {
	ix.ntab = n
	ix.tabN, ix.tabX, ix.tabY = nil, nil, nil
	ix.addRows(len(ix.months) + 1)
}

// addRows appends k empty rows to the tables. One allocation holds them,
// as a build's rows share one.
func (ix *Index) addRows(k int) {
	w := ix.ntab * ix.ncat
	n, x, y := make([]uint32, k*w), make([]uint64, k*w), make([]uint64, k*w)
	for r := range k {
		ix.tabN = append(ix.tabN, n[r*w:(r+1)*w:(r+1)*w])
		ix.tabX = append(ix.tabX, x[r*w:(r+1)*w:(r+1)*w])
		ix.tabY = append(ix.tabY, y[r*w:(r+1)*w:(r+1)*w])
	}
}

// tableScratch is one table laid out whole, rows after rows, for
// fillTable: counting into it keeps a cluster's updates within a few pages
// where the rows of the index lie far apart.
type tableScratch struct {
	n      []uint32
	sx, sy []uint64
}

// fillTable counts the crimes of cluster i of level z into table t, by way
// of sc (reused from call to call).
func (ix *Index) fillTable(t, z, i int, tr tableRows, sc *tableScratch) {
	ds := ix.ds
	lv := &ix.levels[z]
	size := tr.n * ix.ncat
	if len(sc.n) != size {
		sc.n, sc.sx, sc.sy = make([]uint32, size), make([]uint64, size), make([]uint64, size)
	}
	n, sx, sy := sc.n, sc.sx, sc.sy
	clear(n)
	clear(sx)
	clear(sy)
	// Counts land in row month+1, then rows are accumulated.
	for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
		x, y := ix.fixedAt(p)
		for part := range ds.NumParts() {
			s, e := ds.PartCrimes(part, p)
			cs := ds.PartColumns(part)
			for c := s; c < e; c++ {
				k := int(tr.rowOf[cs.Month(c)-tr.first])*ix.ncat + int(cs.Category(c))
				n[k]++
				sx[k] += x
				sy[k] += y
			}
		}
	}
	off := t * ix.ncat
	for r := range tr.n {
		k := r * ix.ncat
		if r > 0 {
			for c := range ix.ncat {
				n[k+c] += n[k+c-ix.ncat]
				sx[k+c] += sx[k+c-ix.ncat]
				sy[k+c] += sy[k+c-ix.ncat]
			}
		}
		copy(ix.tabN[r][off:off+ix.ncat], n[k:k+ix.ncat])
		copy(ix.tabX[r][off:off+ix.ncat], sx[k:k+ix.ncat])
		copy(ix.tabY[r][off:off+ix.ncat], sy[k:k+ix.ncat])
	}
}

// accumulate makes the rows of table t from r0 on cumulative, each adding
// the one before.
func (ix *Index) accumulate(t, r0 int) {
	lo, hi := t*ix.ncat, (t+1)*ix.ncat
	for r := max(r0, 1); r < len(ix.tabN); r++ {
		n, prevN := ix.tabN[r][lo:hi], ix.tabN[r-1][lo:hi]
		x, prevX := ix.tabX[r][lo:hi], ix.tabX[r-1][lo:hi]
		y, prevY := ix.tabY[r][lo:hi], ix.tabY[r-1][lo:hi]
		for c := range n {
			n[c] += prevN[c]
			x[c] += prevX[c]
			y[c] += prevY[c]
		}
	}
}

func (ix *Index) crimesOf(z, i int) uint32 {
	lv := &ix.levels[z]
	// A cluster's points are not contiguous in the crime table, so count.
	var n uint32
	for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
		n += uint32(ix.ds.PointLen(p))
	}
	return n
}

// agg is a filtered aggregate: counts by category and the count-weighted
// sum of positions. The positions are fixed-point (see fixed), so the sums
// are exact: a cluster's position is the same whether its crimes were
// counted from tables or scanned, and in whatever order.
type agg struct {
	byCat  []uint32
	total  uint32
	sx, sy uint64
}

// fixedBits is the fraction of a world coordinate kept in position sums: a
// position is under 2^fixedBits and a count under 2^32, so a sum of
// positions weighted by counts fits 64 bits, exactly.
const fixedBits = 32

// fixed returns a world coordinate in [0, 1) as a fixed-point integer.
func fixed(v float64) uint64 { return uint64(v * (1 << fixedBits)) }

// fixedAt returns the fixed-point world position of snap point p.
func (ix *Index) fixedAt(p geo.PointID) (x, y uint64) { return fixed(ix.ptX[p]), fixed(ix.ptY[p]) }

// centre returns the count-weighted centre of the aggregate's crimes in
// world coordinates; a.total must not be 0.
func (a *agg) centre() (x, y float64) {
	n := float64(a.total)
	return float64(a.sx) / n / (1 << fixedBits), float64(a.sy) / n / (1 << fixedBits)
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
	x, y := ix.fixedAt(p)
	a.sx += uint64(n) * x
	a.sy += uint64(n) * y
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
	n := uint32(0)
	for i := range q.scans {
		pt := &q.scans[i]
		s, e := ix.ds.PartCrimes(pt.k, p)
		if pt.from != 0 {
			s = ix.seekMonth(&pt.cs, s, e, pt.from)
		}
		if pt.to != 0 {
			e = ix.seekMonth(&pt.cs, s, e, pt.to+1)
		}
		if s < e {
			n += countCats(&pt.cs, a, s, e, pt.cs.Category(s), q)
		}
	}
	a.total += n
	x, y := ix.fixedAt(p)
	a.sx += uint64(n) * x
	a.sy += uint64(n) * y
}

// countCats adds to a.byCat the crimes of [s, e), s < e, whose category
// passes, and returns how many; first is the category of crime s. The
// crimes are of part cs.
func countCats(cs *geo.Columns, a *agg, s, e geo.CrimeID, first geo.Category, q *query) uint32 {
	if q.allCats {
		a.byCat[first]++
		for c := s + 1; c < e; c++ {
			a.byCat[cs.Category(c)]++
		}
		return uint32(e - s)
	}
	n := uint32(0)
	if q.pass[first] {
		a.byCat[first]++
		n++
	}
	for c := s + 1; c < e; c++ {
		if k := cs.Category(c); q.pass[k] {
			a.byCat[k]++
			n++
		}
	}
	return n
}

// seekMonth returns the first crime in [lo, hi) whose month is at least m,
// or hi; a point's crimes are ordered by month. They are of part cs.
func (ix *Index) seekMonth(cs *geo.Columns, lo, hi geo.CrimeID, m geo.Month) geo.CrimeID {
	if lo >= hi {
		return lo
	}
	mlo, mhi := cs.Month(lo), cs.Month(hi-1)
	if mlo >= m || mhi < m {
		return seekFrom(cs, lo, hi, m, mlo, mhi, 0, 0)
	}
	g := ix.guessCrime(lo, hi, m, mlo, mhi)
	return seekFrom(cs, lo, hi, m, mlo, mhi, g, cs.Month(g))
}

// guessCrime returns where month m would start among the crimes [lo, hi)
// of months mlo..mhi, mlo < m <= mhi, were they spread over those months as
// all the crimes are (see monthShares), or evenly without them; crimes grew
// over the years, so an even spread guesses early.
func (ix *Index) guessCrime(lo, hi geo.CrimeID, m, mlo, mhi geo.Month) geo.CrimeID {
	last := hi - 1
	cum := ix.monthCum
	if k := int(mhi-ix.firstMonth) + 1; len(cum) > 0 && mlo >= ix.firstMonth && k < len(cum) {
		b := cum[mlo-ix.firstMonth]
		if den := cum[k] - b; den > 0 {
			return lo + geo.CrimeID(uint64(last-lo)*(cum[m-ix.firstMonth]-b)/den)
		}
	}
	return lo + geo.CrimeID(uint64(last-lo)*uint64(m-mlo)/uint64(mhi-mlo))
}

// monthShares sets monthCum from the tables of zoom 0, whose clusters hold
// every located crime: monthCum[k] counts the crimes before month
// firstMonth+k, from the first month to one past the last. Without tables
// at zoom 0 it stays empty.
func (ix *Index) monthShares() {
	ix.monthCum = nil
	if len(ix.levels) == 0 || len(ix.months) == 0 {
		return
	}
	ix.firstMonth = ix.months[0]
	span := int(ix.months[len(ix.months)-1]-ix.firstMonth) + 1
	rows := len(ix.tabN)
	byRow := make([]uint64, rows)
	for _, t := range ix.levels[0].table {
		if t < 0 {
			return
		}
		for r := range rows {
			for _, n := range ix.tabN[r][int(t)*ix.ncat : int(t+1)*ix.ncat] {
				byRow[r] += uint64(n)
			}
		}
	}
	// Row r counts the months before months[r]; months without crimes
	// take the count of the next month with some.
	cum := make([]uint64, span+1)
	r := 0
	for k := range cum {
		for r < len(ix.months) && int(ix.months[r]-ix.firstMonth) < k {
			r++
		}
		cum[k] = byRow[r]
	}
	ix.monthCum = cum
}

// seekFrom is seekMonth given the months mlo and mhi of the first and last
// crimes of a non-empty [lo, hi), and, when mlo < m <= mhi, the guess g of
// guessCrime and its month mg. Most points lie wholly on one side of a
// range's end, which the first and last crimes show. Else a point's crimes
// are spread fairly evenly over its months, so the search starts at the
// guess and widens from there, touching a cache line or two instead of a
// chain of them across the point.
func seekFrom(cs *geo.Columns, lo, hi geo.CrimeID, m, mlo, mhi geo.Month, g geo.CrimeID, mg geo.Month) geo.CrimeID {
	if lo >= hi || mlo >= m {
		return lo
	}
	if mhi < m {
		return hi
	}
	// The answer b is in (a, b]: month(a) < m <= month(b).
	a, b := lo, hi-1
	if mg < m {
		a = g
		step := geo.CrimeID(1)
		for a+step < b && cs.Month(a+step) < m {
			a += step
			step *= 2
		}
		b = min(b, a+step)
	} else {
		b = g
		step := geo.CrimeID(1)
		for b-step > a && cs.Month(b-step) >= m {
			b -= step
			step *= 2
		}
		if b-step > a {
			a = b - step
		}
	}
	for b-a > 1 {
		mid := a + (b-a)/2
		if cs.Month(mid) < m {
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
	if q.memo != nil && z <= ix.memoDepthZ {
		q.memo.agg(a, z, i, ix.ncat)
		return
	}
	if !q.tables {
		lv := &ix.levels[z]
		ix.addPointsRange(a, int(lv.first[i]), int(lv.first[i+1]), f, q)
		return
	}
	ix.tableAgg(a, z, i, f, q)
}

// tableAgg adds the aggregate of cluster i of level z from its table, or
// else from its children's, down to the points of the deepest level. The
// sums are exact, so they are those of a plain scan of the cluster.
func (ix *Index) tableAgg(a *agg, z, i int, f *geo.Filter, q *query) {
	lv := &ix.levels[z]
	if t := lv.table[i]; t >= 0 {
		ix.addTable(a, int(t), f, q)
		return
	}
	if z+1 == len(ix.levels) || !ix.tabledBelow(z, i) {
		ix.addPointsRange(a, int(lv.first[i]), int(lv.first[i+1]), f, q)
		return
	}
	for c := lv.child[i]; c < lv.child[i+1]; c++ {
		ix.tableAgg(a, z+1, int(c), f, q)
	}
}

// tabledBelow reports whether a cluster of level z has a table among its
// descendants.
func (ix *Index) tabledBelow(z, i int) bool {
	return ix.levels[z].below != nil && ix.levels[z].below[i]
}

// addTable adds the counts and sums of table t over the query's months.
func (ix *Index) addTable(a *agg, t int, f *geo.Filter, q *query) {
	lo, hi := t*ix.ncat, (t+1)*ix.ncat
	nLo, nHi := ix.tabN[q.rowLo][lo:hi], ix.tabN[q.rowHi][lo:hi]
	for c := range nHi {
		if !q.allCats && !f.Categories.Has(c) {
			continue
		}
		n := nHi[c] - nLo[c]
		if n == 0 {
			continue
		}
		a.byCat[c] += n
		a.total += n
		a.sx += ix.tabX[q.rowHi][lo+c] - ix.tabX[q.rowLo][lo+c]
		a.sy += ix.tabY[q.rowHi][lo+c] - ix.tabY[q.rowLo][lo+c]
	}
}

// query holds what a request's filter implies, worked out once per tile.
type query struct {
	tables  bool
	memo    *filterMemo // sums for a filter the tables cannot answer
	allCats bool
	pass    [geo.MaxTerms]bool   // categories passing, when not allCats
	passN   [geo.MaxTerms]uint32 // 1 for a passing category, else 0
	one     int                  // the only passing category, or -1
	// The filter's months, 0 at an end that takes in all the data's months
	// on that side, which no point's crimes need be searched for.
	from, to     geo.Month
	rowLo, rowHi int
	scans        []partScan // the parts holding months of the filter
}

// partMonths returns the query's months for part k of ds: 0 at an end
// that takes in all the part's months, so that a month's part, which a
// long range takes in whole, is not searched point by point.
func (q *query) partMonths(ds *geo.Dataset, k int) (from, to geo.Month) {
	first, last := ds.PartMonths(k)
	from, to = q.from, q.to
	if from <= first {
		from = 0
	}
	if to >= last {
		to = 0
	}
	return from, to
}

func (ix *Index) newQuery(f *geo.Filter) query {
	lo, hi := ix.monthRows(f)
	q := query{
		tables:  tablesAnswer(f),
		allCats: f.Categories.Empty(),
		rowLo:   lo, rowHi: hi,
		one: -1,
	}
	if n := len(ix.months); n > 0 {
		if f.From > ix.months[0] {
			q.from = f.From
		}
		if f.To != 0 && f.To < ix.months[n-1] {
			q.to = f.To
		}
	}
	for k := range ix.ds.NumParts() {
		if ix.ds.PartInFilter(k, f) {
			from, to := q.partMonths(ix.ds, k)
			q.scans = append(q.scans, partScan{k, ix.ds.PartColumns(k), from, to, ix.runs[k]})
		}
	}
	passing := 0
	for c := range q.pass {
		q.pass[c] = f.Categories.Has(c)
		if q.pass[c] {
			q.passN[c] = 1
			q.one = c
			passing++
		}
	}
	if q.allCats || passing != 1 {
		q.one = -1
	}
	return q
}
