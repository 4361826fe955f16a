package tiles

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"crimemap/geo"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// jsDir holds the Node decoder: run npm ci there to enable the test.
var jsDir = filepath.Join("testdata", "js")

type jsTile struct {
	File   string `json:"file"`
	Layers []struct {
		Name     string `json:"name"`
		Version  int    `json:"version"`
		Extent   int    `json:"extent"`
		Features []struct {
			ID         *float64        `json:"id"`
			Type       int             `json:"type"`
			Properties map[string]any  `json:"properties"`
			Geometry   [][][2]float64  `json:"geometry"`
			LonLat     json.RawMessage `json:"lonlat"`
		} `json:"features"`
	} `json:"layers"`
}

// nodeDecode writes the tiles to files and decodes them with Mapbox's
// JavaScript decoder (@mapbox/vector-tile), skipping the test when node or
// the decoder is not installed, unless CRIMEMAP_REQUIRE_NODE=1.
func nodeDecode(t *testing.T, tiles map[string][]byte) []jsTile {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(jsDir, "node_modules", "@mapbox", "vector-tile"))
	}
	if err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatalf("node decoder required: %v (run npm ci in tiles/testdata/js)", err)
		}
		t.Skipf("node decoder unavailable: %v (run npm ci in tiles/testdata/js)", err)
	}
	dir := t.TempDir()
	args := []string{"decode.mjs"}
	for name, b := range tiles {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = jsDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node decode: %v", err)
	}
	var res []jsTile
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(res) != len(tiles) {
		t.Fatalf("node decoded %d tiles of %d", len(res), len(tiles))
	}
	return res
}

// TestNodeDecoder renders every tile of a cluster zoom and a crimes zoom
// for two filters and has Mapbox's decoder read them: one point per
// feature inside the extent, properties typed and named as documented,
// snap points where the dataset has them with its counts, and the counts of
// each zoom adding up to the brute-force total.
func TestNodeDecoder(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	filters := map[string]geo.Filter{"all": {}, "drugs": categoryFilter(t, ds, "drugs")}
	tiles := map[string][]byte{}
	for fname, f := range filters {
		for _, z := range []int{8, 15} {
			for _, mt := range tilesToVisit(ds, z, z >= ix.Options().CrimesZoom) {
				b, err := ix.Tile(context.Background(), z, int(mt.X), int(mt.Y), &f)
				if err != nil {
					t.Fatal(err)
				}
				if b != nil {
					tiles[fmt.Sprintf("%d-%d-%d-%s.mvt", z, mt.X, mt.Y, fname)] = b
				}
			}
		}
	}
	totals := map[string]int{} // zoom-filter -> crimes
	for _, tile := range nodeDecode(t, tiles) {
		var z, x, y int
		var fname string
		if _, err := fmt.Sscanf(tile.File, "%d-%d-%d-%s", &z, &x, &y, &fname); err != nil {
			t.Fatal(err)
		}
		fname = fname[:len(fname)-len(".mvt")]
		f := filters[fname]
		if len(tile.Layers) != 1 {
			t.Fatalf("%s: %d layers", tile.File, len(tile.Layers))
		}
		l := tile.Layers[0]
		wantLayer := LayerClusters
		if z >= ix.Options().CrimesZoom {
			wantLayer = LayerCrimes
		}
		if l.Name != wantLayer || l.Version != 2 || l.Extent != Extent {
			t.Fatalf("%s: layer %q version %d extent %d", tile.File, l.Name, l.Version, l.Extent)
		}
		for _, ft := range l.Features {
			if ft.Type != 1 || len(ft.Geometry) != 1 || len(ft.Geometry[0]) != 1 {
				t.Fatalf("%s: feature of type %d with geometry %v, want one point", tile.File, ft.Type, ft.Geometry)
			}
			p := ft.Geometry[0][0]
			if p[0] < 0 || p[0] >= Extent || p[1] < 0 || p[1] >= Extent {
				t.Fatalf("%s: point %v outside the extent", tile.File, p)
			}
			count, cats := 0, 0
			for k, v := range ft.Properties {
				switch k {
				case propStreet:
					if _, ok := v.(string); !ok {
						t.Errorf("street %v is not a string", v)
					}
				case propAbbrev:
					switch a := v.(type) {
					case float64:
						if a >= 1000 {
							t.Errorf("abbreviation %v should be text", a)
						}
					case string:
					default:
						t.Errorf("abbreviation %v (%T)", v, v)
					}
				case propCount, propPointCount:
					count = jsInt(t, v)
				case propLocationID, propClusterID:
					jsInt(t, v)
				default:
					if _, ok := ds.Categories().BySlug(k); !ok {
						t.Errorf("unknown property %q", k)
					}
					cats += jsInt(t, v)
				}
			}
			if count == 0 || count != cats {
				t.Errorf("%s: count %d, categories %d", tile.File, count, cats)
			}
			totals[fmt.Sprint(z, fname)] += count
			if l.Name != LayerCrimes {
				if _, ok := ft.Properties[propClusterID]; !ok || ft.ID == nil {
					t.Errorf("%s: cluster without id", tile.File)
				}
				continue
			}
			loc := jsInt(t, ft.Properties[propLocationID])
			id, ok := ds.PointByLocationID(int64(loc))
			if !ok || ft.ID == nil || *ft.ID != float64(loc) {
				t.Fatalf("%s: location_id %d, feature id %v", tile.File, loc, ft.ID)
			}
			if ft.Properties[propStreet] != ds.PointStreet(id) {
				t.Errorf("point %d: street %v, want %q", id, ft.Properties[propStreet], ds.PointStreet(id))
			}
			want := 0
			eachCrime(ds, id, func(c geo.CrimeID) {
				if ds.Matches(c, &f) {
					want++
				}
			})
			if count != want {
				t.Errorf("point %d: count %d, its crimes %d", id, count, want)
			}
			// toGeoJSON puts the point within one MVT unit of the snap point.
			var ll [2]float64
			if err := json.Unmarshal(ft.LonLat, &ll); err != nil {
				t.Fatal(err)
			}
			lon, lat := ds.PointLonLat(id)
			b := maptile.New(uint32(x), uint32(y), maptile.Zoom(z)).Bound()
			unit := (b.Max[0] - b.Min[0]) / Extent
			if math.Abs(ll[0]-lon) > 2*unit || math.Abs(ll[1]-lat) > 2*unit || !b.Contains(orb.Point{lon, lat}) {
				t.Errorf("point %d decoded at %v, is at %v,%v", id, ll, lon, lat)
			}
		}
	}
	for fname, f := range filters {
		want := bruteForce(ds, &f).total
		for _, z := range []int{8, 15} {
			if got := totals[fmt.Sprint(z, fname)]; got != want {
				t.Errorf("zoom %d %s: features hold %d crimes, brute force %d", z, fname, got, want)
			}
		}
	}
}

func jsInt(t *testing.T, v any) int {
	t.Helper()
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 0 {
		t.Fatalf("%v (%T) is not a non-negative integer", v, v)
	}
	return int(f)
}
