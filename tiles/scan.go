package tiles

import "crimemap/geo"

// scanBatch is how many points a cluster's scan takes at a time.
const scanBatch = 32

// addPointsRange adds the crimes of the points pts, as addPointRange does
// one by one, with the same sums. The crimes of a
// cluster's points lie far apart in the crime table, so each step of a
// point's count waits on memory: its range, the months at its ends, the
// month near the range's start, its categories. Taken one point at a time
// those waits add up, and they were most of a filtered long-range tile's
// time. Here each step is taken for a batch of points before the next, so
// that the batch's loads are independent and wait together.
func (ix *Index) addPointsRange(a *agg, pts []geo.PointID, f *geo.Filter, q *query) {
	if !q.tables {
		for _, p := range pts {
			ix.addPoint(a, p, f)
		}
		return
	}
	var h catHist
	for part := range ix.ds.NumParts() {
		if q.inPart[part] {
			ix.scanPart(a, &h, part, pts, q)
		}
	}
	for c := range ix.ncat {
		if q.allCats || q.pass[c] {
			a.byCat[c] += h[0][c] + h[1][c] + h[2][c] + h[3][c]
		}
	}
}

// scanPart counts into h the crimes of part k at the points pts, and adds
// their totals and position sums to a.
func (ix *Index) scanPart(a *agg, h *catHist, k int, pts []geo.PointID, q *query) {
	ds := ix.ds
	cs := ds.PartColumns(k)
	from, to := q.partMonths(ds, k)
	var s, e [scanBatch]geo.CrimeID
	var x, y [scanBatch]uint64
	var first [scanBatch]geo.Category
	for len(pts) > 0 {
		b := pts[:min(len(pts), scanBatch)]
		pts = pts[len(b):]
		for j, p := range b {
			s[j], e[j] = ds.PartCrimes(k, p)
			x[j], y[j] = ix.fixedAt(p)
		}
		n := len(b)
		if from != 0 {
			ix.seekMonths(&cs, s[:n], e[:n], from, s[:n])
		}
		if to != 0 {
			ix.seekMonths(&cs, s[:n], e[:n], to+1, e[:n])
		}
		for j := range n {
			if s[j] < e[j] {
				first[j] = cs.Category(s[j])
			}
		}
		for j := range n {
			if s[j] >= e[j] {
				continue
			}
			c := histCats(&cs, h, s[j], e[j], first[j], q)
			a.total += c
			a.sx += uint64(c) * x[j]
			a.sy += uint64(c) * y[j]
		}
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
