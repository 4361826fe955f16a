package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"crimemap/fault"
)

// EarthRadius is the mean Earth radius (IUGG) in metres. orb's geo package
// uses the equatorial radius, so distances here are computed locally.
const EarthRadius = 6371008.8

// MaxRadius is the largest radius a Circle may have: a quarter of the Earth's
// circumference would make its bounding box meaningless.
const MaxRadius = 1000000

// Errors returned when an area is not valid.
var (
	ErrBadRadius  = fault.New(fault.Invalid, "radius must be positive and at most 1,000,000 m")
	ErrBadLatLng  = fault.New(fault.Invalid, "coordinates out of range")
	ErrBadBBox    = fault.New(fault.Invalid, "bounding box must be minLon,minLat,maxLon,maxLat with min <= max")
	ErrBadPolygon = fault.New(fault.Invalid, "polygon needs at least 3 distinct points per ring")
)

// Area is a region crimes can be selected in.
type Area interface {
	// Bound is a box containing the whole area.
	Bound() orb.Bound
	// Contains reports whether a lon/lat point is in the area.
	Contains(lon, lat float64) bool
}

// Distance is the great-circle distance in metres between two lon/lat points
// on a sphere of radius EarthRadius (haversine formula).
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	a := s1*s1 + math.Cos(lat1*rad)*math.Cos(lat2*rad)*s2*s2
	return 2 * EarthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Circle is every point within Radius metres (inclusive) of Center.
type Circle struct {
	Lon, Lat float64
	Radius   float64
	bound    orb.Bound
	// inner is a box wholly inside the circle: points in it need no
	// trigonometry. It is empty for circles too large for the planar
	// estimate to be safe.
	inner orb.Bound
	// cosLat and maxHav let Contains compare haversines, without the asin
	// and sqrt of Distance, away from the rim.
	cosLat, maxHav float64
	// hiK and loK bound cosLat times the cosine of a latitude within the
	// bounding box, over four: with them Contains bounds a point's
	// haversine from above and below with no trigonometry.
	hiK, loK float64
}

// NewCircle validates and returns a Circle.
func NewCircle(lon, lat, radius float64) (*Circle, error) {
	if !ValidLonLat(lon, lat) {
		return nil, fmt.Errorf("%w: lon %v lat %v", ErrBadLatLng, lon, lat)
	}
	if !(radius > 0 && radius <= MaxRadius) {
		return nil, fmt.Errorf("%w: got %v", ErrBadRadius, radius)
	}
	c := &Circle{Lon: lon, Lat: lat, Radius: radius}
	const rad = math.Pi / 180
	ang := radius / EarthRadius // angular radius
	dLat := ang / rad
	// A small margin keeps points exactly on the circle inside the box
	// despite rounding; Contains decides exactly.
	const eps = 1e-9
	minLat, maxLat := lat-dLat-eps, lat+dLat+eps
	minLon, maxLon := -180.0, 180.0
	if minLat > -90 && maxLat < 90 {
		dLon := math.Asin(math.Min(1, math.Sin(ang)/math.Cos(lat*rad))) / rad
		minLon, maxLon = lon-dLon-eps, lon+dLon+eps
	}
	c.bound = orb.Bound{Min: orb.Point{minLon, math.Max(minLat, -90)}, Max: orb.Point{maxLon, math.Min(maxLat, 90)}}
	c.cosLat = math.Cos(lat * rad)
	h := math.Sin(ang / 2)
	c.maxHav = h * h
	// A cosine is largest at the latitude of the box nearest the equator
	// and smallest at the one farthest from it.
	near, far := math.Abs(c.bound.Min[1]), math.Abs(c.bound.Max[1])
	if near > far {
		near, far = far, near
	}
	if c.bound.Min[1] <= 0 && c.bound.Max[1] >= 0 {
		near = 0
	}
	c.hiK = c.cosLat * math.Cos(near*rad) / 4
	c.loK = c.cosLat * math.Max(0, math.Cos(far*rad)) / 4
	c.inner = orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
	if radius <= 200_000 {
		// A square of half-side r/sqrt(2), shrunk by 5%: on a sphere the
		// planar estimate errs by far less than that below 200 km.
		half := 0.95 * radius / math.Sqrt2 / EarthRadius / rad
		// A degree of longitude is longest nearest the equator, so the
		// box's lowest latitude bounds its width.
		minAbsLat := math.Max(0, math.Abs(lat)-half)
		if math.Abs(lat)+half < 89 {
			halfLon := half / math.Cos(minAbsLat*rad)
			c.inner = orb.Bound{Min: orb.Point{lon - halfLon, lat - half}, Max: orb.Point{lon + halfLon, lat + half}}
		}
	}
	return c, nil
}

// Bound implements Area. Near the antimeridian it may extend past +-180.
func (c *Circle) Bound() orb.Bound { return c.bound }

