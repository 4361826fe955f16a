package tiles

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestLayersThroughCache serves each layer through one shared cache: a
// cached tile is the fresh render, parameters the layer normalises away share
// an entry, and the layers' tiles of one z/x/y never collide.
func TestLayersThroughCache(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	f := categoryFilter(t, ds, "burglary")
	tile := SampleTiles(ds, 11, 1, 1)[0]
	z, x, y := tile[0], tile[1], tile[2]
	tests := []struct {
		name  string
		layer Layer
		// same are parameters drawing the same tile, first to last.
		same []Params
		// fresh renders the tile for same[0] without a cache.
		fresh func() ([]byte, error)
	}{
		{"crimes", CrimeLayer(ix), []Params{{Filter: f, Res: -1}, {Filter: f, Res: 7}},
			func() ([]byte, error) { return ix.Tile(context.Background(), z, x, y, &f) }},
		{"hexes", HexLayer(ds), []Params{{Filter: f, Res: -1}, {Filter: f, Res: HexZoomRes[z]}},
			func() ([]byte, error) { return HexTile(context.Background(), ds, z, x, y, -1, &f) }},
	}
	c := NewCache(8 << 20)
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := tt.fresh()
			if err != nil || want == nil {
				t.Fatalf("fresh render: %d bytes, %v", len(want), err)
			}
			before := c.Stats()
			for _, p := range tt.same {
				e, err := CachedTile(context.Background(), c, tt.layer, z, x, y, p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(e.Raw, want) {
					t.Fatalf("params %+v: cached tile differs from a fresh render", p)
				}
				if seen[e.ETag] && p == tt.same[0] {
					t.Fatalf("%s tile has the ETag of another layer's tile", tt.name)
				}
				seen[e.ETag] = true
			}
			if st := c.Stats(); st.Misses-before.Misses != 1 || st.Hits-before.Hits != int64(len(tt.same)-1) {
				t.Errorf("%d misses and %d hits, want 1 and %d", st.Misses-before.Misses, st.Hits-before.Hits, len(tt.same)-1)
			}
		})
	}
	if st := c.Stats(); st.Entries != len(tests) {
		t.Errorf("%d cache entries, want one per layer", st.Entries)
	}
}

func TestLayerErrorsAndTileJSON(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	for _, l := range []Layer{CrimeLayer(ix), HexLayer(ds)} {
		if _, err := CachedTile(context.Background(), NewCache(1<<20), l, 3, 8, 0, Params{Res: -1}); !errors.Is(err, ErrBadTile) {
			t.Errorf("%s: tile out of range gave %v, want ErrBadTile", l.Name(), err)
		}
	}
	var re *HexResError
	if _, err := CachedTile(context.Background(), NewCache(1<<20), HexLayer(ds), 3, 3, 2, Params{Res: 9}); !errors.As(err, &re) {
		t.Errorf("res 9 at zoom 3 gave %v, want a *HexResError", err)
	}
	if got, want := HexLayer(ds).TileJSON("u", Params{Res: 9}), HexTileJSON(ds, "u", 9); !reflect.DeepEqual(got, want) {
		t.Errorf("hex layer TileJSON %+v, want %+v", got, want)
	}
	if got, want := CrimeLayer(ix).TileJSON("u", Params{Res: 9}), ix.TileJSON("u"); !reflect.DeepEqual(got, want) {
		t.Errorf("crime layer TileJSON %+v, want %+v", got, want)
	}
}
