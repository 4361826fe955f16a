package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"crimemap/fault"
	"crimemap/geo"
)

// Limits of a hotspot analysis.
const (
	// MaxStudyCells bounds the cells of a study area, empty ones included.
	MaxStudyCells = 50_000
	// MaxK bounds the k-ring radius.
	MaxK = 5
)

// ErrBadK is returned for a k outside 1..MaxK.
var ErrBadK = fault.New(fault.Invalid, "k must be 1..5")

// ErrNoArea is returned when a hotspot analysis has no area.
var ErrNoArea = fault.New(fault.Invalid, "a hotspot analysis needs an area")

// HotspotQuery asks for Gi* per cell.
type HotspotQuery struct {
	Res    int
	K      int
	Area   geo.Area
	Filter geo.Filter
	// MaxCells bounds the study area; 0 means MaxStudyCells.
	MaxCells int
}

// Hotspot is one cell of the study area with its count and statistic.
type Hotspot struct {
	Cell  h3.Cell
	Count int
	Gi
}

// Hotspots is the result of a hotspot analysis.
type Hotspots struct {
	Res, K int
	// Mean and SD are the mean and population standard deviation of the
	// counts over all cells of the study area.
	Mean, SD float64
	Total    int
	// Cells is the whole study area, empty cells included, by cell index.
	Cells []Hotspot
}

// FindHotspots computes Gi* for every cell of the study area (see the
// package comment). It returns geo.ErrBadRes, ErrBadK, ErrNoArea, or a
// *geo.CellLimitError when the study area exceeds the cell limit, or ctx's
// error if ctx ends first.
func FindHotspots(ctx context.Context, ds *geo.Dataset, q HotspotQuery) (*Hotspots, error) {
	if q.K < 1 || q.K > MaxK {
		return nil, fmt.Errorf("%w: got %d", ErrBadK, q.K)
	}
	if q.Area == nil {
		return nil, ErrNoArea
	}
	limit := q.MaxCells
	if limit <= 0 {
		limit = MaxStudyCells
	}
	study, err := StudyCells(ctx, q.Area, q.Res, limit)
	if err != nil {
		return nil, err
	}
	hc, err := ds.HexCounts(ctx, geo.HexQuery{Res: q.Res, Area: q.Area, Filter: q.Filter})
	if err != nil {
		return nil, err
	}
	// Cells holding crimes join the study area even if their centre is out.
	study = append(study, hc.Cells...)
	slices.Sort(study)
	study = slices.Compact(study)
	if len(study) > limit {
		return nil, &geo.CellLimitError{Res: q.Res, Cells: len(study), Limit: limit, Fits: fitsRes(q.Area, q.Res, limit)}
	}
	x := make([]float64, len(study))
	out := &Hotspots{Res: q.Res, K: q.K, Total: hc.Total, Cells: make([]Hotspot, len(study))}
	for i, c := range study {
		out.Cells[i].Cell = c
		if j, ok := hc.Find(c); ok {
			out.Cells[i].Count = int(hc.Count[j])
			x[i] = float64(hc.Count[j])
		}
	}
	nbrs := make([][]int32, len(study))
	for i, c := range study {
		// Each cell costs a k-ring: tens of thousands of cells take a
		// while at k=5.
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("analysis: hotspots stopped: %w", ctx.Err())
		}
		for _, nc := range h3.GridDisk(c, q.K) {
			if j, ok := slices.BinarySearch(study, nc); ok {
				nbrs[i] = append(nbrs[i], int32(j))
			}
		}
	}
	for i, g := range GiStar(x, nbrs) {
		out.Cells[i].Gi = g
	}
	n := float64(len(x))
	if n > 0 {
		var s, s2 float64
		for _, v := range x {
			s += v
			s2 += v * v
		}
		out.Mean = s / n
		out.SD = math.Sqrt(math.Max(0, s2/n-out.Mean*out.Mean))
	}
	return out, nil
}

// StudyCells returns, ascending, the cells at res whose centre lies inside
// the area. It returns geo.ErrBadRes, a *geo.CellLimitError when there
// would be more than limit cells, or ctx's error if ctx ends first.
func StudyCells(ctx context.Context, a geo.Area, res, limit int) ([]h3.Cell, error) {
	if res < 0 || res > geo.FinestRes {
		return nil, fmt.Errorf("%w: got %d", geo.ErrBadRes, res)
	}
	// Refuse before enumerating: the estimate is the box over the average
	// cell, which overstates a circle or polygon; allow for that.
	if est := estimateCells(a.Bound(), res); est > 2*float64(limit) {
		return nil, &geo.CellLimitError{Res: res, Cells: int(est), Limit: limit, Fits: fitsRes(a, res, limit)}
	}
	b := a.Bound()
	// h3 fills a polygon by cell centres, planar in lon/lat; a box a little
	// larger than the bound finds every centre the area holds.
	m := 1e-9
	loop := geoLoop(b.Min[0]-m, b.Min[1]-m, b.Max[0]+m, b.Max[1]+m)
	var out []h3.Cell
	for i, c := range h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res) {
		// A polygon whose edges a meridian crosses many times costs
		// a long time per centre.
		if i%64 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("analysis: study area stopped: %w", ctx.Err())
		}
		ll := h3.CellToLatLng(c)
		if a.Contains(ll.Lng, ll.Lat) {
			out = append(out, c)
		}
	}
	if len(out) > limit {
		return nil, &geo.CellLimitError{Res: res, Cells: len(out), Limit: limit, Fits: fitsRes(a, res, limit)}
	}
	slices.Sort(out)
	return out, nil
}

func geoLoop(minLon, minLat, maxLon, maxLat float64) h3.GeoLoop {
	return h3.GeoLoop{
		{Lat: minLat, Lng: minLon}, {Lat: minLat, Lng: maxLon},
		{Lat: maxLat, Lng: maxLon}, {Lat: maxLat, Lng: minLon},
	}
}

// estimateCells estimates the cells of res in a lon/lat box from its area.
func estimateCells(b orb.Bound, res int) float64 {
	const kmPerDeg = 6371.0088 * math.Pi / 180
	midLat := (b.Min[1] + b.Max[1]) / 2 * math.Pi / 180
	km2 := (b.Max[1] - b.Min[1]) * kmPerDeg * (b.Max[0] - b.Min[0]) * kmPerDeg * math.Cos(midLat)
	return km2 / h3.HexagonAreaAvgKm2(res)
}

// fitsRes is the finest resolution below res whose estimated study area
// fits the limit, or -1.
func fitsRes(a geo.Area, res, limit int) int {
	for r := res - 1; r >= 0; r-- {
		// A margin covers cells cut by the edge and cells smaller than average.
		if 1.25*estimateCells(a.Bound(), r)+64 <= float64(limit) {
			return r
		}
	}
	return -1
}
