package watch

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

func onGrid(v float64) bool {
	return math.Abs(v*PublicGridPerDegree-math.Round(v*PublicGridPerDegree)) < 1e-6
}

// square is a closed ring of side d degrees with its south-west corner at
// (lon, lat).
func square(lon, lat, d float64) orb.Ring {
	return orb.Ring{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}
}

func TestPublicCircle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		centre orb.Point
		radius float64
		want   Area
	}{
		{"on the grid", orb.Point{0.52, 51.27}, 200, Area{Centre: orb.Point{0.52, 51.27}, RadiusM: 200}},
		{"off the grid", orb.Point{-1.40437, 50.90973}, 150, Area{Centre: orb.Point{-1.404, 50.91}, RadiusM: 200}},
		{"a radius off the step", orb.Point{-1.404, 50.91}, 120, Area{Centre: orb.Point{-1.404, 50.91}, RadiusM: 200}},
		{"west of Greenwich, rounding to -0", orb.Point{-0.0004, 51.5}, 50, Area{Centre: orb.Point{0, 51.5}, RadiusM: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Area{Centre: tc.centre, RadiusM: tc.radius, Neighbourhood: "SO14"}
			got := a.Public()
			if got.Centre != tc.want.Centre || got.RadiusM != tc.want.RadiusM || got.Neighbourhood != "SO14" {
				t.Fatalf("%+v, want centre %v radius %v", got, tc.want.Centre, tc.want.RadiusM)
			}
			if got.Centre[0] == 0 && math.Signbit(got.Centre[0]) {
				t.Error("centre longitude is -0")
			}
			// It covers the true circle, so no one inside it is told they are
			// outside.
			for b := 0.0; b < 360; b += 15 {
				p := geo.PointAtBearingAndDistance(tc.centre, b, tc.radius)
				if d := got.DistanceM(p); d > 0.01 {
					t.Errorf("bearing %v: the true edge is %.2f m outside", b, d)
				}
			}
			if again := got.Public(); again.Centre != got.Centre || again.RadiusM != got.RadiusM {
				t.Errorf("not stable: %+v then %+v", got, again)
			}
		})
	}
}

func TestPublicPolygon(t *testing.T) {
	big := square(-1.4103, 50.9011, 0.01)
	hole := square(-1.4053, 50.9061, 0.0005) // collapses: smaller than a cell
	tiny := square(-1.40437, 50.90973, 0.0003)
	for _, tc := range []struct {
		name      string
		in        orb.MultiPolygon
		wantRings []int // rings per polygon
		covers    orb.Ring
	}{
		{"a street-sized area keeps its shape", orb.MultiPolygon{{big}}, []int{1}, nil},
		{"a collapsed hole is dropped", orb.MultiPolygon{{big, hole}}, []int{1}, nil},
		{"a collapsed outer ring becomes whole cells", orb.MultiPolygon{{tiny}}, []int{1}, tiny},
		{"parts kept apart", orb.MultiPolygon{{big}, {tiny}}, []int{1, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Area{Polygon: tc.in}.Public()
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(got.Polygon) != len(tc.wantRings) {
				t.Fatalf("%d polygons, want %d", len(got.Polygon), len(tc.wantRings))
			}
			for i, p := range got.Polygon {
				if len(p) != tc.wantRings[i] {
					t.Errorf("polygon %d: %d rings, want %d", i, len(p), tc.wantRings[i])
				}
				for _, r := range p {
					for _, v := range r {
						if !onGrid(v[0]) || !onGrid(v[1]) {
							t.Errorf("vertex %v is not on the grid", v)
						}
					}
				}
			}
			for _, v := range tc.covers {
				if d := got.DistanceM(v); d > 0 {
					t.Errorf("true vertex %v is %.1f m outside", v, d)
				}
			}
		})
	}
}

func TestGapM(t *testing.T) {
	box := Area{Polygon: orb.MultiPolygon{{square(-1.41, 50.90, 0.01)}}}       // about 700 m by 1.1 km
	east := Area{Polygon: orb.MultiPolygon{{square(-1.39, 50.90, 0.01)}}}      // 0.01° (about 700 m) east of box
	inside := Area{Polygon: orb.MultiPolygon{{square(-1.405, 50.905, 0.001)}}} // within box
	for _, tc := range []struct {
		name     string
		a, b     Area
		min, max float64
	}{
		{"circles apart", Area{Centre: orb.Point{-1.4, 50.9}, RadiusM: 100}, Area{Centre: orb.Point{-1.4, 50.91}, RadiusM: 200}, 800, 815},
		{"circles overlapping", Area{Centre: orb.Point{-1.4, 50.9}, RadiusM: 600}, Area{Centre: orb.Point{-1.4, 50.91}, RadiusM: 600}, 0, 0},
		{"a circle inside a polygon", Area{Centre: orb.Point{-1.405, 50.905}, RadiusM: 50}, box, 0, 0},
		{"a circle beside a polygon", Area{Centre: orb.Point{-1.38, 50.905}, RadiusM: 100}, box, 1300, 1320},
		{"polygons apart", box, east, 695, 710},
		{"a polygon inside another", inside, box, 0, 0},
		{"and the other way", box, inside, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, g := range []float64{tc.a.GapM(tc.b), tc.b.GapM(tc.a)} {
				if g < tc.min || g > tc.max {
					t.Errorf("gap %.1f m, want %v..%v", g, tc.min, tc.max)
				}
			}
		})
	}
}
