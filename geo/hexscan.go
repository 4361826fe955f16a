package geo

import (
	"cmp"
	"context"
	"math"

	"crimemap/internal/parallel"

	"github.com/paulmach/orb"
)

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
	errs := make([]error, workers)
	if d.coversAll(a) {
		parallel.Run(workers, func(w int) {
			errs[w] = scanAll(ctx, np*w/workers, np*(w+1)/workers, func(p PointID) bool {
				fn(w, p)
				return true
			})
		})
		return cmp.Or(errs...)
	}
	b := a.Bound()
	width := (b.Max[0] - b.Min[0]) / float64(workers)
	parallel.Run(workers, func(w int) {
		// Strips are half-open on the west except the first, so a point on
		// a seam is visited once.
		sb := b
		sb.Min[0] = b.Min[0] + float64(w)*width
		if w < workers-1 {
			sb.Max[0] = b.Min[0] + float64(w+1)*width
		}
		west := sb.Min[0]
		errs[w] = d.scanArea(ctx, a, sb, func(p PointID) bool {
			if w == 0 || d.ptLon[p] > west {
				fn(w, p)
			}
			return true
		})
	})
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
