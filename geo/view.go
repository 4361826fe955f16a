package geo

import (
	"cmp"
	"slices"

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
	lo, span := d.months[0], int(d.months[len(d.months)-1]-d.months[0])+1
	counts := make([][]int, d.forces.Len())
	for _, pt := range d.parts {
		for c, f := range pt.force {
			if counts[f] == nil {
				counts[f] = make([]int, span)
			}
			counts[f][d.months[pt.month[c]]-lo]++
		}
	}
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
	type wv struct {
		v float64
		w uint32
	}
	axis := func(vals []float64) (lo, hi float64) {
		s := make([]wv, n)
		for p := range n {
			s[p] = wv{vals[p], uint32(d.PointLen(PointID(p)))}
		}
		slices.SortFunc(s, func(a, b wv) int { return cmp.Compare(a.v, b.v) })
		total := uint64(d.Located())
		cut := total * ViewPercentile / 100
		var acc uint64
		lo, hi = s[0].v, s[n-1].v
		loSet := false
		for _, e := range s {
			acc += uint64(e.w)
			if !loSet && acc > cut {
				lo, loSet = e.v, true
			}
			if acc >= total-cut {
				hi = e.v
				break
			}
		}
		return lo, hi
	}
	minLon, maxLon := axis(d.ptLon)
	minLat, maxLat := axis(d.ptLat)
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}
}
