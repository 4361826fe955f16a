package geo

import (
	"math"
	"strconv"

	"crimemap/internal/parallel"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/uber/h3-go/v4"
)

// CellGeometry returns the boundary of a cell as RFC 7946 wants it: the
// exterior ring counterclockwise, and a cell crossing the antimeridian split
// in two along it.
func CellGeometry(c h3.Cell) orb.Geometry {
	bd := CellShapeOf(c).Vertices
	ring := make(orb.Ring, 0, len(bd)+1)
	lon0 := bd[0][0]
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	for _, v := range bd {
		lon := lon0 + math.Remainder(v[0]-lon0, 360)
		ring = append(ring, orb.Point{lon, v[1]})
		minLon, maxLon = math.Min(minLon, lon), math.Max(maxLon, lon)
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	if minLon >= -180 && maxLon <= 180 {
		return orb.Polygon{ring}
	}
	// Across the antimeridian: the part on each side of it.
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	var mp orb.MultiPolygon
	for _, shift := range []float64{0, 360, -360} {
		moved := make(orb.Ring, len(ring))
		for i, p := range ring {
			moved[i] = orb.Point{p[0] + shift, p[1]}
		}
		if part := clip.Polygon(world, orb.Polygon{moved}); len(part) > 0 && len(part[0]) >= 4 {
			mp = append(mp, part)
		}
	}
	return mp
}

// CellGeoJSON returns the GeoJSON geometry of each cell (CellGeometry,
// coordinates rounded to 1e-7 degrees), kept with the cell's shape in the
// shared cache, computing the ones not cached on all cores. The slices must
// not be modified.
func CellGeoJSON(cells []h3.Cell) [][]byte {
	out := make([][]byte, len(cells))
	n, workers := len(cells), 1
	if n >= 1024 {
		workers = parallel.Cores(n)
	}
	parallel.Run(workers, func(w int) {
		for i := n * w / workers; i < n*(w+1)/workers; i++ {
			out[i] = CellShapeOf(cells[i]).geoJSON(cells[i])
		}
	})
	return out
}

func appendCellGeometry(buf []byte, c h3.Cell) []byte {
	ring := func(r orb.Ring) {
		buf = append(buf, '[')
		for i, p := range r {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = strconv.AppendFloat(buf, math.Round(p[0]*1e7)/1e7, 'f', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, math.Round(p[1]*1e7)/1e7, 'f', -1, 64)
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	switch g := CellGeometry(c).(type) {
	case orb.Polygon:
		buf = append(buf, `{"type":"Polygon","coordinates":[`...)
		ring(g[0])
		buf = append(buf, "]}"...)
	case orb.MultiPolygon:
		buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			ring(p[0])
			buf = append(buf, ']')
		}
		buf = append(buf, "]}"...)
	}
	return buf
}
