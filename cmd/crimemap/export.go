package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"crimemap/geo"
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
	fs, lf := loadFlagSet("export", "usage: crimemap export --pmtiles OUT [--maxzoom 14] [--from --to --category --force --outcome] PATH...")
	out := fs.String("pmtiles", "", "archive to write (required)")
	minZoom := fs.Int("minzoom", 0, "shallowest zoom")
	maxZoom := fs.Int("maxzoom", 14, fmt.Sprintf("deepest zoom, at most %d", tiles.MaxZoom))
	var ef exportFilter
	fs.StringVar(&ef.from, "from", "", "first month, YYYY-MM")
	fs.StringVar(&ef.to, "to", "", "last month, YYYY-MM")
	fs.StringVar(&ef.category, "category", "", "comma-separated category slugs")
	fs.StringVar(&ef.force, "force", "", "comma-separated force ids")
	fs.StringVar(&ef.outcome, "outcome", "", "comma-separated outcome slugs; none for the blank outcome")
	if err := parseFlags(fs, args); err != nil {
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
	ds, sum, err := lf.load(ctx, paths, nil)
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
	st, size, err := exportPMTiles(ctx, ix, &f, uint8(*minZoom), uint8(*maxZoom), *out, lf.workers)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: zooms %d-%d, %d tiles rendered, %d non-empty, %d bytes, in %s\n",
		*out, *minZoom, *maxZoom, st.Rendered, st.Written, size, time.Since(start).Round(time.Millisecond))
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
	for _, t := range [...]struct{ param, list string }{
		{geo.ParamCategory, ef.category}, {geo.ParamForce, ef.force}, {geo.ParamOutcome, ef.outcome},
	} {
		if err := ds.AddSlugs(&f, t.param, t.list); err != nil {
			return f, fmt.Errorf("--%s: %w", t.param, err)
		}
	}
	return f, nil
}

// exportPMTiles renders the tiles of zooms minZ..maxZ with f on workers
// goroutines into a PMTiles archive at path, written whole or not at all.
func exportPMTiles(ctx context.Context, ix *tiles.Index, f *geo.Filter, minZ, maxZ uint8, path string, workers int) (tiles.ExportStats, int64, error) {
	var st tiles.ExportStats
	tmp := path + ".partial"
	file, err := os.Create(tmp)
	if err != nil {
		return st, 0, err
	}
	defer func() {
		file.Close()
		os.Remove(tmp)
	}()
	b := ix.Dataset().Bound()
	meta, err := tiles.ExportMetadata(ix, minZ, maxZ)
	if err != nil {
		return st, 0, err
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
		return st, 0, err
	}
	st, err = tiles.Export(ctx, ix, w, tiles.ExportOptions{MinZoom: minZ, MaxZoom: maxZ, Filter: f, Workers: workers})
	if err != nil {
		return st, 0, err
	}
	if err := w.Close(); err != nil {
		return st, 0, err
	}
	if err := file.Sync(); err != nil {
		return st, 0, err
	}
	fi, err := file.Stat()
	if err != nil {
		return st, 0, err
	}
	if err := file.Close(); err != nil {
		return st, 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return st, 0, err
	}
	return st, fi.Size(), nil
}
