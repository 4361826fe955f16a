package geo

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// CellBound returns a lon/lat box containing the whole of cell c. H3 edges
// are straight on the icosahedron face, not in lon/lat, so the vertices' box
// is widened by a fraction of the cell. Cells across the antimeridian get a
// box running past 180.
func CellBound(c h3.Cell) orb.Bound {
	b := CellShapeOf(c).Vertices
	lo, hi := orb.Point{math.Inf(1), math.Inf(1)}, orb.Point{math.Inf(-1), math.Inf(-1)}
	lon0 := b[0][0]
	for _, v := range b {
		lon := unwrapLon(v[0], lon0)
		lo[0], lo[1] = min(lo[0], lon), min(lo[1], v[1])
		hi[0], hi[1] = max(hi[0], lon), max(hi[1], v[1])
	}
	mLat := (hi[1] - lo[1]) * 0.05
	mLon := (hi[0] - lo[0]) * 0.05
	return orb.Bound{Min: orb.Point{lo[0] - mLon, math.Max(-90, lo[1]-mLat)}, Max: orb.Point{hi[0] + mLon, math.Min(90, hi[1]+mLat)}}
}

// unwrapLon moves lon by 360 degrees to lie within 180 of ref.
func unwrapLon(lon, ref float64) float64 {
	for lon-ref > 180 {
		lon -= 360
	}
	for lon-ref < -180 {
		lon += 360
	}
	return lon
}

// CellShape is a cell's centre and boundary vertices, lon/lat, as h3 gives
// them (vertices counterclockwise, longitudes in -180..180).
type CellShape struct {
	Center   orb.Point
	Vertices []orb.Point
	// json is the cell's GeoJSON geometry, made on first use: tiles never
	// need it, and /v1/ answers ask for the same cells again and again.
	json atomic.Pointer[[]byte]
}

// geoJSON returns the GeoJSON geometry of cell c, whose shape s is. Two
// goroutines may both compute it; they compute the same bytes.
func (s *CellShape) geoJSON(c h3.Cell) []byte {
	if b := s.json.Load(); b != nil {
		return *b
	}
	b := appendCellGeometry(nil, c)
	s.json.Store(&b)
	return b
}

// shapeCache keeps the shapes of cells drawn recently, with their GeoJSON
// once asked for: each costs a few microseconds of cgo and maps draw the same
// cells in tile after tile and answer after answer. Cells do not depend on
// the dataset. It is emptied when full.
var shapeCache struct {
	sync.RWMutex
	m map[h3.Cell]*CellShape
}

// shapeCacheMax bounds shapeCache, about 250 bytes an entry and as much
// again with the GeoJSON.
const shapeCacheMax = 200_000

// CellShapeOf returns the shape of cell c from a bounded cache shared by
// all callers; the result must not be modified.
func CellShapeOf(c h3.Cell) *CellShape {
	shapeCache.RLock()
	s, ok := shapeCache.m[c]
	shapeCache.RUnlock()
	if ok {
		return s
	}
	ll := h3.CellToLatLng(c)
	bd := h3.CellToBoundary(c)
	s = &CellShape{Center: orb.Point{ll.Lng, ll.Lat}, Vertices: make([]orb.Point, len(bd))}
	for i, v := range bd {
		s.Vertices[i] = orb.Point{v.Lng, v.Lat}
	}
	shapeCache.Lock()
	if shapeCache.m == nil || len(shapeCache.m) >= shapeCacheMax {
		shapeCache.m = make(map[h3.Cell]*CellShape, 1024)
	}
	shapeCache.m[c] = s
	shapeCache.Unlock()
	return s
}