// Contains implements Area: great-circle distance <= Radius, decided exactly
// as Distance decides it.
func (c *Circle) Contains(lon, lat float64) bool {
	if lon >= c.inner.Min[0] && lon <= c.inner.Max[0] && lat >= c.inner.Min[1] && lat <= c.inner.Max[1] {
		return true
	}
	const rad = math.Pi / 180
	// The haversine is hav(dy) + cosLat*cos(lat)*hav(dx), and for |x| up
	// to pi/2, x*x/4*(1-x*x/12) <= hav(x) <= x*x/4. With the box's bounds
	// on cos(lat) that brackets it closely for any circle of a city's
	// size, and only points near the rim need the sines.
	dy, dx := (lat-c.Lat)*rad, (lon-c.Lon)*rad
	if lat >= c.bound.Min[1] && lat <= c.bound.Max[1] && math.Abs(dx) <= math.Pi/2 {
		y2, x2 := dy*dy, dx*dx
		if hi := y2/4 + c.hiK*x2; hi < c.maxHav*(1-1e-9) {
			return true
		}
		if lo := y2/4*(1-y2/12) + c.loK*x2*(1-x2/12); lo > c.maxHav*(1+1e-9) {
			return false
		}
	}
	s1 := math.Sin(dy / 2)
	s2 := math.Sin(dx / 2)
	hav := s1*s1 + c.cosLat*math.Cos(lat*rad)*s2*s2
	// Near the rim, rounding could make the two forms disagree: let
	// Distance decide there.
	if d := hav - c.maxHav; d > 1e-9*c.maxHav {
		return false
	} else if d < -1e-9*c.maxHav {
		return true
	}
	return Distance(c.Lon, c.Lat, lon, lat) <= c.Radius
}

// Box is a lon/lat rectangle, edges included.
type Box struct{ b orb.Bound }

// NewBox validates and returns a Box.
func NewBox(minLon, minLat, maxLon, maxLat float64) (*Box, error) {
	if !ValidLonLat(minLon, minLat) || !ValidLonLat(maxLon, maxLat) || minLon > maxLon || minLat > maxLat {
		return nil, fmt.Errorf("%w: got %v,%v,%v,%v", ErrBadBBox, minLon, minLat, maxLon, maxLat)
	}
	return &Box{orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}}, nil
}

// Bound implements Area.
func (b *Box) Bound() orb.Bound { return b.b }

// Contains implements Area.
func (b *Box) Contains(lon, lat float64) bool {
	return lon >= b.b.Min[0] && lon <= b.b.Max[0] && lat >= b.b.Min[1] && lat <= b.b.Max[1]
}

// Polygon is a planar lon/lat (multi)polygon with holes, boundary included
// (a point on a hole's boundary is outside, as planar.MultiPolygonContains
// has it). Its edges are indexed, so Contains costs about the same for a
// polygon of a hundred thousand vertices as for one of ten.
type Polygon struct {
	mp    orb.MultiPolygon
	bound orb.Bound
	ix    *multiIndex
}

// NewPolygon validates and returns a Polygon. Rings are closed if open.
func NewPolygon(mp orb.MultiPolygon) (*Polygon, error) {
	if len(mp) == 0 {
		return nil, ErrBadPolygon
	}
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, poly := range mp {
		if len(poly) == 0 {
			return nil, ErrBadPolygon
		}
		np := make(orb.Polygon, 0, len(poly))
		for _, ring := range poly {
			r := append(orb.Ring(nil), ring...)
			for _, p := range r {
				if !ValidLonLat(p[0], p[1]) {
					return nil, fmt.Errorf("%w: polygon point %v,%v", ErrBadLatLng, p[1], p[0])
				}
			}
			if len(r) > 0 && !r.Closed() {
				r = append(r, r[0])
			}
			if distinct(r) < 3 {
				return nil, ErrBadPolygon
			}
			np = append(np, r)
		}
		out = append(out, np)
	}
	return &Polygon{mp: out, bound: out.Bound(), ix: newMultiIndex(out)}, nil
}

func distinct(r orb.Ring) int {
	seen := map[orb.Point]bool{}
	for _, p := range r {
		seen[p] = true
	}
	return len(seen)
}

// MultiPolygon returns the polygon's geometry.
func (p *Polygon) MultiPolygon() orb.MultiPolygon { return p.mp }

// Bound implements Area.
func (p *Polygon) Bound() orb.Bound { return p.bound }

// Contains implements Area.
func (p *Polygon) Contains(lon, lat float64) bool {
	return p.ix.contains(orb.Point{lon, lat})
}

// classifyBox implements boxClassifier.
func (p *Polygon) classifyBox(b orb.Bound) (in, decided bool) { return p.ix.classifyBox(b) }
