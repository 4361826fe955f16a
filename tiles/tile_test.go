package tiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"crimemap/geo"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// expected is the brute-force truth for a filter: located crimes passing it,
// per snap point and per category.
type expected struct {
	total   int
	byPoint map[geo.PointID]int
	byCat   map[string]int
}

func bruteForce(ds *geo.Dataset, f *geo.Filter) expected {
	e := expected{byPoint: map[geo.PointID]int{}, byCat: map[string]int{}}
	for p := 0; p < ds.NumPoints(); p++ {
		eachCrime(ds, geo.PointID(p), func(c geo.CrimeID) {
			if ds.Matches(c, f) {
				e.total++
				e.byPoint[geo.PointID(p)]++
				e.byCat[ds.Categories().Term(int(ds.Category(c))).Slug]++
			}
		})
	}
	return e
}

// decode reads a tile with orb's decoder, independent of our encoder.
func decode(tb testing.TB, b []byte) mvt.Layers {
	tb.Helper()
	ls, err := mvt.Unmarshal(b)
	if err != nil {
		tb.Fatalf("orb cannot decode tile: %v", err)
	}
	return ls
}

func num(tb testing.TB, v any) int {
	tb.Helper()
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 0 {
		tb.Fatalf("property value %v (%T) is not a count", v, v)
	}
	return int(f)
}

// testFilters are the filters the conservation test runs.
func testFilters(tb testing.TB, ds *geo.Dataset) map[string]geo.Filter {
	m := ds.Months()[0]
	fs := map[string]geo.Filter{
		"all":         {},
		"month":       {From: m, To: m},
		"other-month": {From: m + 1, To: m + 1},
		"burglary":    categoryFilter(tb, ds, "burglary"),
		"asb+drugs":   categoryFilter(tb, ds, "anti-social-behaviour", "drugs"),
	}
	f := categoryFilter(tb, ds, "violent-crime")
	f.From, f.To = m, m
	fs["violence-month"] = f
	var o geo.Filter
	o.Outcomes.Add(1)
	fs["outcome"] = o
	return fs
}

// tilesToVisit lists tiles to render at zoom z: every tile around the
// dataset at cluster zooms (clusters may sit away from any point), and the
// tile of each point with its neighbours at crime zooms, found with orb's
// maptile rather than our projection.
func tilesToVisit(ds *geo.Dataset, z int, crimeZoom bool) []maptile.Tile {
	set := map[maptile.Tile]bool{}
	add := func(t maptile.Tile) {
		n := uint32(1) << z
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				x, y := int64(t.X)+int64(dx), int64(t.Y)+int64(dy)
				if x >= 0 && y >= 0 && x < int64(n) && y < int64(n) {
					set[maptile.New(uint32(x), uint32(y), maptile.Zoom(z))] = true
				}
			}
		}
	}
	if crimeZoom {
		for p := 0; p < ds.NumPoints(); p++ {
			lon, lat := ds.PointLonLat(geo.PointID(p))
			add(maptile.At(orb.Point{lon, lat}, maptile.Zoom(z)))
		}
	} else {
		b := ds.Bound()
		nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, maptile.Zoom(z))
		se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, maptile.Zoom(z))
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				add(maptile.New(x, y, maptile.Zoom(z)))
			}
		}
	}
	out := make([]maptile.Tile, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	return out
}

// TestConservation renders every tile of zooms 0..16 that can hold data and
// checks, against a brute-force count, that the counts of all features add
// up to exactly the located crimes passing the filter, per category, and per
// snap point where points are shown; that no cluster or point appears twice;
// that geometry stays in the extent; and that tiles keep their bounds.
func TestConservation(t *testing.T) {
	ds := hampshire(t)
	opts := map[string]Options{
		"default": DefaultOptions(),
		// Tiny bounds force the grid merge at every zoom.
		"bounded": {CrimesZoom: 12, MaxFeatures: 25, MaxBytes: 1500},
	}
	maxZ := 16
	if testing.Short() {
		maxZ = 14
	}
	opts["no-sums"] = DefaultOptions()
	for oname, opt := range opts {
		ix := NewIndex(ds, opt)
		if oname == "no-sums" {
			// Without per-filter sums every cluster of a force or outcome
			// filter is counted from its points.
			ix.memoDepthZ = -1
		} else if ix.memoDepthZ < opt.CrimesZoom-1 {
			t.Fatalf("sums stop at zoom %d on a small dataset", ix.memoDepthZ)
		}
		for fname, f := range testFilters(t, ds) {
			if oname == "no-sums" && fname != "outcome" {
				continue
			}
			t.Run(oname+"/"+fname, func(t *testing.T) {
				want := bruteForce(ds, &f)
				for z := 0; z <= maxZ; z++ {
					checkZoom(t, ix, z, &f, want)
				}
			})
		}
	}
}

