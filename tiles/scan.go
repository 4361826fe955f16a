package tiles

import "crimemap/geo"

// scanBatch is how many points a cluster's scan takes at a time.
const scanBatch = 32

// addPointsRange adds the crimes of the points perm[lo:hi], as
// addPointRange does one by one, with the same sums. The crimes of a
// cluster's points lie far apart in the crime table, so each step of a
// point's count waits on memory: its range, the months at its ends, the
// month near the range's start, its categories. Taken one point at a time
// those waits add up, and they were most of a filtered long-range tile's
// time. Here each step is taken for a batch of points before the next, so
// that the batch's loads are independent and wait together.
func (ix *Index) addPointsRange(a *agg, lo, hi int, f *geo.Filter, q *query) {
	if !q.tables {
		for _, p := range ix.perm[lo:hi] {
			ix.addPoint(a, p, f)
		}
		return
	}
	var h catHist
	ix.scanParts(a, &h, lo, hi, q)
	for c := range ix.ncat {
		if q.allCats || q.pass[c] {
			a.byCat[c] += h[0][c] + h[1][c] + h[2][c] + h[3][c]
		}
	}
}

// scanParts counts into h the crimes of the points perm[lo:hi] in the
// parts the query takes, and adds their totals and position sums to a.
// Parts with runs are walked run by run (see scanRuns); each batch of
// points is taken through every other part before the next, so that a
// point's position is loaded once however many such parts there are.
func (ix *Index) scanParts(a *agg, h *catHist, lo, hi int, q *query) {
	dense := 0
	for i := range q.scans {
		if pt := &q.scans[i]; pt.runs != nil {
			ix.scanRuns(a, h, pt, lo, hi, q)
		} else {
			dense++
		}
	}
	if dense == 0 {
		return
	}
	var s, e [scanBatch]geo.CrimeID
	var x, y [scanBatch]uint64
	var n [scanBatch]uint32
	var first [scanBatch]geo.Category
	for ; lo < hi; lo += scanBatch {
		b := ix.perm[lo:min(hi, lo+scanBatch)]
		xy := ix.permXY[2*lo : 2*(lo+len(b))]
		for j := range b {
			x[j], y[j] = uint64(xy[2*j]), uint64(xy[2*j+1])
			n[j] = 0
		}
		for i := range q.scans {
			pt := &q.scans[i]
			if pt.runs != nil {
				continue
			}
			ix.batchSpans(pt, b, &s, &e, &first)
			for j := range b {
				if s[j] < e[j] {
					n[j] += histCats(&pt.cs, h, s[j], e[j], first[j], q)
				}
			}
		}
		for j := range b {
			a.total += n[j]
			a.sx += uint64(n[j]) * x[j]
			a.sy += uint64(n[j]) * y[j]
		}
	}
}

// scanRuns counts into h the crimes of the points perm[lo:hi] in part pt,
// which has runs, and adds their totals and position sums to a. A month
// appended to a long history holds crimes at a third of the points or so;
// reading its range at every point of a cluster was a second random load
// per point, where the runs are read in a row and only where the part has
// crimes (6-9% off a long-range tile's p50 at 90M).
func (ix *Index) scanRuns(a *agg, h *catHist, pt *partScan, lo, hi int, q *query) {
	l := pt.runs
	var s, e [scanBatch]geo.CrimeID
	var first [scanBatch]geo.Category
	for k := l.from(lo); k < len(l.runs) && int(l.runs[k].at) < hi; {
		n := 0
		for ; n < scanBatch && k+n < len(l.runs) && int(l.runs[k+n].at) < hi; n++ {
			s[n], e[n] = l.runs[k+n].start, l.runs[k+n].end
		}
		b := l.runs[k : k+n]
		k += n
		ix.narrowSpans(pt, n, &s, &e, &first)
		for j, r := range b {
			if s[j] < e[j] {
				c := histCats(&pt.cs, h, s[j], e[j], first[j], q)
				a.total += c
				a.sx += uint64(c) * uint64(ix.permXY[2*r.at])
				a.sy += uint64(c) * uint64(ix.permXY[2*r.at+1])
			}
		}
	}
}

