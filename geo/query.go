package geo

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"crimemap/internal/parallel"
)

// SearchBound calls fn for every snap point inside the box (edges included)
// until fn returns false. The R-tree holds groups of points in float32
// boxes rounded outward, and each point of a group is checked in float64.
func (d *Dataset) SearchBound(b orb.Bound, fn func(PointID) bool) {
	lo, hi := Bound32(b)
	d.tree.Search(lo, hi, func(_, _ [2]float32, g uint32) bool {
		p0, p1 := d.group(g)
		for p := p0; p < p1; p++ {
			lon, lat := d.ptLon[p], d.ptLat[p]
			if lon < b.Min[0] || lon > b.Max[0] || lat < b.Min[1] || lat > b.Max[1] {
				continue
			}
			if !fn(PointID(p)) {
				return false
			}
		}
		return true
	})
}

// boxClassifier is an Area that can tell, for some boxes, that every point
// of the box is inside it or every point outside, so a scan need not test
// the box's points one by one.
type boxClassifier interface {
	classifyBox(b orb.Bound) (in, decided bool)
}

// checkEvery and checkEveryPoint are how many R-tree entries, or points
// of the whole table, a scan visits between looks at its context: often
// enough to stop within milliseconds, rarely enough to cost nothing
// measurable.
const (
	checkEvery      = 16
	checkEveryPoint = 8192
)

