package tiles

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"crimemap/fault"
	"crimemap/geo"
)

// Hex tiles: H3 cells drawn as polygons with their crime counts.
//
// A hex tile holds every non-empty cell whose boundary reaches into the tile
// or its buffer, each with the count of the whole cell (never the part in
// the tile), clipped to the buffer. Neighbouring tiles therefore draw the same
// polygon with the same numbers on both sides of their seam.

// LayerHexes is the layer of hex tiles.
const LayerHexes = "hexes"

// HexBuffer is the buffer around a hex tile, in tile units: polygons are
// clipped this far outside the tile so that strokes join across tiles.
const HexBuffer = 64

// HexZoomRes is the H3 resolution of hex tiles at each zoom: about ten
// cells across a tile at British latitudes (a resolution step shrinks the
// cell edge 2.65 times, a zoom step the tile twice).
//
//	zoom 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18
//	res  0 1 1 2 3 3 4 5 6 6  7  8  8  9 10 11 11 12 13
var HexZoomRes = [MaxZoom + 1]int{0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13}

// maxHexTileCells bounds the cells that can reach into a buffered hex tile
// at the finest resolution its zoom allows. A cell costs at most about 95
// bytes of MVT (a clipped ring, the h3 string, the id and a count per
// category), so 5,000 cells keep a tile under 500 KB and 10,000 features
// wherever it lies, with every crime in it.
const maxHexTileCells = 5000

// HexMaxRes is the finest H3 resolution a hex tile of each zoom may be drawn
// at: the resolutions a tile can carry within the bounds that crime tiles
// keep. Cells that fine are also tens of tile units across, so no cell
// collapses to nothing when snapped to integer units and every crime is in
// some tile's cell.
//
//	zoom 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18
//	res  1 1 2 3 3 4 5 5 6 7  8  8  9 10 10 11 12 13 13
var HexMaxRes = hexMaxRes()

// hexMaxRes derives HexMaxRes from the worst case: a tile at the equator,
// where a tile spans the most ground, filled with the smallest cells (half
// the average area: H3's cells at one resolution vary twofold), counting
// every cell within a cell's reach of the buffer, and never more cells than
// the resolution has. The estimate is pessimistic by about half: tiles
// filled that way hold 3,200 cells at most (TestHexTileWorstCase).
func hexMaxRes() [MaxZoom + 1]int {
	var out [MaxZoom + 1]int
	const equatorKm = 2 * math.Pi * geo.EarthRadius / 1000
	for z := range out {
		tileKm := equatorKm / float64(uint(1)<<z) * (Extent + 2*HexBuffer) / Extent
		for res := 0; res <= geo.FinestRes; res++ {
			reach := tileKm + 4*h3.HexagonEdgeLengthAvgKm(res)
			cells := math.Min(reach*reach/(h3.HexagonAreaAvgKm2(res)/2), 2+120*math.Pow(7, float64(res)))
			if cells > maxHexTileCells {
				break
			}
			out[z] = res
		}
	}
	return out
}

// HexMinZoom is the lowest zoom whose tiles may be drawn at resolution res.
func HexMinZoom(res int) int {
	for z, m := range HexMaxRes {
		if m >= res {
			return z
		}
	}
	return MaxZoom + 1
}

// HexResError is a resolution too fine for a hex tile's zoom: its tile
// could not keep the size bounds or would lose cells too small to draw.
type HexResError struct {
	Zoom, Res int
	// Max is the finest resolution allowed at Zoom; MinZoom the lowest
	// zoom that allows Res.
	Max, MinZoom int
}

func (e *HexResError) Error() string {
	return fmt.Sprintf("resolution %d is too fine for zoom %d: use res=%d or coarser at this zoom (res=%d needs zoom %d or more)",
		e.Res, e.Zoom, e.Max, e.Res, e.MinZoom)
}

// Kind makes a resolution too fine for the zoom the caller's mistake.
func (e *HexResError) Kind() fault.Kind { return fault.Invalid }

// HexTile renders the hex tile z/x/y at H3 resolution res (-1 picks it from
// HexZoomRes) for the crimes passing f, and returns its uncompressed MVT
// bytes, or nil when the tile has no cell. The bytes depend only on the
// dataset and the arguments. It returns ErrBadTile, geo.ErrBadRes, a
// *HexResError for a resolution finer than HexMaxRes allows, or ctx's
// error.
func HexTile(ctx context.Context, ds *geo.Dataset, z, x, y, res int, f *geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y, MaxZoom); err != nil {
		return nil, err
	}
	if res < 0 {
		res = HexZoomRes[z]
	}
	if res > geo.FinestRes {
		return nil, fmt.Errorf("%w: got %d", geo.ErrBadRes, res)
	}
	if res > HexMaxRes[z] {
		return nil, &HexResError{Zoom: z, Res: res, Max: HexMaxRes[z], MinZoom: HexMinZoom(res)}
	}
	if f == nil {
		f = &geo.Filter{}
	}
	hc, err := ds.HexCountsInBound(res, hexCentreBound(z, x, y, res), *f, true)
	if err != nil {
		return nil, fmt.Errorf("hex tile %d/%d/%d: %w", z, x, y, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hex tile %d/%d/%d: %w", z, x, y, err)
	}
	cats := ds.Categories()
	layer := &mvt.Layer{Name: LayerHexes, Version: 2, Extent: Extent}
	clipBox := orb.Bound{Min: orb.Point{-HexBuffer, -HexBuffer}, Max: orb.Point{Extent + HexBuffer, Extent + HexBuffer}}
	for i, c := range hc.Cells {
		poly := hexPolygon(z, x, y, c, clipBox)
		if poly == nil {
			continue
		}
		props := geojson.Properties{"h3": c.String(), "count": int64(hc.Count[i])}
		for k := 0; k < hc.NumCategories; k++ {
			if n := hc.Category(i, geo.Category(k)); n > 0 {
				props[cats.Term(k).Slug] = int64(n)
			}
		}
		ft := geojson.NewFeature(poly)
		ft.ID = uint64(c)
		ft.Properties = props
		layer.Features = append(layer.Features, ft)
	}
	if len(layer.Features) == 0 {
		return nil, nil
	}
	b, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return nil, fmt.Errorf("hex tile %d/%d/%d: encode: %w", z, x, y, err)
	}
	return b, nil
}

