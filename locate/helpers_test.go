package locate_test

import (
	"github.com/paulmach/orb"

	"crimemap/geo"
)

// square is the polygon of side d with its south-west corner at lng,lat.
func square(lng, lat, d float64) *geo.Polygon {
	p, err := geo.NewPolygon(orb.MultiPolygon{{{{lng, lat}, {lng + d, lat}, {lng + d, lat + d}, {lng, lat + d}, {lng, lat}}}})
	if err != nil {
		panic(err)
	}
	return p
}
