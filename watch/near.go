package watch

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// DistanceM is the distance in metres from a lon/lat point to the area:
// zero inside it. A circle's is the great-circle distance to its centre
// less its radius. A polygon's is measured to its nearest edge on a plane
// tangent at the point, within a fraction of a percent of the great-circle
// distance for the few tens of kilometres over which a nearby scheme is
// worth listing.
func (a Area) DistanceM(p orb.Point) float64 {
	if a.IsCircle() {
		return max(0, geo.DistanceHaversine(p, a.Centre)-a.RadiusM)
	}
	if planar.MultiPolygonContains(a.Polygon, p) {
		return 0
	}
	// Metres per degree on the tangent plane at p.
	ky := orb.EarthRadius * math.Pi / 180
	kx := ky * math.Cos(p[1]*math.Pi/180)
	local := func(q orb.Point) (x, y float64) { return (q[0] - p[0]) * kx, (q[1] - p[1]) * ky }
	best := math.Inf(1)
	for _, poly := range a.Polygon {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				x1, y1 := local(ring[i-1])
				x2, y2 := local(ring[i])
				best = min(best, originToSegment(x1, y1, x2, y2))
			}
		}
	}
	return best
}

// originToSegment is the distance from (0,0) to the segment (x1,y1)-(x2,y2).
func originToSegment(x1, y1, x2, y2 float64) float64 {
	dx, dy := x2-x1, y2-y1
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, -(x1*dx+y1*dy)/l))
	}
	return math.Hypot(x1+t*dx, y1+t*dy)
}

// Nearby is a scheme and its distance from a point.
type Nearby struct {
	Scheme    Scheme
	DistanceM float64
}

// Nearest ranks schemes by their distance from p: every one whose area
// holds p, then the n nearest of the rest, nearest first (ties by id).
func Nearest(schemes []Scheme, p orb.Point, n int) []Nearby {
	// Sort small keys rather than whole schemes, which are costly to swap.
	type key struct {
		d  float64
		id int64
		i  int
	}
	keys := make([]key, len(schemes))
	for i, s := range schemes {
		keys[i] = key{s.Area.DistanceM(p), s.ID, i}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
	inside := 0
	for inside < len(keys) && keys[inside].d == 0 {
		inside++
	}
	out := make([]Nearby, min(len(keys), inside+n))
	for j := range out {
		out[j] = Nearby{Scheme: schemes[keys[j].i], DistanceM: keys[j].d}
	}
	return out
}
