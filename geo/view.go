package geo

import (
	"cmp"
	"math/bits"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// View is where a map of the dataset opens: a period most forces have
// published, and the area where its crimes are.
type View struct {
	// From and To are the last ViewMonths months up to the latest month
	// that most forces' data reaches, so one force publishing early, or
	// late, does not decide it.
	From, To Month
	// Bounds holds the middle of the located crimes: from the
	// ViewPercentile-th to the (100-ViewPercentile)-th percentile of their
	// longitudes and latitudes, so stray points far off do not widen it.
	Bounds orb.Bound
}

const (
	ViewMonths     = 12
	ViewPercentile = 1
)

// DefaultView computes the dataset's View; zero for an empty dataset.
func (d *Dataset) DefaultView() View {
	var v View
	if len(d.months) == 0 {
		return v
	}
	v.To = d.mostForcesLatest()
	v.From = max(d.months[0], v.To-ViewMonths+1)
	if v.To < ViewMonths {
		v.From = d.months[0]
	}
	v.Bounds = d.robustBounds()
	return v
}

// mostForcesLatest returns the latest month that at least half of the
// forces cover, a force covering a month where it has at least
// 1/LatestShare of its busiest month's crimes; where no month is covered by
// half (forces loaded for different years), the latest month covered by as
// many forces as any.
func (d *Dataset) mostForcesLatest() Month {
	lo, counts := d.ForceMonthCounts()
	span := int(d.months[len(d.months)-1]-lo) + 1
	covering := make([]int, span)
	forces := 0
	for _, byMonth := range counts {
		if byMonth == nil {
			continue
		}
		forces++
		busiest := slices.Max(byMonth)
		for i, n := range byMonth {
			if n*LatestShare >= busiest {
				covering[i]++
			}
		}
	}
	need := min((forces+1)/2, slices.Max(covering))
	for i := span - 1; i >= 0; i-- {
		if covering[i] >= need {
			return lo + Month(i)
		}
	}
	return d.latest
}

// robustBounds returns the box between the ViewPercentile-th percentiles of
// the located crimes' longitudes and latitudes, each snap point weighted by
// its crimes.
func (d *Dataset) robustBounds() orb.Bound {
	n := d.NumPoints()
	if n == 0 || d.Located() == 0 {
		return d.bound
	}
	w := make([]uint64, n)
	var total uint64 // d.Located(), as the points' crimes add up
	for p := range n {
		w[p] = uint64(d.PointLen(PointID(p)))
		total += w[p]
	}
	cut := total * ViewPercentile / 100
	s := make([]weighted, n)
	axis := func(vals []float64) (lo, hi float64) {
		for p := range n {
			s[p] = weighted{vals[p], w[p]}
		}
		// The first call reorders s, which the second takes as it is.
		return leastReaching(s, cut+1), leastReaching(s, total-cut)
	}
	minLon, maxLon := axis(d.ptLon)
	minLat, maxLat := axis(d.ptLat)
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}
}

// weighted is a value with a weight.
type weighted struct {
	v float64
	w uint64
}

// leastReaching returns the least value v of s whose weight and that of
// the values below it add up to need, which must be at least 1 and at
// most s's weight: a weighted quantile. It selects rather than sorts, in
// expected linear time, and reorders s: the map's default view takes two
// quantiles of every snap point's coordinates on each new dataset, and
// sorting 800,000 points twice took a quarter of a second. Partitions
// that keep missing the middle would make it quadratic: past a bound on
// the rounds, the rest is sorted instead.
func leastReaching(s []weighted, need uint64) float64 {
	return leastReachingWithin(s, need, 2*bits.Len(uint(len(s)))+8)
}

// leastReachingWithin is leastReaching, sorting what is left after rounds
// partitions.
func leastReachingWithin(s []weighted, need uint64, rounds int) float64 {
	for ; ; rounds-- {
		if rounds <= 0 {
			slices.SortFunc(s, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
			for _, x := range s {
				if x.w >= need {
					return x.v
				}
				need -= x.w
			}
			return s[len(s)-1].v
		}
		// The median of three guards against runs sorted either way.
		a, b, c := s[0].v, s[len(s)/2].v, s[len(s)-1].v
		pivot := max(min(a, b), min(max(a, b), c))
		// Three ways: below the pivot, equal to it, above it.
		lt, i, gt := 0, 0, len(s)
		var below, equal uint64
		for i < gt {
			switch x := s[i]; {
			case x.v < pivot:
				below += x.w
				s[lt], s[i] = x, s[lt]
				lt++
				i++
			case x.v > pivot:
				gt--
				s[i], s[gt] = s[gt], x
			default:
				equal += x.w
				i++
			}
		}
		switch {
		case need <= below:
			s = s[:lt]
		case need <= below+equal:
			return pivot
		default:
			need -= below + equal
			s = s[gt:]
		}
	}
}

// forceMonths counts a part's crimes by force and month: by force, the
// counts by the part's months (index in the dataset's months less the
// part's first), nil for a force without crimes in the part. They are
// counted once, on first use, and shared by every dataset the part is in.
type forceMonths struct {
	once sync.Once
	n    [][]int
}

func (pt *tablePart) forceMonthCounts() [][]int {
	count := func() [][]int {
		var n [][]int
		for c, f := range pt.force {
			if int(f) >= len(n) {
				n = append(n, make([][]int, int(f)+1-len(n))...)
			}
			if n[f] == nil {
				n[f] = make([]int, pt.mLast-pt.mFirst+1)
			}
			n[f][int(pt.month[c])-pt.mFirst]++
		}
		return n
	}
	if pt.byForceMonth == nil {
		return count()
	}
	pt.byForceMonth.once.Do(func() { pt.byForceMonth.n = count() })
	return pt.byForceMonth.n
}

// ForceMonthCounts returns the crimes of each force by month: by force,
// the counts of every month from first, the earliest of Months, to the
// latest, months without crimes included; nil for a force without crimes.
// Each part is counted once, so a dataset extended by a month counts that
// month alone.
func (d *Dataset) ForceMonthCounts() (first Month, counts [][]int) {
	counts = make([][]int, d.forces.Len())
	if len(d.months) == 0 {
		return 0, counts
	}
	first = d.months[0]
	span := int(d.months[len(d.months)-1]-first) + 1
	for _, pt := range d.parts {
		for f, byMonth := range pt.forceMonthCounts() {
			if byMonth == nil {
				continue
			}
			if counts[f] == nil {
				counts[f] = make([]int, span)
			}
			for i, n := range byMonth {
				counts[f][d.months[pt.mFirst+i]-first] += n
			}
		}
	}
	return first, counts
}
