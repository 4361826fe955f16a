package watch

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// The public form of an area is snapped to a grid, so that a scheme whose
// area was drawn around a coordinator's house, or centred on it, does not
// show where that house is: whatever the public sees of an area (the map
// layer, /v1/watch/schemes, distances on /watch) is of this form.
const (
	// PublicGridPerDegree is the grid's cells per degree of latitude and
	// of longitude: 0.002°, about 220 m north-south and 140 m east-west
	// in England and Wales.
	PublicGridPerDegree = 500
	// PublicRadiusStepM is what a public circle's radius is rounded up to.
	PublicRadiusStepM = 100
)

// Public is the area as the public sees it. A circle's centre moves to the
// nearest grid point and its radius grows by the distance moved, then up
// to a whole PublicRadiusStepM, so it still covers the true circle. A
// polygon's vertices move to the nearest grid point; a ring that this
// leaves with no area becomes the grid cells its box touches (an outer
// ring) or is dropped (a hole).
func (a Area) Public() Area {
	out := Area{Neighbourhood: a.Neighbourhood}
	if a.IsCircle() {
		out.Centre = snap(a.Centre)
		grown := a.RadiusM + geo.DistanceHaversine(a.Centre, out.Centre)
		out.RadiusM = math.Ceil(grown/PublicRadiusStepM) * PublicRadiusStepM
		return out
	}
	for _, poly := range a.Polygon {
		var p orb.Polygon
		for i, ring := range poly {
			r := snapRing(ring)
			if len(r) < 4 {
				if i > 0 {
					continue
				}
				r = cellsAround(ring.Bound())
			}
			p = append(p, r)
		}
		out.Polygon = append(out.Polygon, p)
	}
	return out
}

// snapCoord rounds to the grid; adding zero turns -0 into 0, which JSON
// would otherwise write as -0.
func snapCoord(v float64) float64 { return math.Round(v*PublicGridPerDegree)/PublicGridPerDegree + 0 }

func snap(p orb.Point) orb.Point { return orb.Point{snapCoord(p[0]), snapCoord(p[1])} }

// snapRing snaps a closed ring's vertices, dropping repeats; nil when
// that leaves it with no area (a point or a line).
func snapRing(ring orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(ring))
	for _, p := range ring {
		q := snap(p)
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if len(out) < 4 || planar.Area(out) == 0 {
		return nil
	}
	return out
}

// cellsAround is the box of whole grid cells covering b, as a closed ring.
func cellsAround(b orb.Bound) orb.Ring {
	lo := func(v float64) float64 { return math.Floor(v*PublicGridPerDegree) / PublicGridPerDegree }
	hi := func(v float64) float64 {
		h := math.Ceil(v*PublicGridPerDegree) / PublicGridPerDegree
		if h == lo(v) {
			h += 1.0 / PublicGridPerDegree
		}
		return h
	}
	w, s, e, n := lo(b.Min[0]), lo(b.Min[1]), hi(b.Max[0]), hi(b.Max[1])
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}