// hexCentreBound is the lon/lat box holding the centre of every cell that
// reaches into the tile or its buffer: the buffered tile (a lon/lat box, as
// Web Mercator keeps meridians and parallels straight) grown by more than
// the distance from a cell's centre to its vertices.
func hexCentreBound(z, x, y, res int) orb.Bound {
	x0, y0, x1, y1 := WorldBound(z, x, y)
	buf := float64(HexBuffer) / Extent / float64(uint(1)<<z)
	w, n := Unproject(x0-buf, math.Max(0, y0-buf))
	e, s := Unproject(x1+buf, math.Min(1, y1+buf))
	// A cell's centre is one edge from its vertices, and edges vary about
	// twofold around the average over the globe.
	km := 2 * h3.HexagonEdgeLengthAvgKm(res)
	const kmPerDeg = geo.EarthRadius / 1000 * math.Pi / 180
	dLat := km / kmPerDeg
	maxLat := math.Min(89, math.Max(math.Abs(n), math.Abs(s))+dLat)
	dLon := math.Min(180, km/(kmPerDeg*math.Cos(maxLat*math.Pi/180)))
	if n+dLat >= 89 || s-dLat <= -89 {
		// Near a pole every longitude is close.
		w, e, dLon = -180, 180, 0
	}
	return orb.Bound{Min: orb.Point{w - dLon, math.Max(-90, s-dLat)}, Max: orb.Point{e + dLon, math.Min(90, n+dLat)}}
}

// hexPolygon returns cell c in the tile's coordinates clipped to clipBox,
// exterior ring positive by the MVT surveyor's formula, or nil when nothing
// of it is inside.
func hexPolygon(z, x, y int, c h3.Cell, clipBox orb.Bound) orb.Polygon {
	bd := geo.CellShapeOf(c).Vertices
	n := float64(uint(1) << z)
	ring := make(orb.Ring, 0, len(bd)+1)
	lon0 := bd[0][0]
	for _, v := range bd {
		// Keep a ring crossing the antimeridian continuous; Project would
		// clamp, so project longitude by hand.
		lon := lon0 + math.Remainder(v[0]-lon0, 360)
		_, wy := Project(0, v[1])
		wx := (lon + 180) / 360
		ring = append(ring, orb.Point{(wx*n - float64(x)) * Extent, (wy*n - float64(y)) * Extent})
	}
	// A ring past the antimeridian may belong to the tile one world over.
	rb := ring.Bound()
	for _, shift := range []float64{0, n * Extent, -n * Extent} {
		moved := orb.Bound{Min: orb.Point{rb.Min[0] + shift, rb.Min[1]}, Max: orb.Point{rb.Max[0] + shift, rb.Max[1]}}
		if !moved.Intersects(clipBox) {
			continue
		}
		r := make(orb.Ring, len(ring), len(ring)+1)
		for i, p := range ring {
			r[i] = orb.Point{p[0] + shift, p[1]}
		}
		r = append(r, r[0])
		clipped := clip.Polygon(clipBox, orb.Polygon{r})
		if len(clipped) == 0 {
			return nil
		}
		out := roundRing(clipped[0])
		if out == nil {
			return nil
		}
		return orb.Polygon{out}
	}
	return nil
}

// roundRing snaps a ring to integer tile units, drops repeated points and
// orients it as an MVT exterior ring; it returns nil for a ring that
// collapses.
func roundRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r))
	for _, p := range r {
		q := orb.Point{math.Round(p[0]), math.Round(p[1])}
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	if len(out) < 3 {
		return nil
	}
	area := 0.0
	for i := range out {
		a, b := out[i], out[(i+1)%len(out)]
		area += a[0]*b[1] - b[0]*a[1]
	}
	if area == 0 {
		return nil
	}
	if area < 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return append(out, out[0])
}

// HexTileJSON describes the hex tiles served at tileURL, drawn at resolution
// res at every zoom, or by HexZoomRes when res is -1; the tiles start at the
// lowest zoom that allows res.
func HexTileJSON(ds *geo.Dataset, tileURL string, res int) TileJSON {
	minZoom := 0
	if res >= 0 {
		minZoom = min(HexMinZoom(res), MaxZoom)
	}
	fields := map[string]string{
		"h3":    "String: the H3 cell index",
		"count": "Number: crimes in the whole cell passing the filter",
	}
	for _, t := range ds.Categories().Terms() {
		fields[t.Slug] = "Number: crimes of category " + t.Name + " in the cell (absent when 0)"
	}
	return NewTileJSON(ds, "crimemap hexes", tileURL, minZoom, MaxZoom, []VectorLayer{{
		ID:          LayerHexes,
		Description: "H3 cells with crime counts; resolution by zoom as HexZoomRes documents, or res= in the URL",
		MinZoom:     minZoom, MaxZoom: MaxZoom, Fields: fields,
	}})
}
