package tiles

import (
	"context"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
	"crimemap/stopsearch"
)

// TestStopTilesConserveCounts draws every tile holding a stop at zooms
// below, at and above the crimes zoom and checks that the counts over a
// zoom, in total and per outcome, are the located stops matching the
// filter.
func TestStopTilesConserveCounts(t *testing.T) {
	x := stopsearch.New(datasets.SharedStops(t))
	ds := x.Dataset()
	m := geo.MakeMonth(2018, 3)
	var gm geo.Set
	i, _ := ds.Forces().BySlug("greater-manchester")
	gm.Add(i)
	for _, p := range []Params{
		{Filter: geo.Filter{From: m, To: m}},
		{Filter: geo.Filter{Forces: gm}},
	} {
		sf := stopsearch.Filter{From: p.Filter.From, To: p.Filter.To}
		x.RestrictForces(&sf, &p.Filter.Forces)
		world, _ := geo.NewBox(-180, -85, 180, 85)
		ids, _, err := x.In(context.Background(), world, &sf, 0)
		if err != nil || len(ids) == 0 {
			t.Fatalf("%d located stops, %v", len(ids), err)
		}
		want := map[string]int{}
		for _, id := range ids {
			want[x.Term(id, stopsearch.DimOutcome).Slug]++
		}
		layer := StopLayer(x, 14)
		for _, z := range []int{0, 5, 11, 14, 16} {
			tilesOf := map[[2]int]bool{}
			for _, id := range ids {
				loc, _ := x.Location(id)
				tx, ty := TileAt(z, loc.Lon, loc.Lat)
				tilesOf[[2]int{tx, ty}] = true
			}
			got, total := map[string]int{}, 0
			for tile := range tilesOf {
				raw, err := layer.Tile(context.Background(), z, tile[0], tile[1], layer.Normalize(z, p))
				if err != nil {
					t.Fatal(err)
				}
				ls, err := mvt.Unmarshal(raw)
				if err != nil || len(ls) != 1 || ls[0].Name != LayerStops {
					t.Fatalf("z%d %v: %v %v", z, tile, ls, err)
				}
				for _, f := range ls[0].Features {
					n := f.Properties["point_count"]
					if z >= 14 {
						n = f.Properties["count"]
					}
					total += asInt(t, n)
					for _, term := range x.Terms(stopsearch.DimOutcome) {
						if v, ok := f.Properties[term.Slug]; ok {
							got[term.Slug] += asInt(t, v)
						}
					}
				}
			}
			if total != len(ids) {
				t.Errorf("%+v z%d: tiles count %d stops, want %d", p.Filter, z, total, len(ids))
			}
			for o, n := range want {
				if got[o] != n {
					t.Errorf("%+v z%d: outcome %s: %d, want %d", p.Filter, z, o, got[o], n)
				}
			}
		}
	}
}

// asInt reads a decoded count, which orb gives as a float64.
func asInt(t *testing.T, v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case uint64:
		return int(n)
	case int64:
		return int(n)
	}
	t.Fatalf("count %#v", v)
	return 0
}
