package tiles

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"crimemap/geo"
)

// memWriter keeps exported tiles by z/x/y; fail, when set, is returned for
// every write.
type memWriter struct {
	mu    sync.Mutex
	tiles map[string][]byte
	fail  error
}

func (w *memWriter) WriteTile(z uint8, x, y uint32, data []byte) error {
	if w.fail != nil {
		return w.fail
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tiles == nil {
		w.tiles = map[string][]byte{}
	}
	key := fmt.Sprintf("%d/%d/%d", z, x, y)
	if _, dup := w.tiles[key]; dup {
		return fmt.Errorf("tile %s written twice", key)
	}
	w.tiles[key] = data
	return nil
}

// TestExportCoversEveryCrime checks, zoom by zoom, that the crimes in the
// exported tiles add up to the located crimes matching the filter.
func TestExportCoversEveryCrime(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	const maxZ = 15 // past CrimesZoom, so both layers appear
	burglary := categoryFilter(t, ds, "burglary")
	for name, f := range map[string]*geo.Filter{"all": {}, "burglary": &burglary} {
		t.Run(name, func(t *testing.T) {
			want := 0
			// Located crimes come first in the crime table.
			for c := range ds.Located() {
				if ds.Matches(geo.CrimeID(c), f) {
					want++
				}
			}
			var w memWriter
			st, err := Export(context.Background(), ix, &w, ExportOptions{MaxZoom: maxZ, Filter: f, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if st.Written != len(w.tiles) || st.Rendered < st.Written {
				t.Errorf("stats %+v for %d tiles written", st, len(w.tiles))
			}
			perZoom := make([]int, maxZ+1)
			for key, gz := range w.tiles {
				var z int
				fmt.Sscanf(key, "%d/", &z)
				ls, err := mvt.UnmarshalGzipped(gz)
				if err != nil {
					t.Fatalf("tile %s: %v", key, err)
				}
				for _, l := range ls {
					prop := "count"
					if l.Name == LayerClusters {
						prop = "point_count"
					}
					for _, ft := range l.Features {
						perZoom[z] += int(ft.Properties[prop].(float64))
					}
				}
			}
			for z, got := range perZoom {
				if got != want {
					t.Errorf("zoom %d: %d crimes in tiles, want %d", z, got, want)
				}
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	ix := NewIndex(hampshire(t), DefaultOptions())
	boom := errors.New("disk full")
	if _, err := Export(context.Background(), ix, &memWriter{fail: boom}, ExportOptions{MaxZoom: 3}); !errors.Is(err, boom) {
		t.Errorf("failing writer gave %v, want %v", err, boom)
	}
	if _, err := Export(context.Background(), ix, &memWriter{}, ExportOptions{MinZoom: 4, MaxZoom: 3}); err == nil {
		t.Error("zooms 4..3 accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Export(ctx, ix, &memWriter{}, ExportOptions{MaxZoom: 3}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export gave %v", err)
	}
}