// eachPointAgg calls fn with the aggregate of each point of pts, in order,
// as addPointRange gives it. Where the tables answer the filter, the
// points are counted a batch at a time, as a cluster's are (see
// addPointsRange): a point tile holds up to thousands of them. a is reused
// from call to call.
func (ix *Index) eachPointAgg(pts []geo.PointID, f *geo.Filter, q *query, fn func(p geo.PointID, a *agg)) {
	var a agg
	if !q.tables {
		for _, p := range pts {
			a.reset(ix.ncat)
			ix.addPoint(&a, p, f)
			fn(p, &a)
		}
		return
	}
	var s, e [scanBatch]geo.CrimeID
	var aggs [scanBatch]agg
	var first [scanBatch]geo.Category
	for len(pts) > 0 {
		b := pts[:min(len(pts), scanBatch)]
		pts = pts[len(b):]
		for j := range b {
			aggs[j].reset(ix.ncat)
		}
		for i := range q.scans {
			pt := &q.scans[i]
			ix.batchSpans(pt, b, &s, &e, &first)
			for j := range b {
				if s[j] < e[j] {
					aggs[j].total += countCats(&pt.cs, &aggs[j], s[j], e[j], first[j], q)
				}
			}
		}
		for j, p := range b {
			x, y := ix.fixedAt(p)
			aggs[j].sx, aggs[j].sy = uint64(aggs[j].total)*x, uint64(aggs[j].total)*y
			fn(p, &aggs[j])
		}
	}
}

// batchSpans sets s[j], e[j] to the crimes of point b[j] in part pt
// within the query's months, and first[j] to the type of crime s[j] where
// there are any; each step is taken for the whole batch before the next.
func (ix *Index) batchSpans(pt *partScan, b []geo.PointID, s, e *[scanBatch]geo.CrimeID, first *[scanBatch]geo.Category) {
	for j, p := range b {
		s[j], e[j] = ix.ds.PartCrimes(pt.k, p)
	}
	ix.narrowSpans(pt, len(b), s, e, first)
}

// narrowSpans narrows the first n spans s[j], e[j] of part pt to the
// query's months, and sets first[j] to the type of crime s[j] where there
// are any.
func (ix *Index) narrowSpans(pt *partScan, n int, s, e *[scanBatch]geo.CrimeID, first *[scanBatch]geo.Category) {
	if pt.from != 0 {
		ix.seekMonths(&pt.cs, s[:n], e[:n], pt.from, s[:n])
	}
	if pt.to != 0 {
		ix.seekMonths(&pt.cs, s[:n], e[:n], pt.to+1, e[:n])
	}
	for j := range n {
		if s[j] < e[j] {
			first[j] = pt.cs.Category(s[j])
		}
	}
}

// partScan is a part a query takes, with its columns and the months to
// search its points' crimes for (see query.partMonths).
type partScan struct {
	k        int
	cs       geo.Columns
	from, to geo.Month
	runs     *runList // the index's runs of the part, or nil
}

// runList holds the runs of a part: each point of the index's perm with
// crimes in the part, in perm order, with its position in perm and its
// crimes there; and, for each block of runBlock positions of perm, the
// first run at or after the block's start, so that a cluster's runs are
// found without a search.
type runList struct {
	runs []permRun
	dir  []uint32
}

type permRun struct {
	at         uint32
	start, end geo.CrimeID
}

const runBlock = 64

// from returns the index of the first run at perm position i or after.
func (l *runList) from(i int) int {
	k := int(l.dir[i/runBlock])
	for k < len(l.runs) && int(l.runs[k].at) < i {
		k++
	}
	return k
}

// runsShare is the share of the points below which a part's crimes are
// held as runs. A run costs 12 bytes: over a part with crimes at most
// points they save a few percent for more memory than the part's own
// per-point starts (runs for the one-part history took 5-8% off a tile's
// p50 for 9.9 MB, past the resident budget).
const runsShare = 0.5

