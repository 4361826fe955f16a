package server

import (
	"math"
	"testing"

	"crimemap/geo"
)

func TestLatestIn(t *testing.T) {
	m := func(y, mo int) geo.Month { return geo.MakeMonth(y, mo) }
	months := []geo.Month{m(2016, 11), m(2016, 12), m(2017, 2)} // January missing, as it can be for a force
	tests := []struct {
		name   string
		f      geo.Filter
		want   geo.Month
		wantOK bool
	}{
		{"no filter", geo.Filter{}, m(2017, 2), true},
		{"open start", geo.Filter{To: m(2017, 1)}, m(2016, 12), true},
		{"range inside", geo.Filter{From: m(2016, 11), To: m(2016, 12)}, m(2016, 12), true},
		{"gap only", geo.Filter{From: m(2017, 1), To: m(2017, 1)}, 0, false},
		{"after the data", geo.Filter{From: m(2017, 3)}, 0, false},
		{"before the data", geo.Filter{To: m(2016, 10)}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := latestIn(months, tc.f)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("latestIn(%v, %+v) = %v, %v; want %v, %v", months, tc.f, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// A circle of radius r spans 2r metres; at the zoom chosen it should take
// roughly half to all of a 300-pixel iframe at British latitudes.
func TestZoomForRadiusFitsAFrame(t *testing.T) {
	for _, lat := range []float64{50, 55} {
		for _, r := range []float64{100, 250, 500, 1000, 1609.344, 5000} {
			z := zoomForRadius(r)
			// Web Mercator metres per pixel with 512-pixel tiles.
			mpp := 40075016.686 * math.Cos(lat*math.Pi/180) / (512 * math.Pow(2, z))
			if px := 2 * r / mpp; px < 200 || px > 450 {
				t.Errorf("zoomForRadius(%v) = %v: at %v°N the circle is %.0f px across", r, z, lat, px)
			}
		}
	}
}

func TestRouteExists(t *testing.T) {
	s := New(DefaultConfig(), Deps{}) // no dataset: data routes answer 503
	tests := []struct {
		path string
		want bool
	}{
		{hexProbe, true},
		{hotspotsProbe, true},
		{"/tiles.json", true},
		{"/no/such/route", false},
		{"/tiles/hex/0/0/0.png", false},
	}
	for _, tc := range tests {
		if got := s.routeExists(tc.path); got != tc.want {
			t.Errorf("routeExists(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