func checkZoom(t *testing.T, ix *Index, z int, f *geo.Filter, want expected) {
	t.Helper()
	ds := ix.Dataset()
	opt := ix.Options()
	total := 0
	byCat := map[string]int{}
	byPoint := map[geo.PointID]int{}
	ids := map[uint64]bool{}
	merged := false
	for _, mt := range tilesToVisit(ds, z, z >= opt.CrimesZoom) {
		b, err := ix.Tile(context.Background(), z, int(mt.X), int(mt.Y), f)
		if err != nil {
			t.Fatalf("Tile(%d/%d/%d) error: %v", z, mt.X, mt.Y, err)
		}
		if b == nil {
			continue
		}
		if len(b) > opt.MaxBytes {
			t.Errorf("tile %d/%d/%d is %d bytes, over %d", z, mt.X, mt.Y, len(b), opt.MaxBytes)
		}
		layers := decode(t, b)
		if len(layers) != 1 {
			t.Fatalf("tile %d/%d/%d has %d layers, want 1", z, mt.X, mt.Y, len(layers))
		}
		l := layers[0]
		if len(l.Features) == 0 || len(l.Features) > opt.MaxFeatures {
			t.Errorf("tile %d/%d/%d has %d features, want 1..%d", z, mt.X, mt.Y, len(l.Features), opt.MaxFeatures)
		}
		if l.Extent != Extent || l.Version != 2 {
			t.Errorf("layer extent %d version %d, want %d and 2", l.Extent, l.Version, Extent)
		}
		switch {
		case l.Name == LayerCrimes && z >= opt.CrimesZoom:
		case l.Name == LayerClusters && z >= opt.CrimesZoom:
			// A tile too big for the bounds, merged into clusters.
			merged = true
		case l.Name == LayerClusters:
		default:
			t.Errorf("tile %d/%d/%d has layer %q", z, mt.X, mt.Y, l.Name)
		}
		for _, ft := range l.Features {
			pt, ok := ft.Geometry.(orb.Point)
			if !ok || pt[0] < 0 || pt[0] >= Extent || pt[1] < 0 || pt[1] >= Extent {
				t.Fatalf("tile %d/%d/%d: geometry %v outside the tile", z, mt.X, mt.Y, ft.Geometry)
			}
			n := 0
			catSum := 0
			for k, v := range ft.Properties {
				switch k {
				case propCount, propPointCount:
					n = num(t, v)
				case propLocationID, propClusterID, propStreet, propAbbrev:
				default:
					c := num(t, v)
					if c == 0 {
						t.Errorf("category %s present with count 0", k)
					}
					byCat[k] += c
					catSum += c
				}
			}
			if n == 0 || n != catSum {
				t.Errorf("feature count %d, categories sum to %d", n, catSum)
			}
			total += n
			if l.Name == LayerCrimes {
				id := num(t, ft.Properties[propLocationID])
				p, ok := ds.PointByLocationID(int64(id))
				if !ok || ft.ID != float64(id) {
					t.Errorf("feature id %v, location_id %v: no such point", ft.ID, id)
				}
				if _, dup := byPoint[p]; dup {
					t.Errorf("point %d in two tiles at zoom %d", p, z)
				}
				byPoint[p] = n
				if s := ft.Properties[propStreet]; s != ds.PointStreet(p) {
					t.Errorf("point %d street %v, want %q", p, s, ds.PointStreet(p))
				}
			} else if v, ok := ft.Properties[propClusterID]; ok {
				id := uint64(num(t, v))
				if ids[id] {
					t.Errorf("cluster %d twice at zoom %d", id, z)
				}
				ids[id] = true
				abbr := fmt.Sprint(ft.Properties[propAbbrev])
				if abbr != Abbreviate(n) {
					t.Errorf("abbreviation %q for %d", abbr, n)
				}
			}
		}
	}
	if total != want.total {
		t.Fatalf("zoom %d: features count %d crimes, brute force %d", z, total, want.total)
	}
	for k, v := range want.byCat {
		if byCat[k] != v {
			t.Errorf("zoom %d: category %s counts %d, brute force %d", z, k, byCat[k], v)
		}
	}
	if z >= opt.CrimesZoom && !merged {
		for p, v := range want.byPoint {
			if byPoint[p] != v {
				t.Errorf("zoom %d: point %d counts %d, brute force %d", z, p, byPoint[p], v)
			}
		}
	}
}

