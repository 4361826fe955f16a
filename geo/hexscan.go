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
	d      *Dataset
	f      *Filter
	months monthRange
	parts  []*tablePart // those with crimes of the months
	// all is true when every crime in the span passes.
	all     bool
	catOnly bool
	cats    [MaxTerms]bool
	// forces and outcomes are lookup tables for the other terms, used
	// when the filter names some.
	forces, outcomes [MaxTerms]bool
}

func (d *Dataset) newMatcher(f *Filter) *matcher {
	m := &matcher{d: d, f: f, months: d.monthRangeOf(f)}
	m.parts = d.partsIn(m.months)
	m.all = f.termsFree()
	m.catOnly = f.Forces.Empty() && f.Outcomes.Empty()
	for i := range m.cats {
		m.cats[i] = f.Categories.Empty() || f.Categories.Has(i)
		m.forces[i] = f.Forces.Empty() || f.Forces.Has(i)
		m.outcomes[i] = f.Outcomes.Empty() || f.Outcomes.Has(i)
	}
	return m
}

// span returns the positions of p's crimes in part pt within the month
// range; a part wholly inside the range needs no binary search.
func (m *matcher) span(pt *tablePart, p PointID) (uint32, uint32) {
	return pt.span(p, m.months)
}

// match reports whether the part's crime i, already within the month
// range, passes.
func (m *matcher) match(pt *tablePart, i uint32) bool {
	if m.catOnly {
		return m.cats[pt.cat[i]]
	}
	return m.cats[pt.cat[i]] && m.forces[pt.force[i]] && m.outcomes[pt.outcome[i]]
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