// partRuns sets ix.runs: for each part of the dataset with crimes at fewer
// than share of the points, its runs.
func (ix *Index) partRuns(share float64) {
	ix.runs = make([]*runList, ix.ds.NumParts())
	for k := range ix.runs {
		n := 0
		for _, p := range ix.perm {
			if s, e := ix.ds.PartCrimes(k, p); s < e {
				n++
			}
		}
		if float64(n) >= share*float64(len(ix.perm)) {
			continue
		}
		l := &runList{runs: make([]permRun, 0, n), dir: make([]uint32, len(ix.perm)/runBlock+1)}
		for i, p := range ix.perm {
			if i%runBlock == 0 {
				l.dir[i/runBlock] = uint32(len(l.runs))
			}
			if s, e := ix.ds.PartCrimes(k, p); s < e {
				l.runs = append(l.runs, permRun{uint32(i), s, e})
			}
		}
		if len(ix.perm)%runBlock == 0 {
			l.dir[len(l.dir)-1] = uint32(len(l.runs))
		}
		ix.runs[k] = l
	}
}

// catHist counts crimes by category in four histograms taken in turn, so
// that a run of crimes of one category, common at a point, does not wait
// on the count it has just raised.
type catHist [4][geo.MaxTerms]uint32

// histCats counts every crime of [s, e), s < e, into h by category, and
// returns how many pass q; first is the category of crime s. Only the
// passing categories of h are read afterwards, so where one category
// passes, only its count is kept. The crimes are of part cs.
func histCats(cs *geo.Columns, h *catHist, s, e geo.CrimeID, first geo.Category, q *query) uint32 {
	c := s + 1
	if q.one >= 0 {
		n := q.passN[first]
		for ; c+4 <= e; c += 4 {
			n += q.passN[cs.Category(c)] + q.passN[cs.Category(c+1)] + q.passN[cs.Category(c+2)] + q.passN[cs.Category(c+3)]
		}
		for ; c < e; c++ {
			n += q.passN[cs.Category(c)]
		}
		h[0][q.one] += n
		return n
	}
	h[0][first]++
	if q.allCats {
		for ; c+4 <= e; c += 4 {
			h[1][cs.Category(c)]++
			h[2][cs.Category(c+1)]++
			h[3][cs.Category(c+2)]++
			h[0][cs.Category(c+3)]++
		}
		for ; c < e; c++ {
			h[1][cs.Category(c)]++
		}
		return uint32(e - s)
	}
	n := q.passN[first]
	for ; c+4 <= e; c += 4 {
		k0, k1, k2, k3 := cs.Category(c), cs.Category(c+1), cs.Category(c+2), cs.Category(c+3)
		h[1][k0]++
		h[2][k1]++
		h[3][k2]++
		h[0][k3]++
		n += q.passN[k0] + q.passN[k1] + q.passN[k2] + q.passN[k3]
	}
	for ; c < e; c++ {
		k := cs.Category(c)
		h[1][k]++
		n += q.passN[k]
	}
	return n
}

// seekMonths sets out[j] to seekMonth(lo[j], hi[j], m) for a batch of at
// most scanBatch spans of part cs, loading each step's months for the
// whole batch before the next step. out may be lo or hi.
func (ix *Index) seekMonths(cs *geo.Columns, lo, hi []geo.CrimeID, m geo.Month, out []geo.CrimeID) {
	var mlo, mhi, mg [scanBatch]geo.Month
	var g [scanBatch]geo.CrimeID
	n := len(lo)
	for j := range n {
		if lo[j] < hi[j] {
			mlo[j], mhi[j] = cs.Month(lo[j]), cs.Month(hi[j]-1)
		}
	}
	for j := range n {
		if lo[j] < hi[j] && mlo[j] < m && mhi[j] >= m {
			g[j] = ix.guessCrime(lo[j], hi[j], m, mlo[j], mhi[j])
			mg[j] = cs.Month(g[j])
		}
	}
	for j := range n {
		out[j] = seekFrom(cs, lo[j], hi[j], m, mlo[j], mhi[j], g[j], mg[j])
	}
}
