package tiles

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestProjectionMatchesOrb compares tile maths with orb's maptile on random
// points, away from tile edges where the two may round differently.
func TestProjectionMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		lon := rng.Float64()*360 - 180
		lat := rng.Float64()*170 - 85
		z := rng.IntN(MaxZoom + 1)
		want := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
		x, y := TileAt(z, lon, lat)
		if x != int(want.X) || y != int(want.Y) {
			wx, wy := Project(lon, lat)
			n := float64(uint(1) << z)
			if math.Abs(wx*n-math.Round(wx*n)) > 1e-9 && math.Abs(wy*n-math.Round(wy*n)) > 1e-9 {
				t.Fatalf("TileAt(%d, %v, %v) = %d/%d, orb %d/%d", z, lon, lat, x, y, want.X, want.Y)
			}
		}
		wx, wy := Project(lon, lat)
		px, py := InTile(z, x, y, wx, wy)
		if px < 0 || px >= Extent || py < 0 || py >= Extent {
			t.Fatalf("InTile of %v,%v in its own tile = %d,%d", lon, lat, px, py)
		}
		b, ob := TileBound(z, x, y), maptile.New(uint32(x), uint32(y), maptile.Zoom(z)).Bound()
		for i := range 2 {
			if math.Abs(b.Min[i]-ob.Min[i]) > 1e-9 || math.Abs(b.Max[i]-ob.Max[i]) > 1e-9 {
				t.Fatalf("TileBound(%d/%d/%d) = %v, orb %v", z, x, y, b, ob)
			}
		}
		if !b.Contains(orb.Point{lon, lat}) {
			t.Fatalf("tile %d/%d/%d bound %v lacks %v,%v", z, x, y, b, lon, lat)
		}
	}
}

func TestProjectClamps(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		x, y     int // tile at zoom 2
	}{
		{"north pole", 0, 90, 2, 0},
		{"south pole", 0, -90, 2, 3},
		{"antimeridian east", 180, 0, 3, 2},
		{"antimeridian west", -180, 0, 0, 2},
		{"greenwich", 0, 51.48, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wx, wy := Project(tc.lon, tc.lat)
			if wx < 0 || wx >= 1 || wy < 0 || wy >= 1 {
				t.Fatalf("Project = %v,%v outside [0,1)", wx, wy)
			}
			if x, y := TileAt(2, tc.lon, tc.lat); x != tc.x || y != tc.y {
				t.Errorf("TileAt(2) = %d/%d, want %d/%d", x, y, tc.x, tc.y)
			}
		})
	}
}

// TestPolarPointsKeptAtCrimeZooms puts crimes beyond Mercator's latitude
// limit and checks that the crimes layer still counts them, in the edge
// rows of tiles.
func TestPolarPointsKeptAtCrimeZooms(t *testing.T) {
	m := geo.MakeMonth(2020, 1)
	sb := geo.NewStreetBatch(geo.Unit{Force: "btp", Month: m}, 0, "test")
	for _, ll := range [][2]float64{{10, 89.5}, {-20, -89.9}, {180, 0}, {-180, 85.06}} {
		sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: ll[0], Lat: ll[1],
			Location: []byte("On or near Nowhere"), CrimeType: []byte("Robbery")})
	}
	ds := datasets.Build(t, sb)
	ix := NewIndex(ds, DefaultOptions())
	for _, z := range []int{0, 3, 14} {
		total := 0
		seen := map[[2]int]bool{}
		for p := 0; p < ds.NumPoints(); p++ {
			lon, lat := ds.PointLonLat(geo.PointID(p))
			x, y := TileAt(z, lon, lat)
			if seen[[2]int{x, y}] {
				continue
			}
			seen[[2]int{x, y}] = true
			raw, err := ix.Tile(context.Background(), z, x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if raw == nil {
				continue
			}
			for _, ft := range decode(t, raw)[0].Features {
				for _, k := range []string{propCount, propPointCount} {
					if v, ok := ft.Properties[k]; ok {
						total += num(t, v)
					}
				}
			}
		}
		if total != ds.Located() {
			t.Errorf("zoom %d: tiles of the points count %d crimes, want %d", z, total, ds.Located())
		}
	}
}

func TestIndexWithoutLocatedCrimes(t *testing.T) {
	m := geo.MakeMonth(2020, 1)
	sb := geo.NewStreetBatch(geo.Unit{Force: "btp", Month: m}, 0, "test")
	sb.AddStreet(&geo.StreetRow{Month: m, Location: []byte("No Location"), CrimeType: []byte("Robbery")})
	ds := datasets.Build(t, sb)
	var outcome geo.Filter
	outcome.Outcomes.Add(1)
	ix := NewIndex(ds, DefaultOptions())
	for _, z := range []int{0, 5, 14} {
		for _, f := range []*geo.Filter{nil, &outcome} {
			if raw, err := ix.Tile(context.Background(), z, 0, 0, f); raw != nil || err != nil {
				t.Errorf("zoom %d: %d bytes, %v; want an empty tile", z, len(raw), err)
			}
		}
	}
	if got := SampleTiles(ds, 3, 5, 1); got != nil {
		t.Errorf("SampleTiles = %v, want none", got)
	}
	if tj := ix.TileJSON("t/{z}/{x}/{y}"); tj.Bounds[0] != -180 {
		t.Errorf("bounds of an empty dataset %v", tj.Bounds)
	}
}
