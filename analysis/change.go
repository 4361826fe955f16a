package analysis

import (
	"context"
	"fmt"
	"slices"

	"github.com/uber/h3-go/v4"

	"crimemap/fault"
	"crimemap/geo"
)

// ErrBadPeriod is returned when a period of a change query is open-ended.
var ErrBadPeriod = fault.New(fault.Invalid, "both periods need a first and a last month")

// ChangeQuery compares per-cell counts between a base and a current period.
// Each filter selects its period by From and To and may also select
// categories, forces and outcomes, normally the same in both.
type ChangeQuery struct {
	Res           int
	Area          geo.Area
	Current, Base geo.Filter
	// Limit bounds the cells of the answer; 0 means no limit.
	Limit int
}

// CellChange is the change of one cell, or of the whole area.
type CellChange struct {
	Cell          h3.Cell // 0 for the whole-area summary
	Base, Current int
	Diff          int // Current - Base
	// Pct is the change in percent of Base; HasPct is false when Base is 0.
	Pct    float64
	HasPct bool
}

// Change holds the whole-area summary and the cells with a crime in either
// period, by cell index.
type Change struct {
	Res     int
	Summary CellChange
	// BaseMonths and CurrentMonths are the dataset months each period covers,
	// for normalising periods of different lengths.
	BaseMonths, CurrentMonths int
	Cells                     []CellChange
}

func newCellChange(c h3.Cell, base, cur int) CellChange {
	cc := CellChange{Cell: c, Base: base, Current: cur, Diff: cur - base}
	if base != 0 {
		cc.Pct, cc.HasPct = 100*float64(cur-base)/float64(base), true
	}
	return cc
}

// PeriodChange counts both periods per cell. It returns ErrBadPeriod,
// geo.ErrBadRes or a *geo.CellLimitError (when the union of non-empty cells
// exceeds the limit), or ctx's error if ctx ends first.
func PeriodChange(ctx context.Context, ds *geo.Dataset, q ChangeQuery) (*Change, error) {
	for _, f := range []geo.Filter{q.Current, q.Base} {
		if f.From == 0 || f.To == 0 || f.From > f.To {
			return nil, fmt.Errorf("%w: got %s..%s", ErrBadPeriod, f.From, f.To)
		}
	}
	// Each period alone may fit while the union does not; the union is
	// checked below.
	cur, err := ds.HexCounts(ctx, geo.HexQuery{Res: q.Res, Area: q.Area, Filter: q.Current, Limit: q.Limit})
	if err != nil {
		return nil, fmt.Errorf("current period: %w", err)
	}
	base, err := ds.HexCounts(ctx, geo.HexQuery{Res: q.Res, Area: q.Area, Filter: q.Base, Limit: q.Limit})
	if err != nil {
		return nil, fmt.Errorf("base period: %w", err)
	}
	cells := slices.Concat(cur.Cells, base.Cells)
	slices.Sort(cells)
	cells = slices.Compact(cells)
	if q.Limit > 0 && len(cells) > q.Limit {
		fits := -1
		for r := q.Res - 1; r >= 0 && fits < 0; r-- {
			qq := q
			qq.Res = r
			_, err := PeriodChange(ctx, ds, qq)
			if ctx.Err() != nil {
				return nil, err
			}
			if err == nil {
				fits = r
			}
		}
		return nil, &geo.CellLimitError{Res: q.Res, Cells: len(cells), Limit: q.Limit, Fits: fits}
	}
	out := &Change{Res: q.Res, Cells: make([]CellChange, len(cells))}
	for i, c := range cells {
		var b, k int
		if j, ok := base.Find(c); ok {
			b = int(base.Count[j])
		}
		if j, ok := cur.Find(c); ok {
			k = int(cur.Count[j])
		}
		out.Cells[i] = newCellChange(c, b, k)
	}
	out.Summary = newCellChange(0, base.Total, cur.Total)
	out.BaseMonths = monthsIn(ds, q.Base)
	out.CurrentMonths = monthsIn(ds, q.Current)
	return out, nil
}

func monthsIn(ds *geo.Dataset, f geo.Filter) int {
	n := 0
	for _, m := range ds.Months() {
		if m >= f.From && m <= f.To {
			n++
		}
	}
	return n
}
