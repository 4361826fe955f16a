package tiles

import (
	"context"
	"fmt"
	"slices"

	"crimemap/geo"
	"crimemap/stopsearch"
)

// LayerStops is the layer of stop-and-search tiles.
const LayerStops = "stops"

// stopsGrid is how many cells a side a stops tile below the crimes zoom
// merges its stops into: cells of 64 of the 4,096 units, 8 px of a 512 px
// tile, so clusters stay apart on screen and a tile holds at most 4,096
// features, under MaxFeatures.
const stopsGrid = 64

// StopLayer serves the stops of x as tiles: from crimesZoom one feature per
// location with location_id, street, count and a count per outcome id;
// below it, the stops of each cell of a 64×64 grid over the tile merged
// into one feature at their mean position, with point_count,
// point_count_abbreviated and the counts per outcome. Each stop is drawn in
// the one tile its location falls in, so the counts over every tile of a
// zoom add up to the located stops matching the filter. The filter's
// months and forces apply; crime categories and outcomes do not.
func StopLayer(x *stopsearch.Index, crimesZoom int) Layer {
	l := stopLayer{x: x, crimesZoom: crimesZoom}
	outcomes := x.Terms(stopsearch.DimOutcome)
	l.clusterKeys = []string{propPointCount, propAbbrev}
	l.pointKeys = []string{propCount, propLocationID, propStreet}
	for _, t := range outcomes {
		l.clusterKeys = append(l.clusterKeys, t.Slug)
		l.pointKeys = append(l.pointKeys, t.Slug)
	}
	slices.Sort(l.clusterKeys)
	slices.Sort(l.pointKeys)
	return l
}

type stopLayer struct {
	x                      *stopsearch.Index
	crimesZoom             int
	clusterKeys, pointKeys []string // sorted, as layerWriter wants them
}

func (l stopLayer) Name() string    { return LayerStops }
func (l stopLayer) Version() string { return l.x.Dataset().Version() }

func (l stopLayer) Normalize(_ int, p Params) Params {
	return Params{Filter: geo.Filter{From: p.Filter.From, To: p.Filter.To, Forces: p.Filter.Forces}, Res: -1}
}

// stopCell is the stops of one feature: a location, or a grid cell.
type stopCell struct {
	loc       stopsearch.Location
	wx, wy    float64 // sums of world coordinates, for the mean
	n         int
	byOutcome []int
	first     stopsearch.ID
}

func (l stopLayer) Tile(ctx context.Context, z, x, y int, p Params) ([]byte, error) {
	f := stopsearch.Filter{From: p.Filter.From, To: p.Filter.To}
	l.x.RestrictForces(&f, &p.Filter.Forces)
	b := TileBound(z, x, y)
	box, err := geo.NewBox(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	if err != nil {
		return nil, fmt.Errorf("tiles: stops tile %d/%d/%d: %w", z, x, y, err)
	}
	ids, _, err := l.x.In(ctx, box, &f, 0)
	if err != nil {
		return nil, fmt.Errorf("tiles: stops tile %d/%d/%d: %w", z, x, y, err)
	}
	points := z >= l.crimesZoom
	cells := map[[2]int64]*stopCell{}
	var order [][2]int64
	nOutcomes := len(l.x.Terms(stopsearch.DimOutcome))
	for _, id := range ids {
		loc, _ := l.x.Location(id)
		wx, wy := Project(loc.Lon, loc.Lat)
		// A stop on the tile's edge is drawn by the tile it falls in only.
		if tx, ty := TileOf(z, wx, wy); tx != x || ty != y {
			continue
		}
		key := [2]int64{loc.StreetID, 0}
		if !points {
			px, py := InTile(z, x, y, wx, wy)
			key = [2]int64{int64(min(max(px, 0), Extent-1) * stopsGrid / Extent), int64(min(max(py, 0), Extent-1) * stopsGrid / Extent)}
		}
		c := cells[key]
		if c == nil {
			c = &stopCell{loc: loc, byOutcome: make([]int, nOutcomes), first: id}
			cells[key] = c
			order = append(order, key)
		}
		c.wx += wx
		c.wy += wy
		c.n++
		c.byOutcome[l.x.Code(id, stopsearch.DimOutcome)]++
	}
	if len(order) == 0 {
		return nil, nil
	}
	keys := l.clusterKeys
	if points {
		keys = l.pointKeys
	}
	w := newLayerWriter(LayerStops, keys, len(order), 0)
	outcomes := l.x.Terms(stopsearch.DimOutcome)
	for _, k := range order {
		c := cells[k]
		for slot, name := range keys {
			switch name {
			case propCount, propPointCount:
				w.uintTag(slot, uint64(c.n))
			case propAbbrev:
				if c.n < 1000 {
					w.uintTag(slot, uint64(c.n))
				} else {
					w.strTag(slot, Abbreviate(c.n))
				}
			case propLocationID:
				w.uintTag(slot, uint64(c.loc.StreetID))
			case propStreet:
				w.strTag(slot, c.loc.Street)
			default:
				if o := slices.IndexFunc(outcomes, func(t stopsearch.Term) bool { return t.Slug == name }); c.byOutcome[o] > 0 {
					w.uintTag(slot, uint64(c.byOutcome[o]))
				}
			}
		}
		px, py := InTile(z, x, y, c.wx/float64(c.n), c.wy/float64(c.n))
		w.point(false, 0, min(max(px, 0), Extent-1), min(max(py, 0), Extent-1))
	}
	return w.tile(), nil
}

func (l stopLayer) TileJSON(tileURL string, _ Params) TileJSON {
	fields := map[string]string{propCount: "Number (from the crimes zoom): stops at the location",
		propPointCount: "Number (below the crimes zoom): stops merged", propLocationID: "Number: the location's street id",
		propStreet: "String: the location's street"}
	for _, t := range l.x.Terms(stopsearch.DimOutcome) {
		fields[t.Slug] = "Number: stops with outcome " + t.Name
	}
	return NewTileJSON(l.x.Dataset(), "crimemap stop and search", tileURL, 0, MaxZoom, []VectorLayer{{
		ID: LayerStops, Description: "Stop and search", MinZoom: 0, MaxZoom: MaxZoom, Fields: fields,
	}})
}
