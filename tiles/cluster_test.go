package tiles

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"crimemap/geo"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// featuresAt renders the given tiles of zoom z and returns, for every
// cluster feature, its id and point_count, decoded with orb.
func featuresAt(t *testing.T, ix *Index, z int, f *geo.Filter, ts []maptile.Tile) map[uint64]int {
	t.Helper()
	out := map[uint64]int{}
	for _, mt := range ts {
		b, err := ix.Tile(context.Background(), z, int(mt.X), int(mt.Y), f)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			continue
		}
		for _, ft := range decode(t, b)[0].Features {
			id, ok := ft.Properties[propClusterID]
			if !ok {
				t.Fatalf("zoom %d feature without cluster_id", z)
			}
			out[uint64(num(t, id))] = num(t, ft.Properties[propPointCount])
		}
	}
	return out
}

// owners maps every snap point to the cluster showing it at zoom z, using
// Leaves on every cluster of the tiles.
func owners(t *testing.T, ix *Index, z int, f *geo.Filter, ts []maptile.Tile) map[geo.PointID]uint64 {
	t.Helper()
	own := map[geo.PointID]uint64{}
	for id := range featuresAt(t, ix, z, f, ts) {
		leaves, _, err := ix.Leaves(id, f, 1<<30, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leaves {
			own[l.Point] = id
		}
	}
	return own
}

// TestLeavesAndExpansionZoom checks every cluster of a few zooms: its leaves
// hold exactly point_count crimes passing the filter (counted from the
// dataset), pages of leaves partition them, and at the expansion zoom its
// leaves are shown by two or more features while one zoom earlier they are
// shown by one.
func TestLeavesAndExpansionZoom(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	filters := map[string]geo.Filter{"all": {}, "burglary": categoryFilter(t, ds, "burglary")}
	for name, f := range filters {
		want := bruteForce(ds, &f)
		for _, z := range []int{4, 8, 11} {
			t.Run(name+"/z"+strconv.Itoa(z), func(t *testing.T) {
				feats := featuresAt(t, ix, z, &f, tilesToVisit(ds, z, false))
				if len(feats) == 0 {
					t.Fatal("no clusters")
				}
				ids := slices.Sorted(func(yield func(uint64) bool) {
					for id := range feats {
						if !yield(id) {
							return
						}
					}
				})
				// Every cluster at low zooms, a spread of them deeper.
				step := max(1, len(ids)/12)
				for k := 0; k < len(ids); k += step {
					id := ids[k]
					checkCluster(t, ix, z, id, feats[id], &f, want)
				}
			})
		}
	}
}

func checkCluster(t *testing.T, ix *Index, z int, id uint64, count int, f *geo.Filter, want expected) {
	t.Helper()
	ds := ix.Dataset()
	leaves, total, err := ix.Leaves(id, f, 1<<30, 0)
	if err != nil {
		t.Fatalf("Leaves(%d): %v", id, err)
	}
	sum := 0
	var pts []geo.PointID
	for _, l := range leaves {
		if l.Count != want.byPoint[l.Point] || l.Count == 0 {
			t.Fatalf("leaf %d of %d: count %d, brute force %d", l.Point, id, l.Count, want.byPoint[l.Point])
		}
		sum += l.Count
		pts = append(pts, l.Point)
	}
	if sum != count || total != len(leaves) {
		t.Fatalf("cluster %d: leaves sum to %d (total %d of %d), point_count %d", id, sum, total, len(leaves), count)
	}
	// Pages of 3 give the same leaves in the same order.
	var paged []geo.PointID
	for off := 0; off < total; off += 3 {
		page, n, err := ix.Leaves(id, f, 3, off)
		if err != nil || n != total {
			t.Fatalf("Leaves page at %d: %v, total %d", off, err, n)
		}
		for _, l := range page {
			paged = append(paged, l.Point)
		}
	}
	if !slices.Equal(paged, pts) {
		t.Fatalf("cluster %d: paged leaves differ", id)
	}

	ez, err := ix.ExpansionZoom(id, f)
	if err != nil {
		t.Fatalf("ExpansionZoom(%d): %v", id, err)
	}
	if ez <= z {
		t.Fatalf("cluster %d shown at %d expands at %d", id, z, ez)
	}
	// The tiles of the leaves and their neighbours, with orb's tile maths.
	near := func(zoom int) []maptile.Tile {
		set := map[maptile.Tile]bool{}
		for _, p := range pts {
			lon, lat := ds.PointLonLat(p)
			c := maptile.At(orb.Point{lon, lat}, maptile.Zoom(zoom))
			for dx := -1; dx <= 1; dx++ {
				for dy := -1; dy <= 1; dy++ {
					set[maptile.New(uint32(int(c.X)+dx), uint32(int(c.Y)+dy), maptile.Zoom(zoom))] = true
				}
			}
		}
		var out []maptile.Tile
		for mt := range set {
			if int(mt.X) < 1<<zoom && int(mt.Y) < 1<<zoom {
				out = append(out, mt)
			}
		}
		return out
	}
	if ez >= ix.Options().CrimesZoom {
		// Shown as points from there: it must not split earlier.
		if ez-1 > z {
			checkShownBy(t, ix, ez-1, id, pts, f, near(ez-1), 1)
		}
		return
	}
	checkShownBy(t, ix, ez, id, pts, f, near(ez), 2)
	if ez-1 > z {
		checkShownBy(t, ix, ez-1, id, pts, f, near(ez-1), 1)
	}
}

// checkShownBy checks how many features show the points at zoom z: exactly
// one when want is 1, at least two when want is 2.
func checkShownBy(t *testing.T, ix *Index, z int, id uint64, pts []geo.PointID, f *geo.Filter, ts []maptile.Tile, want int) {
	t.Helper()
	own := owners(t, ix, z, f, ts)
	shown := map[uint64]bool{}
	for _, p := range pts {
		o, ok := own[p]
		if !ok {
			t.Fatalf("zoom %d: point %d of cluster %d shown by no feature", z, p, id)
		}
		shown[o] = true
	}
	if (want == 1 && len(shown) != 1) || (want == 2 && len(shown) < 2) {
		t.Fatalf("cluster %d: its leaves are shown by %d features at zoom %d, want %s", id, len(shown), z,
			map[int]string{1: "1", 2: "2 or more"}[want])
	}
}

func TestClusterIDErrors(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	for _, s := range []string{"", "x", "-1", "01", "99999999999999999999999", strconv.FormatUint(1<<40|3, 10)} {
		if _, err := ix.ParseClusterID(s); !errors.Is(err, ErrClusterNotFound) || !errors.Is(err, geo.ErrNotFound) {
			t.Errorf("ParseClusterID(%q) error %v, want ErrClusterNotFound", s, err)
		}
	}
	// A cluster with crimes, asked about with a filter none of its crimes pass.
	ids := featuresAt(t, ix, 13, &geo.Filter{}, tilesToVisit(ds, 13, false))
	none := geo.Filter{From: geo.MakeMonth(1990, 1), To: geo.MakeMonth(1990, 1)}
	for id := range ids {
		if _, err := ix.ExpansionZoom(id, &none); !errors.Is(err, ErrClusterNotFound) {
			t.Errorf("ExpansionZoom(%d) with an empty filter: %v", id, err)
		}
		break
	}
}