// scanArea calls fn for every snap point of the area a inside the box sb
// (edges included) until fn returns false. It stops when ctx ends and then
// returns ctx's error.
func (d *Dataset) scanArea(ctx context.Context, a Area, sb orb.Bound, fn func(PointID) bool) error {
	done := ctx.Done()
	cl, _ := a.(boxClassifier)
	lo, hi := Bound32(sb)
	var err error
	n := 0
	d.tree.Search(lo, hi, func(min, max [2]float32, g uint32) bool {
		// The first entry looks too, so a context that has already ended
		// stops even a small scan.
		if n%checkEvery == 0 {
			select {
			case <-done:
				err = ctx.Err()
				return false
			default:
			}
		}
		n++
		test := true
		if cl != nil {
			gb := orb.Bound{Min: orb.Point{float64(min[0]), float64(min[1])}, Max: orb.Point{float64(max[0]), float64(max[1])}}
			if in, ok := cl.classifyBox(gb); ok {
				if !in {
					return true
				}
				test = false
			}
		}
		p0, p1 := d.group(g)
		for p := p0; p < p1; p++ {
			lon, lat := d.ptLon[p], d.ptLat[p]
			if lon < sb.Min[0] || lon > sb.Max[0] || lat < sb.Min[1] || lat > sb.Max[1] {
				continue
			}
			if test && !a.Contains(lon, lat) {
				continue
			}
			if !fn(PointID(p)) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("geo: area scan stopped: %w", err)
	}
	return nil
}

// scanAll calls fn for the points lo..hi-1 until fn returns false, stopping
// with ctx's error when ctx ends.
func scanAll(ctx context.Context, lo, hi int, fn func(PointID) bool) error {
	done := ctx.Done()
	for p := lo; p < hi; p++ {
		if (p-lo)%checkEveryPoint == 0 {
			select {
			case <-done:
				return fmt.Errorf("geo: scan stopped: %w", ctx.Err())
			default:
			}
		}
		if !fn(PointID(p)) {
			return nil
		}
	}
	return nil
}

// scan calls fn for every snap point in the area (nil for all) until fn
// returns false, or until ctx ends, when it returns ctx's error.
func (d *Dataset) scan(ctx context.Context, a Area, fn func(PointID) bool) error {
	if a == nil {
		return scanAll(ctx, 0, len(d.ptLon), fn)
	}
	return d.scanArea(ctx, a, a.Bound(), fn)
}

// PointsIn yields the snap points inside the area, in no particular order.
// A nil area yields every point. It stops early when ctx ends: a caller
// that needs every point checks ctx.Err() after the loop.
func (d *Dataset) PointsIn(ctx context.Context, a Area) iter.Seq[PointID] {
	return func(yield func(PointID) bool) {
		_ = d.scan(ctx, a, yield)
	}
}

// SortedPointsIn returns the snap points inside the area in PointID order,
// the order of the crime table, or ctx's error if ctx ends first.
func (d *Dataset) SortedPointsIn(ctx context.Context, a Area) ([]PointID, error) {
	var ps []PointID
	if err := d.scan(ctx, a, func(p PointID) bool {
		ps = append(ps, p)
		return true
	}); err != nil {
		return nil, err
	}
	slices.Sort(ps)
	return ps, nil
}

// CrimesIn yields the located crimes inside the area that pass the filter,
// with their snap point, grouped by point in no particular order. Like
// PointsIn it stops early when ctx ends.
func (d *Dataset) CrimesIn(ctx context.Context, a Area, f *Filter) iter.Seq2[PointID, CrimeID] {
	return func(yield func(PointID, CrimeID) bool) {
		for p := range d.PointsIn(ctx, a) {
			if !d.PointMatches(p, f, func(c CrimeID) bool { return yield(p, c) }) {
				return
			}
		}
	}
}

// NoLocation yields the crimes without a location that pass the filter:
// the last crimes of each part, part by part.
func (d *Dataset) NoLocation(f *Filter) iter.Seq[CrimeID] {
	return func(yield func(CrimeID) bool) {
		r := d.monthRangeOf(f)
		for _, pt := range d.partsIn(r) {
			for i := pt.located(); int(i) < len(pt.month); i++ {
				if m := int(pt.month[i]); m >= r.lo && m < r.hi && pt.matchTerms(i, f) && !yield(CrimeID(pt.lo+i)) {
					return
				}
			}
		}
	}
}

// Page is one page of a listing in listing order: by point, then by month
// (the order of PointMatches).
type Page struct {
	Crimes []CrimeID
	Points []PointID // the point of each crime
	// Next is the cursor of the following page: pass it as after. It is only
	// meaningful when More is true.
	Next int64
	More bool
}

// listingKey is a crime's place in listing order, point<<32 | rank among
// the point's crimes: unlike its CrimeID it does not depend on how the
// crime table is cut into parts, so a cursor means the same crime in a
// dataset built in one piece and in one built month by month.
func listingKey(p PointID, rank uint32) int64 { return int64(p)<<32 | int64(rank) }

// PageIn lists up to limit crimes inside the area that pass the filter, in
// listing order, starting after the crime whose listing key is `after`
// (use -1 for the first page). Pages are stable for one dataset version.
// It returns ctx's error if ctx ends first.
func (d *Dataset) PageIn(ctx context.Context, a Area, f *Filter, after int64, limit int) (Page, error) {
	var pg Page
	r := d.monthRangeOf(f)
	free := f.termsFree()
	// visit lists the point's crimes after the cursor; the rank counts
	// every crime of the point, filtered or not, so that it is the same
	// under every filter.
	visit := func(p PointID) bool {
		rank := uint32(0)
		for _, pt := range d.parts {
			if int(p) >= pt.points() {
				continue
			}
			s0 := pt.ptStart[p]
			s, e := pt.span(p, r)
			for i := s; i < e; i++ {
				key := listingKey(p, rank+i-s0)
				if key <= after || !free && !pt.matchTerms(i, f) {
					continue
				}
				if len(pg.Crimes) == limit {
					pg.More = true
					return false
				}
				pg.Crimes = append(pg.Crimes, CrimeID(pt.lo+i))
				pg.Points = append(pg.Points, p)
				pg.Next = key
			}
			rank += pt.ptStart[p+1] - s0
		}
		return true
	}
	// Points before the cursor's have nothing after it.
	from := PointID(max(after, 0) >> 32)
	if a == nil {
		// Every point is in the area and PointID order is the listing's,
		// so the page starts at the cursor's point without listing or
		// sorting the whole table's points.
		if err := scanAll(ctx, int(from), len(d.ptLon), visit); err != nil {
			return Page{}, err
		}
	} else {
		ps, err := d.SortedPointsIn(ctx, a)
		if err != nil {
			return pg, err
		}
		i, _ := slices.BinarySearch(ps, from)
		for _, p := range ps[i:] {
			if !visit(p) {
				break
			}
		}
	}
	return pg, nil
}

// Nearest returns the snap point closest to a lon/lat point by great-circle
// distance, or false for an empty dataset.
func (d *Dataset) Nearest(lon, lat float64) (PointID, bool) {
	if len(d.ptLon) == 0 {
		return 0, false
	}
	// The R-tree orders its groups by a planar distance with longitude
	// scaled to the latitude: a good order, not an exact one, so the
	// nearestCandidates points nearest by that distance are re-ranked on
	// the sphere. A group's box is no farther than any of its points, so
	// once a box lies beyond the farthest candidate none of its points
	// can be one.
	k := math.Cos(lat * math.Pi / 180)
	planar := func(minX, minY, maxX, maxY float64) float64 {
		dx := math.Max(0, math.Max(minX-lon, lon-maxX)) * k
		dy := math.Max(0, math.Max(minY-lat, lat-maxY))
		return dx*dx + dy*dy
	}
	type cand struct {
		dist float64
		p    PointID
	}
	var cands [nearestCandidates]cand // nearest first
	n := 0
	d.tree.Nearby(func(min, max [2]float32, _ uint32, _ bool) float64 {
		return planar(float64(min[0]), float64(min[1]), float64(max[0]), float64(max[1]))
	}, func(_, _ [2]float32, g uint32, dist float64) bool {
		if n == len(cands) && dist > cands[n-1].dist {
			return false
		}
		p0, p1 := d.group(g)
		for p := p0; p < p1; p++ {
			x, y := d.ptLon[p], d.ptLat[p]
			c := cand{planar(x, y, x, y), PointID(p)}
			if n == len(cands) {
				if c.dist >= cands[n-1].dist {
					continue
				}
				n--
			}
			i := n
			for ; i > 0 && cands[i-1].dist > c.dist; i-- {
				cands[i] = cands[i-1]
			}
			cands[i] = c
			n++
		}
		return true
	})
	best, bestD := PointID(0), math.Inf(1)
	for _, c := range cands[:n] {
		dist := Distance(lon, lat, d.ptLon[c.p], d.ptLat[c.p])
		if dist < bestD || (dist == bestD && c.p < best) {
			best, bestD = c.p, dist
		}
	}
	return best, true
}

// nearestCandidates is how many points Nearest re-ranks on the sphere.
const nearestCandidates = 16

// Counts holds crime counts by category and month for an area and filter.
type Counts struct {
	Total int
	// Months are the columns: every dataset month inside the filter's range.
	Months []Month
	// NumCategories is the number of rows: the dataset's category count.
	NumCategories int
	cells         []int // NumCategories x len(Months), row-major
}

// At returns the count for category c in column m (an index into Months).
func (k *Counts) At(c Category, m int) int { return k.cells[int(c)*len(k.Months)+m] }

// ByCategory returns the count for category c over all months.
func (k *Counts) ByCategory(c Category) int {
	n := 0
	for _, v := range k.cells[int(c)*len(k.Months) : (int(c)+1)*len(k.Months)] {
		n += v
	}
	return n
}

// ByMonth returns the count for column m over all categories.
func (k *Counts) ByMonth(m int) int {
	n := 0
	for c := 0; c < k.NumCategories; c++ {
		n += k.cells[c*len(k.Months)+m]
	}
	return n
}

// Count counts the crimes inside the area that pass the filter, by category
// and month. A nil area counts every crime, located or not. It returns ctx's
// error if ctx ends first.
func (d *Dataset) Count(ctx context.Context, a Area, f *Filter) (Counts, error) {
	k := d.newCounts(f)
	if len(k.Months) == 0 {
		return k, nil
	}
	// k.Months is a run of the dataset's months, so a crime's month index
	// less the run's first is its column.
	first, span := d.monthIndex(k.Months[0]), len(k.Months)
	dense := k.cells
	// A circle's cells that lie wholly inside it are read from the
	// precomputed counts, and their points are skipped below.
	scanned, byCrime := a, func(PointID) bool { return true }
	if c, ok := a.(*Circle); ok && f.Forces.Empty() && f.Outcomes.Empty() {
		if cc := d.circleCells(c); cc != nil {
			defer cc.release()
			cc.count(f, dense, k.Months, span)
			scanned, byCrime = cc, cc.byCrime
		}
	}
	r := d.monthRangeOf(f)
	parts := d.partsIn(r)
	free := f.termsFree()
	tally := func(dense []int, p PointID) {
		if !byCrime(p) {
			return
		}
		for _, pt := range parts {
			s, e := pt.span(p, r)
			months, cats := pt.month[s:e], pt.cat[s:e]
			if free {
				// The common case reads two columns in a tight loop.
				for i, c := range cats {
					dense[int(c)*span+int(months[i])-first]++
				}
				continue
			}
			for i := s; i < e; i++ {
				if pt.matchTerms(i, f) {
					dense[int(pt.cat[i])*span+int(pt.month[i])-first]++
				}
			}
		}
	}
	if b := areaBound(a); a != nil && b.Max[0]-b.Min[0] > parallelWidth && parallel.Cores(2) > 1 {
		// A wide area is counted in two halves at once, split at a
		// meridian: west of it on one core, the rest on another.
		mid := (b.Min[0] + b.Max[0]) / 2
		// half counts into into the points of the area on one side of mid,
		// searching bnd; a point on the meridian counts in the east.
		half := func(into []int, bnd orb.Bound, west bool) error {
			return d.scanArea(ctx, scanned, bnd, func(p PointID) bool {
				if (d.ptLon[p] < mid) == west {
					tally(into, p)
				}
				return true
			})
		}
		west := make([]int, len(dense))
		counts := [2][]int{west, dense}
		bounds := [2]orb.Bound{{Min: b.Min, Max: orb.Point{mid, b.Max[1]}}, {Min: orb.Point{mid, b.Min[1]}, Max: b.Max}}
		var errs [2]error
		parallel.Run(2, func(h int) { errs[h] = half(counts[h], bounds[h], h == 0) })
		if err := cmp.Or(errs[:]...); err != nil {
			return k, err
		}
		for i, v := range west {
			dense[i] += v
		}
	} else if err := d.scan(ctx, scanned, func(p PointID) bool {
		tally(dense, p)
		return true
	}); err != nil {
		return k, err
	}
	if a == nil {
		for c := range d.NoLocation(f) {
			pt, i := d.at(c)
			dense[int(pt.cat[i])*span+int(pt.month[i])-first]++
		}
	}
	for _, v := range k.cells {
		k.Total += v
	}
	return k, nil
}

// parallelWidth is the width in degrees of longitude (about 3.5 km in
// Britain) above which Count splits its area across two cores.
const parallelWidth = 0.05

func areaBound(a Area) orb.Bound {
	if a == nil {
		return orb.Bound{}
	}
	return a.Bound()
}

func (d *Dataset) newCounts(f *Filter) Counts {
	var ms []Month
	for _, m := range d.months {
		if (f.From == 0 || m >= f.From) && (f.To == 0 || m <= f.To) {
			ms = append(ms, m)
		}
	}
	nc := d.categories.Len()
	return Counts{Months: ms, NumCategories: nc, cells: make([]int, nc*len(ms))}
}
