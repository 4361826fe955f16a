package server

import (
	"errors"
	"math"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"crimemap/geo"
)

func TestParseRes(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false}, {"7", 7, false}, {"13", 13, false},
		{"14", 0, true}, {"-1", 0, true}, {"07", 0, true}, {"+7", 0, true}, {" 7", 0, true},
		{"7.0", 0, true}, {"x", 0, true}, {"99999999999999999999", 0, true},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		r.URL.RawQuery = url.Values{"res": {tc.in}}.Encode()
		got, err := parseRes(r, true, 0)
		var pe *ParamError
		if tc.wantErr != (err != nil) || got != tc.want || (err != nil && (!errors.As(err, &pe) || pe.Param != "res")) {
			t.Errorf("parseRes(%q) = %d, %v, want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	r := httptest.NewRequest("GET", "/v1/hex", nil)
	if _, err := parseRes(r, true, 0); err == nil {
		t.Errorf("missing required res: no error")
	}
	if got, err := parseRes(r, false, -1); got != -1 || err != nil {
		t.Errorf("missing optional res = %d, %v, want the default -1", got, err)
	}
}

// FuzzParseHexInts feeds arbitrary res and k values: accepted values are in
// range and print back to the input, everything else is a ParamError.
func FuzzParseHexInts(f *testing.F) {
	for _, s := range []string{"0", "13", "14", "-1", "007", "1e1", "", "5 ", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		q := r.URL.Query()
		q.Set("res", v)
		q.Set("k", v)
		r.URL.RawQuery = q.Encode()
		for _, p := range []struct {
			name   string
			hi     int
			parsed func() (int, error)
		}{
			{"res", geo.FinestRes, func() (int, error) { return parseRes(r, true, 0) }},
			{"k", MaxCellK, func() (int, error) { return parseSmallInt(r, "k", 0, MaxCellK, 0, true) }},
		} {
			n, err := p.parsed()
			if err != nil {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != p.name {
					t.Fatalf("%s=%q: error %v does not name %s", p.name, v, err, p.name)
				}
				continue
			}
			if n < 0 || n > p.hi || strconv.Itoa(n) != v {
				t.Fatalf("%s=%q parsed as %d", p.name, v, n)
			}
		}
	})
}

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

func TestParseGroupBy(t *testing.T) {
	tests := []struct {
		name           string
		query          string // raw query string
		byCat, byMonth bool
		err            string // the whole message, "" for none
	}{
		{"absent", "", false, false, ""},
		{"empty", "group_by=", false, false, ""},
		{"category", "group_by=category", true, false, ""},
		{"month", "group_by=month", false, true, ""},
		{"both", "group_by=category,month", true, true, ""},
		{"both reversed", "group_by=month,category", true, true, ""},
		{"repeated item", "group_by=category,category", true, false, ""},
		{"empty items skipped", "group_by=,month,,category,", true, true, ""},
		{"spaces trimmed", "group_by=%20category%20", true, false, ""},
		{"repeated parameter", "group_by=category&group_by=month", true, true, ""},
		{"unknown", "group_by=street", false, false, `parameter "group_by": want category and/or month, got "street"`},
		{"unknown after a good one", "group_by=category,street", false, false, `parameter "group_by": want category and/or month, got "street"`},
		{"case matters", "group_by=Category", false, false, `parameter "group_by": want category and/or month, got "Category"`},
		{"quoted untrimmed", "group_by=%20street", false, false, `parameter "group_by": want category and/or month, got " street"`},
		{"unknown in a second parameter", "group_by=month&group_by=force", false, false, `parameter "group_by": want category and/or month, got "force"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/hex?"+tc.query, nil)
			byCat, byMonth, err := parseGroupBy(r)
			if tc.err != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != "group_by" || err.Error() != tc.err {
					t.Fatalf("err = %v, want a ParamError %q", err, tc.err)
				}
				return
			}
			if err != nil || byCat != tc.byCat || byMonth != tc.byMonth {
				t.Fatalf("= %v, %v, %v; want %v, %v", byCat, byMonth, err, tc.byCat, tc.byMonth)
			}
		})
	}
}

// FuzzParseGroupBy feeds arbitrary group_by values and checks properties
// only: no panic; a rejection is a ParamError naming group_by; an accepted
// value's flags, written back as a group_by value, parse to the same flags.
func FuzzParseGroupBy(f *testing.F) {
	for _, s := range []string{"category", "month", "category,month", "", ",", "street", "month,,category", " category "} {
		f.Add(s)
	}
	parse := func(v string) (bool, bool, error) {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		r.URL.RawQuery = url.Values{"group_by": {v}}.Encode()
		return parseGroupBy(r)
	}
	f.Fuzz(func(t *testing.T, v string) {
		byCat, byMonth, err := parse(v)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != "group_by" {
				t.Fatalf("group_by=%q: err %v, want a ParamError naming group_by", v, err)
			}
			return
		}
		var items []string
		if byCat {
			items = append(items, "category")
		}
		if byMonth {
			items = append(items, "month")
		}
		canon := strings.Join(items, ",")
		c, m, err := parse(canon)
		if err != nil || c != byCat || m != byMonth {
			t.Fatalf("group_by=%q = %v, %v; written back as %q it parses to %v, %v, %v", v, byCat, byMonth, canon, c, m, err)
		}
	})
}
