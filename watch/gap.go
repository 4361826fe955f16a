package watch

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// GapM is the distance in metres between two areas, zero where they
// overlap. With a circle it is exact (as DistanceM); between two polygons
// it is the least distance from a vertex of either to the other, which is
// the distance between them unless their edges cross with no vertex of
// either inside the other (then it is at most the length of an edge).
func (a Area) GapM(b Area) float64 {
	switch {
	case a.IsCircle() && b.IsCircle():
		return max(0, geo.DistanceHaversine(a.Centre, b.Centre)-a.RadiusM-b.RadiusM)
	case a.IsCircle():
		return max(0, b.DistanceM(a.Centre)-a.RadiusM)
	case b.IsCircle():
		return max(0, a.DistanceM(b.Centre)-b.RadiusM)
	}
	return min(vertexGap(a.Polygon, b), vertexGap(b.Polygon, a))
}

// vertexGap is the least distance from a vertex of mp to the area, stopping
// at zero.
func vertexGap(mp orb.MultiPolygon, to Area) float64 {
	best := math.Inf(1)
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if best = min(best, to.DistanceM(p)); best == 0 {
					return 0
				}
			}
		}
	}
	return best
}