// orbLayer builds, with orb's own types, the layer our encoder writes for
// the same features, so that orb's Marshal can be the reference.
func orbLayer(ix *Index, z, x, y int, layer string, feats []feature) mvt.Layers {
	l := &mvt.Layer{Name: layer, Version: 2, Extent: Extent}
	for _, ft := range feats {
		px, py := InTile(z, x, y, ft.wx, ft.wy)
		g := geojson.NewFeature(orb.Point{float64(px), float64(py)})
		for c, n := range ft.byCat {
			if n > 0 {
				g.Properties[ix.slugs[c]] = uint64(n)
			}
		}
		if ft.hasID {
			g.ID = ft.id
		}
		if layer == LayerCrimes {
			g.Properties[propCount] = uint64(ft.total)
			g.Properties[propLocationID] = uint64(ix.ds.LocationID(ft.point))
			g.Properties[propStreet] = ix.ds.PointStreet(ft.point)
		} else {
			if ft.hasID {
				g.Properties[propClusterID] = ft.id
			}
			g.Properties[propPointCount] = uint64(ft.total)
			if ft.total < 1000 {
				g.Properties[propAbbrev] = uint64(ft.total)
			} else {
				g.Properties[propAbbrev] = Abbreviate(int(ft.total))
			}
		}
		l.Features = append(l.Features, g)
	}
	return mvt.Layers{l}
}

// TestEncoderMatchesOrb checks that the specialised point encoder writes the
// very bytes orb's mvt.Marshal writes for the same features.
func TestEncoderMatchesOrb(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	f := categoryFilter(t, ds, "burglary", "shoplifting")
	checked := 0
	for _, tc := range []struct {
		z    int
		f    *geo.Filter
		name string
	}{{5, nil, "z5"}, {9, nil, "z9"}, {11, &f, "z11 filtered"}, {14, nil, "z14"}, {16, &f, "z16 filtered"}} {
		for _, mt := range tilesToVisit(ds, tc.z, tc.z >= 14) {
			filter := tc.f
			if filter == nil {
				filter = &geo.Filter{}
			}
			feats, layer := ix.features(tc.z, int(mt.X), int(mt.Y), filter)
			if len(feats) == 0 {
				continue
			}
			got := ix.encode(tc.z, int(mt.X), int(mt.Y), layer, feats)
			want, err := mvt.Marshal(orbLayer(ix, tc.z, int(mt.X), int(mt.Y), layer, feats))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s tile %v: encoder wrote %d bytes, orb %d, and they differ", tc.name, mt, len(got), len(want))
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d tiles compared", checked)
	}
}

func TestTileDeterministic(t *testing.T) {
	ds := hampshire(t)
	f := categoryFilter(t, ds, "vehicle-crime")
	for _, z := range []int{3, 10, 15} {
		cx, cy := Project(-1.40, 50.91) // Southampton
		x, y := TileOf(z, cx, cy)
		var first []byte
		for i := range 20 {
			// A fresh index each time: bytes must not depend on build races.
			ix := NewIndex(ds, DefaultOptions())
			b, err := ix.Tile(context.Background(), z, x, y, &f)
			if err != nil || b == nil {
				t.Fatalf("Tile(%d/%d/%d) = %d bytes, %v", z, x, y, len(b), err)
			}
			if i == 0 {
				first = b
			} else if !bytes.Equal(b, first) {
				t.Fatalf("zoom %d: render %d differs from the first", z, i)
			}
		}
	}
}

func TestTileErrors(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	tests := []struct {
		name    string
		z, x, y int
	}{
		{"negative zoom", -1, 0, 0},
		{"zoom too deep", MaxZoom + 1, 0, 0},
		{"x beyond", 3, 8, 0},
		{"y beyond", 3, 0, 8},
		{"negative x", 3, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ix.Tile(context.Background(), tc.z, tc.x, tc.y, nil); !errors.Is(err, ErrBadTile) {
				t.Errorf("Tile(%d/%d/%d) error %v, want ErrBadTile", tc.z, tc.x, tc.y, err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Tile(ctx, 0, 0, 0, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Tile with a cancelled context: error %v", err)
	}
}
