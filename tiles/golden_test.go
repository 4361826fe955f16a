package tiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"crimemap/geo"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// goldenTile is a tile pinned byte for byte under testdata/tiles.
type goldenTile struct {
	z, x, y int
	suffix  string // names the filter in the file name
	filter  func(tb testing.TB, ds *geo.Dataset) geo.Filter
}

func (g goldenTile) name() string {
	return fmt.Sprintf("%d-%d-%d%s", g.z, g.x, g.y, g.suffix)
}

var goldenTiles = []goldenTile{
	{0, 0, 0, "", nil},
	{10, 508, 343, "", nil},
	{12, 2032, 1372, "-burglary-2017-02", func(tb testing.TB, ds *geo.Dataset) geo.Filter {
		f := categoryFilter(tb, ds, "burglary")
		f.From, f.To = geo.MakeMonth(2017, 2), geo.MakeMonth(2017, 2)
		return f
	}},
	{14, 8142, 5499, "", nil},
}

var goldenDir = filepath.Join("..", "testdata", "tiles")

// TestGolden pins the bytes of a few real tiles. go test ./tiles -update
// rewrites them with GeoJSON twins (lon/lat, decoded by orb) for review.
func TestGolden(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	for _, g := range goldenTiles {
		t.Run(g.name(), func(t *testing.T) {
			var f geo.Filter
			if g.filter != nil {
				f = g.filter(t, ds)
			}
			b, err := ix.Tile(context.Background(), g.z, g.x, g.y, &f)
			if err != nil || b == nil {
				t.Fatalf("Tile: %d bytes, %v", len(b), err)
			}
			path := filepath.Join(goldenDir, g.name()+".mvt")
			if *update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path[:len(path)-4]+".geojson", geoJSONTwin(t, b, g.z, g.x, g.y), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./tiles -update)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("tile differs from %s (%d bytes, want %d); rerun with -update and review the .geojson diff", path, len(b), len(want))
			}
			twin, err := os.ReadFile(path[:len(path)-4] + ".geojson")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(geoJSONTwin(t, want, g.z, g.x, g.y), twin) {
				t.Errorf("%s.geojson is not the decoded golden tile", g.name())
			}
		})
	}
}

// geoJSONTwin decodes a tile with orb and writes its layers as indented
// GeoJSON in lon/lat, for a reviewer to read.
func geoJSONTwin(t *testing.T, b []byte, z, x, y int) []byte {
	t.Helper()
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	layers.ProjectToWGS84(maptile.New(uint32(x), uint32(y), maptile.Zoom(z)))
	out := map[string]*geojson.FeatureCollection{}
	for _, l := range layers {
		fc := geojson.NewFeatureCollection()
		fc.Features = l.Features
		out[l.Name] = fc
	}
	js, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(js, '\n')
}
