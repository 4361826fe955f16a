package tiles_test

import (
	"context"
	"fmt"
	"strings"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
	"crimemap/tiles"

	"github.com/paulmach/orb/encoding/mvt"
)

func ExampleIndex_Tile() {
	ix := tiles.NewIndex(datasets.Southampton(), tiles.DefaultOptions())
	for _, z := range []int{5, 16} {
		x, y := tiles.TileAt(z, -1.4044, 50.9097)
		raw, err := ix.Tile(context.Background(), z, x, y, nil)
		if err != nil {
			panic(err)
		}
		layers, err := mvt.Unmarshal(raw)
		if err != nil {
			panic(err)
		}
		for _, f := range layers[0].Features {
			fmt.Println(z, layers[0].Name, f.Properties["point_count"], f.Properties["count"], f.Properties["street"])
		}
	}
	// Output:
	// 5 clusters 11 <nil> <nil>
	// 16 crimes <nil> 4 On or near Above Bar Street
	// 16 crimes <nil> 2 On or near Bargate
}

func ExampleParseTile() {
	for _, p := range []string{"14/8142/5499", "3/8/0", "07/1/1"} {
		parts := strings.Split(p, "/")
		z, x, y, err := tiles.ParseTile(parts[0], parts[1], parts[2], tiles.MaxZoom)
		fmt.Println(z, x, y, err)
	}
	// Output:
	// 14 8142 5499 <nil>
	// 0 0 0 tile out of range: x 8, y 0 not in 0..7 at zoom 3
	// 0 0 0 tile out of range: "07" is not a tile coordinate
}

func ExampleCachedTile() {
	ix := tiles.NewIndex(datasets.Southampton(), tiles.DefaultOptions())
	layer := tiles.CrimeLayer(ix)
	cache := tiles.NewCache(16 << 20)
	var f geo.Filter
	burglary, _ := ix.Dataset().Categories().BySlug("burglary")
	f.Categories.Add(burglary)
	a, _ := tiles.CachedTile(context.Background(), cache, layer, 0, 0, 0, tiles.Params{Filter: f})
	b, _ := tiles.CachedTile(context.Background(), cache, layer, 0, 0, 0, tiles.Params{Filter: f})
	empty, _ := tiles.CachedTile(context.Background(), cache, layer, 0, 0, 0, tiles.Params{Filter: geo.Filter{From: geo.MakeMonth(2020, 1)}})
	st := cache.Stats()
	fmt.Println(a == b, a.ETag == b.ETag, len(a.Gzip) > 0, empty.Raw == nil, st.Hits, st.Misses)
	// Output: true true true true 1 2
}

func ExampleIndex_ExpansionZoom() {
	ix := tiles.NewIndex(datasets.Southampton(), tiles.DefaultOptions())
	raw, _ := ix.Tile(context.Background(), 3, 3, 2, nil)
	layers, _ := mvt.Unmarshal(raw)
	for _, f := range layers[0].Features {
		id := uint64(f.Properties["cluster_id"].(float64))
		z, err := ix.ExpansionZoom(id, nil)
		leaves, total, _ := ix.Leaves(id, nil, 10, 0)
		fmt.Println(f.Properties["point_count"], z, err, total)
		for _, l := range leaves {
			fmt.Println(" ", ix.Dataset().PointStreet(l.Point), l.Count)
		}
	}
	// Output:
	// 11 7 <nil> 4
	//   On or near Above Bar Street 4
	//   On or near Bargate 2
	//   On or near Portswood Road 4
	//   On or near Commercial Road 1
}

func ExampleIndex_TileJSON() {
	ix := tiles.NewIndex(datasets.Southampton(), tiles.DefaultOptions())
	tj := ix.TileJSON("https://example.org/tiles/{z}/{x}/{y}.mvt?v=" + ix.Dataset().Version())
	fmt.Println(tj.TileJSON, tj.MinZoom, tj.MaxZoom, tj.Bounds, tj.Center)
	for _, l := range tj.VectorLayers {
		fmt.Println(l.ID, l.MinZoom, len(l.Fields))
	}
	// Output:
	// 3.0.0 0 18 [-1.4046 50.8 -1.09 50.92] [-1.2473 50.86 6]
	// clusters 0 18
	// crimes 14 18
}

func ExampleSampleTiles() {
	ds := datasets.Southampton()
	for _, t := range tiles.SampleTiles(ds, 12, 3, 1) {
		fmt.Println(t)
	}
	// Output:
	// [12 2032 1372]
	// [12 2032 1372]
	// [12 2032 1372]
}

func ExampleAbbreviate() {
	for _, n := range []int{999, 1234, 12345, 123456} {
		fmt.Println(tiles.Abbreviate(n))
	}
	// Output:
	// 999
	// 1.2k
	// 12k
	// 123k
}

func ExampleTileAt() {
	lon, lat := -1.4044, 50.9097 // Above Bar Street, Southampton
	x, y := tiles.TileAt(14, lon, lat)
	wx, wy := tiles.Project(lon, lat)
	px, py := tiles.InTile(14, x, y, wx, wy)
	b := tiles.TileBound(14, x, y)
	fmt.Println(x, y, px, py, b.Contains([2]float64{lon, lat}))
	// Output: 8128 5491 344 2125 true
}

func ExampleTileKey() {
	var f geo.Filter
	f.From = geo.MakeMonth(2017, 2)
	f.Categories.Add(2)
	fmt.Println(tiles.TileKey("3f2a", 12, 2032, 1372, &f))
	// Output: 3f2a/12/2032/1372?f24205c2,
}

func ExampleIndex_ParseClusterID() {
	ix := tiles.NewIndex(datasets.Southampton(), tiles.DefaultOptions())
	for _, s := range []string{"not-a-number", "999999"} {
		_, err := ix.ParseClusterID(s)
		fmt.Println(err)
	}
	// Output:
	// cluster not found: id "not-a-number"
	// cluster not found: id 999999
}
