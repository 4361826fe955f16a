package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/pmtiles"
	"crimemap/tiles"
)

func init() {
	register("export", "render the crime tiles of PATH... into a PMTiles archive", runExport)
}

// exportFilter holds the filter flags as given, resolved once the dataset's
// vocabularies are known.
type exportFilter struct{ from, to, category, force, outcome string }

func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	out := fs.String("pmtiles", "", "archive to write (required)")
	minZoom := fs.Int("minzoom", 0, "shallowest zoom")
	maxZoom := fs.Int("maxzoom", 14, fmt.Sprintf("deepest zoom, at most %d", tiles.MaxZoom))
	var ef exportFilter
	fs.StringVar(&ef.from, "from", "", "first month, YYYY-MM")
	fs.StringVar(&ef.to, "to", "", "last month, YYYY-MM")
	fs.StringVar(&ef.category, "category", "", "comma-separated category slugs")
	fs.StringVar(&ef.force, "force", "", "comma-separated force ids")
	fs.StringVar(&ef.outcome, "outcome", "", "comma-separated outcome slugs; none for the blank outcome")
	var lf loadFlags
	lf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: crimemap export --pmtiles OUT [--maxzoom 14] [--from --to --category --force --outcome] PATH...")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, "EXPORT"); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("export: --pmtiles OUT is required (or CRIMEMAP_EXPORT_PMTILES)")
	}
	if *minZoom < 0 || *maxZoom > tiles.MaxZoom || *minZoom > *maxZoom {
		return fmt.Errorf("export: zooms %d..%d not within 0..%d", *minZoom, *maxZoom, tiles.MaxZoom)
	}
	paths := dataPaths(fs)
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("export: no PATH given")
	}
	opt, err := lf.options(os.Stderr)
	if err != nil {
		return err
	}
	ds, sum, err := ingest.Load(ctx, paths, opt)
	if err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("export: %d file(s) could not be read", len(sum.Failed))
	}
	f, err := ef.resolve(ds)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	start := time.Now()
	ix := tiles.NewIndex(ds, tiles.DefaultOptions())
	st, err := exportPMTiles(ctx, ix, &f, uint8(*minZoom), uint8(*maxZoom), *out, lf.workers)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: zooms %d-%d, %d tiles rendered, %d non-empty, %d bytes, in %s\n",
		*out, *minZoom, *maxZoom, st.rendered, st.written, st.bytes, time.Since(start).Round(time.Millisecond))
	return err
}

func (ef exportFilter) resolve(ds *geo.Dataset) (geo.Filter, error) {
	var f geo.Filter
	var err error
	if ef.from != "" {
		if f.From, err = geo.ParseMonth(ef.from); err != nil {
			return f, fmt.Errorf("--from: %w", err)
		}
	}
	if ef.to != "" {
		if f.To, err = geo.ParseMonth(ef.to); err != nil {
			return f, fmt.Errorf("--to: %w", err)
		}
	}
	if f.From != 0 && f.To != 0 && f.From > f.To {
		return f, fmt.Errorf("--to %s is before --from %s", f.To, f.From)
	}
	for _, t := range []struct {
		flag, v string
		vocab   *geo.Vocab
		set     *geo.Set
	}{
		{"category", ef.category, ds.Categories(), &f.Categories},
		{"force", ef.force, ds.Forces(), &f.Forces},
		{"outcome", ef.outcome, ds.Outcomes(), &f.Outcomes},
	} {
		for _, slug := range strings.Split(t.v, ",") {
			slug = strings.TrimSpace(slug)
			switch {
			case slug == "" || slug == "all" || slug == "all-crime":
			case t.flag == "outcome" && slug == "none":
				t.set.Add(int(geo.NoOutcome))
			default:
				i, ok := t.vocab.BySlug(slug)
				if !ok || (t.flag == "outcome" && i == int(geo.NoOutcome)) {
					return f, fmt.Errorf("--%s: unknown %s %q", t.flag, t.flag, slug)
				}
				t.set.Add(i)
			}
		}
	}
	return f, nil
}

type exportStats struct {
	rendered, written int
	bytes             int64
}

type tileXY struct{ x, y uint32 }

// candidateTiles returns, per zoom, the tiles that can hold a feature: those
// holding a snap point, and below CrimesZoom their neighbours too, since a
// cluster sits at its members' weighted centre, which stays well within one
// tile of them (the cluster radius is a small fraction of a tile).
func candidateTiles(ix *tiles.Index, minZ, maxZ uint8) [][]tileXY {
	ds := ix.Dataset()
	occupied := map[tileXY]bool{}
	n := math.Exp2(float64(maxZ))
	for p := range ds.NumPoints() {
		wx, wy := tiles.Project(ds.PointLonLat(geo.PointID(p)))
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

// exportPMTiles renders every candidate tile of zooms minZ..maxZ with f on
// workers goroutines and writes the non-empty ones, gzipped, to path.
func exportPMTiles(ctx context.Context, ix *tiles.Index, f *geo.Filter, minZ, maxZ uint8, path string, workers int) (exportStats, error) {
	var st exportStats
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	tmp := path + ".partial"
	file, err := os.Create(tmp)
	if err != nil {
		return st, err
	}
	defer func() {
		file.Close()
		os.Remove(tmp)
	}()
	ds := ix.Dataset()
	b := ds.Bound()
	meta, err := exportMetadata(ix, minZ, maxZ)
	if err != nil {
		return st, err
	}
	w, err := pmtiles.NewWriter(file, pmtiles.Options{
		TileType:        pmtiles.MVT,
		TileCompression: pmtiles.Gzip,
		Metadata:        meta,
		Bounds:          &pmtiles.Bounds{MinLon: b.Min[0], MinLat: b.Min[1], MaxLon: b.Max[0], MaxLat: b.Max[1]},
		Center: &pmtiles.Center{Lon: (b.Min[0] + b.Max[0]) / 2, Lat: (b.Min[1] + b.Max[1]) / 2,
			Zoom: min(max(minZ, 6), maxZ)},
	})
	if err != nil {
		return st, err
	}

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
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			for j := range jobs {
				raw, err := ix.Tile(ctx, int(j.z), int(j.x), int(j.y), f)
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
		}()
	}
	go func() {
		defer close(jobs)
		for z, ts := range candidateTiles(ix, minZ, maxZ) {
			for _, t := range ts {
				select {
				case jobs <- job{uint8(z), t.x, t.y}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var firstErr error
	for d := range results {
		st.rendered++
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
			st.written++
		}
	}
	if firstErr != nil {
		return st, firstErr
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if err := w.Close(); err != nil {
		return st, err
	}
	if err := file.Sync(); err != nil {
		return st, err
	}
	fi, err := file.Stat()
	if err != nil {
		return st, err
	}
	st.bytes = fi.Size()
	if err := file.Close(); err != nil {
		return st, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return st, err
	}
	return st, nil
}

// exportMetadata is the TileJSON of the index without the URL fields, which
// belong to whoever serves the archive.
func exportMetadata(ix *tiles.Index, minZ, maxZ uint8) (map[string]any, error) {
	b, err := json.Marshal(ix.TileJSON(""))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "tiles")
	delete(m, "tilejson")
	delete(m, "scheme")
	m["minzoom"], m["maxzoom"] = minZ, maxZ
	m["type"] = "overlay"
	return m, nil
}
