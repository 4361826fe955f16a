package geo

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	h3 "github.com/uber/h3-go/v4"
)

func TestCellGeometryAntimeridian(t *testing.T) {
	crossing := 0
	for res := 0; res <= 6; res++ {
		for _, ll := range []h3.LatLng{{Lat: -17, Lng: 179.999}, {Lat: 65, Lng: -179.999}, {Lat: 0, Lng: 180}, {Lat: 51.5, Lng: -0.1}} {
			c := h3.LatLngToCell(ll, res)
			// Area and extent of the boundary with longitudes unwrapped.
			var ring orb.Ring
			lon0 := c.Boundary()[0].Lng
			crosses := false
			for _, v := range c.Boundary() {
				lon := v.Lng
				for lon-lon0 > 180 {
					lon -= 360
				}
				for lon-lon0 < -180 {
					lon += 360
				}
				crosses = crosses || lon > 180 || lon < -180
				ring = append(ring, orb.Point{lon, v.Lat})
			}
			ring = append(ring, ring[0])
			wantArea := math.Abs(planar.Area(ring))
			g := CellGeometry(c)
			var polys orb.MultiPolygon
			switch g := g.(type) {
			case orb.Polygon:
				polys = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				polys = g
			}
			if crosses {
				crossing++
				if len(polys) != 2 {
					t.Errorf("cell %v across the antimeridian: %d parts, want 2", c, len(polys))
				}
			} else if _, ok := g.(orb.Polygon); !ok {
				t.Errorf("cell %v: %T, want a Polygon", c, g)
			}
			area := 0.0
			for _, p := range polys {
				r := p[0]
				if !r.Closed() || r.Orientation() != orb.CCW {
					t.Errorf("cell %v: ring not closed and counterclockwise", c)
				}
				for _, pt := range r {
					if pt[0] < -180 || pt[0] > 180 {
						t.Errorf("cell %v: longitude %v out of range", c, pt[0])
					}
				}
				area += planar.Area(r)
			}
			if math.Abs(area-wantArea) > 1e-9*math.Max(1, wantArea) {
				t.Errorf("cell %v: parts cover %v square degrees, want %v", c, area, wantArea)
			}
		}
	}
	if crossing == 0 {
		t.Fatal("no cell crossed the antimeridian; pick other points")
	}
}

// TestCellGeoJSON checks the GeoJSON of cells against their geometry, and
// that a cell's GeoJSON is kept with its shape rather than made again.
func TestCellGeoJSON(t *testing.T) {
	cells := []h3.Cell{
		h3.LatLngToCell(h3.LatLng{Lat: 50.9, Lng: -1.4}, 9),
		h3.LatLngToCell(h3.LatLng{Lat: -17, Lng: 179.999}, 3),
		h3.LatLngToCell(h3.LatLng{Lat: 50.9, Lng: -1.4}, 9),
	}
	got := CellGeoJSON(cells)
	if len(got) != len(cells) {
		t.Fatalf("%d geometries for %d cells", len(got), len(cells))
	}
	for i, c := range cells {
		var g struct{ Type string }
		if err := json.Unmarshal(got[i], &g); err != nil || g.Type != CellGeometry(c).GeoJSONType() {
			t.Errorf("cell %v: %s (%v), want a %s", c, got[i], err, CellGeometry(c).GeoJSONType())
		}
		if want := appendCellGeometry(nil, c); !bytes.Equal(got[i], want) {
			t.Errorf("cell %v: %s, want %s", c, got[i], want)
		}
	}
	if &got[0][0] != &got[2][0] || &CellGeoJSON(cells[:1])[0][0] != &got[0][0] {
		t.Error("a cell's GeoJSON was made again rather than taken from the shape cache")
	}
}
