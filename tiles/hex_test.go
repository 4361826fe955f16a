package tiles

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"crimemap/geo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// bruteCells counts the crimes passing f per cell at res straight from the
// snap points and h3, without the hex aggregation.
func bruteCells(ds *geo.Dataset, res int, f *geo.Filter) map[h3.Cell]map[string]int {
	out := map[h3.Cell]map[string]int{}
	for p := 0; p < ds.NumPoints(); p++ {
		lon, lat := ds.PointLonLat(geo.PointID(p))
		c := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res)
		ds.PointMatches(geo.PointID(p), f, func(cr geo.CrimeID) bool {
			m := out[c]
			if m == nil {
				m = map[string]int{}
				out[c] = m
			}
			m["count"]++
			m[ds.Categories().Term(int(ds.Category(cr))).Slug]++
			return true
		})
	}
	return out
}

func decodeHex(t *testing.T, b []byte) []*geojson.Feature {
	t.Helper()
	if b == nil {
		return nil
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(layers) != 1 || layers[0].Name != LayerHexes || layers[0].Extent != Extent {
		t.Fatalf("layers %v, want one %q of extent %d", layers, LayerHexes, Extent)
	}
	return layers[0].Features
}

func propInt(f *geojson.Feature, k string) int {
	switch v := f.Properties[k].(type) {
	case float64:
		return int(v)
	case int64:
		return int(v)
	case uint64:
		return int(v)
	}
	return 0
}

// cellTouches reports whether the projected boundary of c reaches the tile
// grown by the buffer less inset tile units, by polygon-box overlap: a
// vertex in the box, a box corner in the polygon, or crossing edges.
func cellTouches(z, x, y int, c h3.Cell, inset float64) bool {
	n := float64(uint(1) << z)
	var ring orb.Ring
	for _, v := range h3.CellToBoundary(c) {
		wx, wy := Project(v.Lng, v.Lat)
		ring = append(ring, orb.Point{(wx*n - float64(x)) * Extent, (wy*n - float64(y)) * Extent})
	}
	ring = append(ring, ring[0])
	lo, hi := -float64(HexBuffer)+inset, float64(Extent+HexBuffer)-inset
	box := orb.Ring{{lo, lo}, {hi, lo}, {hi, hi}, {lo, hi}, {lo, lo}}
	in := func(p orb.Point) bool { return p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi }
	for _, p := range ring {
		if in(p) {
			return true
		}
	}
	for _, p := range box {
		if windingContains(ring, p) {
			return true
		}
	}
	for i := 0; i+1 < len(ring); i++ {
		for j := 0; j+1 < len(box); j++ {
			if segmentsCross(ring[i], ring[i+1], box[j], box[j+1]) {
				return true
			}
		}
	}
	return false
}

func windingContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-2; i < len(r)-1; j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func segmentsCross(a, b, c, d orb.Point) bool {
	orient := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	return orient(a, b, c)*orient(a, b, d) < 0 && orient(c, d, a)*orient(c, d, b) < 0
}

func TestHexTileMatchesBruteForce(t *testing.T) {
	ds := hampshire(t)
	tests := []struct {
		name    string
		z, x, y int
		res     int
		f       geo.Filter
	}{
		{"z7 whole county", 7, 63, 42, -1, geo.Filter{}},
		{"z10 Southampton", 10, 508, 343, -1, geo.Filter{}},
		{"z12 Portsmouth res override", 12, 2035, 1374, 9, geo.Filter{}},
		{"z13 burglary", 13, 4064, 2745, -1, categoryFilter(t, ds, "burglary")},
		{"z4 res 2", 4, 7, 5, 2, geo.Filter{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.res
			if res < 0 {
				res = HexZoomRes[tc.z]
			}
			b, err := HexTile(context.Background(), ds, tc.z, tc.x, tc.y, tc.res, &tc.f)
			if err != nil {
				t.Fatal(err)
			}
			feats := decodeHex(t, b)
			want := bruteCells(ds, res, &tc.f)
			// A cell reaching less than a unit into the buffer may collapse
			// to nothing when snapped to integer units: it may be left out.
			mustIn, mayIn := 0, 0
			for c := range want {
				if cellTouches(tc.z, tc.x, tc.y, c, 1) {
					mustIn++
				}
				if cellTouches(tc.z, tc.x, tc.y, c, 0) {
					mayIn++
				}
			}
			if len(feats) < mustIn || len(feats) > mayIn {
				t.Errorf("%d features, want %d..%d cells reaching the buffered tile", len(feats), mustIn, mayIn)
			}
			got := map[string]bool{}
			for _, ft := range feats {
				got[ft.Properties["h3"].(string)] = true
			}
			for c := range want {
				if !got[c.String()] && cellTouches(tc.z, tc.x, tc.y, c, 1) {
					t.Errorf("cell %v reaches into the tile but is missing", c)
				}
			}
			wantIn := mayIn
			if wantIn == 0 {
				t.Fatalf("test tile %d/%d/%d holds no cell; pick another", tc.z, tc.x, tc.y)
			}
			for _, ft := range feats {
				s, _ := ft.Properties["h3"].(string)
				c := h3.Cell(h3.IndexFromString(s))
				w, ok := want[c]
				if !ok || !cellTouches(tc.z, tc.x, tc.y, c, 0) {
					t.Errorf("cell %s should not be in the tile", s)
					continue
				}
				if c.Resolution() != res {
					t.Errorf("cell %s at resolution %d, want %d", s, c.Resolution(), res)
				}
				for k, n := range w {
					if got := propInt(ft, k); got != n {
						t.Errorf("cell %s %s = %d, want %d", s, k, got, n)
					}
				}
				// orb decodes ids as float64, so compare at that precision.
				if id, ok := ft.ID.(float64); !ok || id != float64(uint64(c)) {
					t.Errorf("cell %s feature id %v, want %d", s, ft.ID, uint64(c))
				}
				poly, ok := ft.Geometry.(orb.Polygon)
				if !ok || len(poly) != 1 {
					t.Errorf("cell %s geometry %T, want one ring", s, ft.Geometry)
					continue
				}
				for _, p := range poly[0] {
					if p[0] < -HexBuffer || p[0] > Extent+HexBuffer || p[1] < -HexBuffer || p[1] > Extent+HexBuffer {
						t.Errorf("cell %s point %v outside the buffer", s, p)
						break
					}
				}
			}
		})
	}
}

// TestHexTileSeams checks that a cell on the seam of two tiles carries the
// same properties in both.
func TestHexTileSeams(t *testing.T) {
	ds := hampshire(t)
	props := map[string]geojson.Properties{}
	shared := 0
	for _, x := range []int{507, 508} {
		b, err := HexTile(context.Background(), ds, 10, x, 343, -1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ft := range decodeHex(t, b) {
			s := ft.Properties["h3"].(string)
			if old, ok := props[s]; ok {
				shared++
				if fmt.Sprint(old) != fmt.Sprint(ft.Properties) {
					t.Errorf("cell %s: %v in one tile, %v in the other", s, old, ft.Properties)
				}
			}
			props[s] = ft.Properties
		}
	}
	if shared == 0 {
		t.Fatal("no cell on the seam; pick other tiles")
	}
}

func TestHexTileDeterministic(t *testing.T) {
	ds := hampshire(t)
	first, err := HexTile(context.Background(), ds, 11, 1016, 686, -1, nil)
	if err != nil || first == nil {
		t.Fatalf("HexTile = %d bytes, %v", len(first), err)
	}
	for i := 0; i < 20; i++ {
		b, _ := HexTile(context.Background(), ds, 11, 1016, 686, -1, nil)
		if !bytes.Equal(b, first) {
			t.Fatalf("render %d differs", i)
		}
	}
}

func TestHexTileErrors(t *testing.T) {
	ds := hampshire(t)
	tests := []struct {
		name         string
		z, x, y, res int
		want         error
	}{
		{"zoom too deep", MaxZoom + 1, 0, 0, -1, ErrBadTile},
		{"x out of range", 3, 8, 0, -1, ErrBadTile},
		{"res 14", 3, 0, 0, 14, geo.ErrBadRes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := HexTile(context.Background(), ds, tc.z, tc.x, tc.y, tc.res, nil); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Empty: the middle of the Pacific.
	if b, err := HexTile(context.Background(), ds, 8, 10, 120, -1, nil); b != nil || err != nil {
		t.Errorf("empty tile = %d bytes, %v, want nil", len(b), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := HexTile(ctx, ds, 10, 508, 343, -1, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestHexTileGolden pins the bytes of one tile; go test ./tiles -update
// rewrites the golden file and its GeoJSON twin for review.
func TestHexTileGolden(t *testing.T) {
	ds := hampshire(t)
	b, err := HexTile(context.Background(), ds, 12, 2032, 1372, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("..", "testdata", "hex", "12-2032-1372.mvt")
	if *update {
		layers, _ := mvt.Unmarshal(b)
		fc := geojson.NewFeatureCollection()
		fc.Features = layers[0].Features
		js, _ := fc.MarshalJSON()
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden[:len(golden)-4]+".geojson", js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./tiles -update)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("tile differs from %s (%d bytes, want %d); rerun with -update and review the .geojson diff", golden, len(b), len(want))
	}
}

func TestHexZoomRes(t *testing.T) {
	// Each zoom's cells should be a few to a few tens across a tile at
	// 52 degrees north: the table's promise.
	for z, res := range HexZoomRes {
		tileKm := 40075.0 * 0.6157 / float64(uint(1)<<z)
		across := tileKm / (2 * h3.HexagonEdgeLengthAvgKm(res))
		if across < 3 || across > 40 {
			t.Errorf("zoom %d res %d: %.1f cells across a tile", z, res, across)
		}
	}
}

func FuzzHexTile(f *testing.F) {
	f.Add(10, 508, 343, -1)
	f.Add(0, 0, 0, 0)
	f.Add(18, 130000, 87000, 13)
	ds := hampshire(f)
	f.Fuzz(func(t *testing.T, z, x, y, res int) {
		b, err := HexTile(context.Background(), ds, z, x, y, res, nil)
		if err != nil {
			if !errors.Is(err, ErrBadTile) && !errors.Is(err, geo.ErrBadRes) {
				t.Fatalf("HexTile(%d/%d/%d res %d): unexpected error %v", z, x, y, res, err)
			}
			return
		}
		decodeHex(t, b)
	})
}

func ExampleHexTile() {
	b := geo.NewBuilder()
	m := geo.MakeMonth(2024, 1)
	sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 1, "example")
	sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: -1.4, Lat: 50.9,
		Location: []byte("On or near High Street"), CrimeType: []byte("Burglary")})
	b.AddStreet(sb)
	ds, _, _ := b.Build()

	tile, _ := HexTile(context.Background(), ds, 10, 508, 343, -1, nil)
	layers, _ := mvt.Unmarshal(tile)
	for _, f := range layers[0].Features {
		fmt.Println(f.Properties["h3"], f.Properties["count"], f.Properties["burglary"])
	}
	// Output: 871959025ffffff 1 1
}

// TestHexTileAntimeridian draws a cell that crosses the antimeridian: it
// must appear, with the same count, at both edges of the world.
func TestHexTileAntimeridian(t *testing.T) {
	b := geo.NewBuilder()
	m := geo.MakeMonth(2024, 1)
	sb := geo.NewStreetBatch(geo.Unit{Force: "fiji", Month: m}, 1, "test")
	lon, lat := 179.99, -17.0
	for i := 0; i < 3; i++ {
		sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: lon, Lat: lat,
			Location: []byte("On or near Date Line"), CrimeType: []byte("Drugs")})
	}
	b.AddStreet(sb)
	ds, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	const z = 4
	res := HexZoomRes[z]
	c := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res)
	west, east := false, false
	for _, v := range h3.CellToBoundary(c) {
		west, east = west || v.Lng < 0, east || v.Lng > 0
	}
	if !west || !east {
		t.Fatalf("cell %v does not cross the antimeridian; pick another point", c)
	}
	wx, wy := Project(lon, lat)
	_, ty := TileOf(z, wx, wy)
	for _, tx := range []int{0, 1<<z - 1} {
		raw, err := HexTile(context.Background(), ds, z, tx, ty, -1, nil)
		if err != nil {
			t.Fatal(err)
		}
		feats := decodeHex(t, raw)
		if len(feats) != 1 || feats[0].Properties["h3"] != c.String() || propInt(feats[0], "count") != 3 {
			t.Fatalf("tile %d/%d/%d: %d features %v, want cell %v with 3 crimes", z, tx, ty, len(feats), feats, c)
		}
		poly := feats[0].Geometry.(orb.Polygon)
		for _, p := range poly[0] {
			if p[0] < -HexBuffer || p[0] > Extent+HexBuffer {
				t.Errorf("tile x %d: point %v outside the buffer", tx, p)
			}
		}
	}
}

func TestHexMaxRes(t *testing.T) {
	// The table the package comment documents; a change of the bound
	// should be a deliberate change of it.
	want := [MaxZoom + 1]int{1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9, 10, 10, 11, 12, 13, 13}
	if HexMaxRes != want {
		t.Errorf("HexMaxRes = %v, want %v", HexMaxRes, want)
	}
	for z := range HexMaxRes {
		if HexZoomRes[z] > HexMaxRes[z] {
			t.Errorf("zoom %d: default res %d finer than the finest allowed, %d", z, HexZoomRes[z], HexMaxRes[z])
		}
		if z > 0 && HexMaxRes[z] < HexMaxRes[z-1] {
			t.Errorf("zoom %d allows res %d, coarser than zoom %d's %d", z, HexMaxRes[z], z-1, HexMaxRes[z-1])
		}
	}
	for res := 0; res <= geo.FinestRes; res++ {
		z := HexMinZoom(res)
		if z > MaxZoom || HexMaxRes[z] < res || (z > 0 && HexMaxRes[z-1] >= res) {
			t.Errorf("HexMinZoom(%d) = %d", res, z)
		}
	}
}

// TestHexTileResTooFine: a resolution too fine for the zoom made tiles far
// over the size bounds (res 9 at zoom 5) or lost the cells that collapsed
// to nothing when snapped to tile units (res 8 at zoom 0 kept 280 of 14,834
// crimes); it is refused, naming the finest resolution allowed.
func TestHexTileResTooFine(t *testing.T) {
	ds := hampshire(t)
	tests := []struct{ z, x, y, res, max, minZoom int }{
		{0, 0, 0, 8, 1, 10},
		{5, 15, 10, 9, 4, 12},
		{10, 508, 343, 9, 8, 12},
	}
	for _, tc := range tests {
		_, err := HexTile(context.Background(), ds, tc.z, tc.x, tc.y, tc.res, nil)
		var re *HexResError
		if !errors.As(err, &re) {
			t.Errorf("zoom %d res %d: err = %v, want a HexResError", tc.z, tc.res, err)
			continue
		}
		if re.Max != tc.max || re.MinZoom != tc.minZoom || re.Res != tc.res || re.Zoom != tc.z {
			t.Errorf("zoom %d res %d: %+v, want max %d min zoom %d", tc.z, tc.res, re, tc.max, tc.minZoom)
		}
	}
}

// TestHexConservation renders every hex tile of the low and middle zooms
// around the real month, at the zoom's default resolution and at the finest
// it allows, and checks that the cells over all tiles of a zoom hold exactly
// the located crimes passing the filter: every cell with a crime is drawn,
// and a cell drawn in several tiles has the same count in each.
func TestHexConservation(t *testing.T) {
	ds := hampshire(t)
	maxZ := 12
	if testing.Short() {
		maxZ = 9
	}
	filters := map[string]geo.Filter{"all": {}, "burglary": categoryFilter(t, ds, "burglary")}
	for fname, f := range filters {
		total := bruteForce(ds, &f).total
		for z := 0; z <= maxZ; z++ {
			for _, res := range []int{HexZoomRes[z], HexMaxRes[z]} {
				want := bruteCells(ds, res, &f)
				got := map[string]int{}
				for _, mt := range tilesToVisit(ds, z, false) {
					raw, err := HexTile(context.Background(), ds, z, int(mt.X), int(mt.Y), res, &f)
					if err != nil {
						t.Fatal(err)
					}
					if len(raw) > 500_000 {
						t.Errorf("%s: tile %d/%d/%d res %d is %d bytes", fname, z, mt.X, mt.Y, res, len(raw))
					}
					for _, ft := range decodeHex(t, raw) {
						s := ft.Properties["h3"].(string)
						n := propInt(ft, "count")
						if old, ok := got[s]; ok && old != n {
							t.Errorf("%s: zoom %d cell %s counts %d and %d", fname, z, s, old, n)
						}
						got[s] = n
					}
				}
				sum := 0
				for _, n := range got {
					sum += n
				}
				if sum != total || len(got) != len(want) {
					t.Errorf("%s: zoom %d res %d: %d cells holding %d crimes, want %d cells holding %d",
						fname, z, res, len(got), sum, len(want), total)
				}
			}
		}
	}
}

// TestHexTileWorstCase fills every cell that can reach into a tile at the
// equator (where a tile spans the most ground) with crimes of every
// category, at the finest resolution the zoom allows, and checks that the
// tile keeps the bounds of crime tiles.
func TestHexTileWorstCase(t *testing.T) {
	zooms := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
	if testing.Short() {
		zooms = []int{9}
	}
	for _, z := range zooms {
		res := HexMaxRes[z]
		x, y := 1<<z/2, 1<<z/2
		var cells []h3.Cell
		if z <= 2 {
			for _, c0 := range h3.Res0Cells() {
				cells = append(cells, c0.Children(res)...)
			}
		} else {
			b := hexCentreBound(z, x, y, res)
			loop := h3.GeoLoop{{Lat: b.Min[1], Lng: b.Min[0]}, {Lat: b.Min[1], Lng: b.Max[0]},
				{Lat: b.Max[1], Lng: b.Max[0]}, {Lat: b.Max[1], Lng: b.Min[0]}}
			cells = h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res)
		}
		bld := geo.NewBuilder()
		m := geo.MakeMonth(2024, 1)
		sb := geo.NewStreetBatch(geo.Unit{Force: "equator", Month: m}, 1, "test")
		for i, c := range cells {
			ll := c.LatLng()
			for k, cat := range geo.StandardCategories {
				// Counts of many sizes make the value table, and its
				// indexes, as large as real data makes them.
				n := 1
				if k == 0 {
					n += i % 140
				}
				for j := 0; j < n; j++ {
					sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: ll.Lng, Lat: ll.Lat,
						Location: []byte("On or near Equator"), CrimeType: []byte(cat.Name)})
				}
			}
		}
		bld.AddStreet(sb)
		ds, _, err := bld.Build()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := HexTile(context.Background(), ds, z, x, y, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		feats := decodeHex(t, raw)
		t.Logf("zoom %d res %d: %d features, %d bytes", z, res, len(feats), len(raw))
		if len(feats) >= 10_000 || len(raw) >= 500_000 {
			t.Errorf("zoom %d res %d: %d features, %d bytes; want under 10,000 and 500,000", z, res, len(feats), len(raw))
		}
	}
}
