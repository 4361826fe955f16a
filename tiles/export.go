package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// TileWriter receives the tiles of an export, in no particular order.
// pmtiles.Writer is one; the interface keeps this package free of any
// archive format.
type TileWriter interface {
	WriteTile(z uint8, x, y uint32, data []byte) error
}

// ExportOptions sets the tiles Export renders.
type ExportOptions struct {
	MinZoom, MaxZoom uint8       // inclusive; MaxZoom at most MaxZoom
	Filter           *geo.Filter // nil selects every crime
	Workers          int         // tiles rendered at once; 0 = GOMAXPROCS
}

// ExportStats counts the tiles of an export.
type ExportStats struct {
	Rendered int // candidate tiles rendered, empty or not
	Written  int // non-empty tiles handed to the TileWriter
}

// Export renders every tile of zooms MinZoom..MaxZoom that can hold a
// feature and hands the non-empty ones, gzipped, to w. It stops at the first
// error of a render or of w.
func Export(ctx context.Context, ix *Index, w TileWriter, opt ExportOptions) (ExportStats, error) {
	var st ExportStats
	if opt.MinZoom > opt.MaxZoom || int(opt.MaxZoom) > MaxZoom {
		return st, fmt.Errorf("export: zooms %d..%d not within 0..%d", opt.MinZoom, opt.MaxZoom, MaxZoom)
	}
	workers := parallel.Workers(opt.Workers)
	type job struct {
		z    uint8
		x, y uint32
	}
	type done struct {
		job
		gz  []byte
		err error
	}
	jobs := make(chan job)
	results := make(chan done, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// results is closed when the last renderer is done.
	go func() {
		parallel.Run(workers, func(int) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			for j := range jobs {
				raw, err := ix.Tile(ctx, int(j.z), int(j.x), int(j.y), opt.Filter)
				d := done{job: j, err: err}
				if err == nil && len(raw) > 0 {
					buf.Reset()
					zw.Reset(&buf)
					zw.Write(raw)
					zw.Close()
					d.gz = bytes.Clone(buf.Bytes())
				}
				results <- d
			}
		})
		close(results)
	}()
	go func() {
		defer close(jobs)
		for z, ts := range candidateTiles(ix, opt.MinZoom, opt.MaxZoom) {
			for _, t := range ts {
				select {
				case jobs <- job{uint8(z), t.x, t.y}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var firstErr error
	for d := range results {
		st.Rendered++
		switch {
		case firstErr != nil:
		case d.err != nil:
			firstErr = fmt.Errorf("tile %d/%d/%d: %w", d.z, d.x, d.y, d.err)
			cancel()
		case len(d.gz) > 0:
			if err := w.WriteTile(d.z, d.x, d.y, d.gz); err != nil {
				firstErr = err
				cancel()
			}
			st.Written++
		}
	}
	if firstErr != nil {
		return st, firstErr
	}
	return st, ctx.Err()
}

type tileXY struct{ x, y uint32 }

// candidateTiles returns, per zoom, the tiles that can hold a feature: those
// holding a snap point, and below CrimesZoom their neighbours too, since a
// cluster sits at its members' weighted centre, which stays well within one
// tile of them (the cluster radius is a small fraction of a tile).
func candidateTiles(ix *Index, minZ, maxZ uint8) [][]tileXY {
	ds := ix.Dataset()
	occupied := map[tileXY]bool{}
	n := math.Exp2(float64(maxZ))
	for p := range ds.NumPoints() {
		wx, wy := Project(ds.PointLonLat(geo.PointID(p)))
		x := uint32(min(max(wx*n, 0), n-1))
		y := uint32(min(max(wy*n, 0), n-1))
		occupied[tileXY{x, y}] = true
	}
	out := make([][]tileXY, int(maxZ)+1)
	for z := int(maxZ); z >= int(minZ); z-- {
		set := occupied
		if z < ix.Options().CrimesZoom {
			set = map[tileXY]bool{}
			last := uint32(1)<<z - 1
			for t := range occupied {
				for dx := -1; dx <= 1; dx++ {
					for dy := -1; dy <= 1; dy++ {
						x, y := int64(t.x)+int64(dx), int64(t.y)+int64(dy)
						if x >= 0 && y >= 0 && x <= int64(last) && y <= int64(last) {
							set[tileXY{uint32(x), uint32(y)}] = true
						}
					}
				}
			}
		}
		for t := range set {
			out[z] = append(out[z], t)
		}
		parents := map[tileXY]bool{}
		for t := range occupied {
			parents[tileXY{t.x / 2, t.y / 2}] = true
		}
		occupied = parents
	}
	return out
}

// ExportMetadata is the TileJSON of the index for an archive of zooms
// minZ..maxZ, without the URL fields, which belong to whoever serves the
// archive.
func ExportMetadata(ix *Index, minZ, maxZ uint8) (map[string]any, error) {
	b, err := json.Marshal(ix.TileJSON(""))
	if err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	delete(m, "tiles")
	delete(m, "tilejson")
	delete(m, "scheme")
	m["minzoom"], m["maxzoom"] = minZ, maxZ
	m["type"] = "overlay"
	return m, nil
}
