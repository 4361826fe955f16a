package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/tiles"
)

func init() {
	register("urls", "write a load-test URL file for `crimemap bench` from the data in PATH...", runURLs)
}

func runURLs(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("urls", flag.ContinueOnError)
	var lf loadFlags
	lf.register(fs)
	out := fs.String("out", "", "file to write (default standard output)")
	minZoom := fs.Int("min-zoom", 0, "lowest tile zoom")
	maxZoom := fs.Int("max-zoom", 16, "highest tile zoom")
	perZoom := fs.Int("per-zoom", 200, "tiles per zoom and variant, drawn with the data's density")
	radius := fs.Int("radius", 200, "one-mile radius listings at the densest snap points")
	seed := fs.Uint64("seed", 1, "seed of the tile draw")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	paths := dataPaths(fs)
	if len(paths) == 0 {
		return errors.New("urls: no PATH given")
	}
	lf.quiet = true
	opt, err := lf.options(os.Stderr)
	if err != nil {
		return err
	}
	ds, _, err := ingest.Load(ctx, paths, opt)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("urls: %w", err)
		}
		defer f.Close()
		w = f
	}
	cfg := tiles.LoadTestConfig{MinZoom: *minZoom, MaxZoom: *maxZoom, PerZoom: *perZoom, Seed: *seed, Query: "v=" + ds.Version()}
	if err := tiles.WriteLoadTestURLs(w, ds, cfg); err != nil {
		return err
	}
	return writeRadiusURLs(w, ds, *radius)
}

// writeRadiusURLs lists every crime within one mile of the densest snap
// points in the latest month: the data.police.uk-style query that a
// PostGIS-backed server is compared on.
func writeRadiusURLs(w io.Writer, ds *geo.Dataset, n int) error {
	ps := make([]geo.PointID, ds.NumPoints())
	for p := range ps {
		ps[p] = geo.PointID(p)
	}
	size := func(p geo.PointID) int { s, e := ds.PointCrimes(p); return int(e - s) }
	slices.SortFunc(ps, func(a, b geo.PointID) int { return size(b) - size(a) })
	m := ds.LatestMonth()
	for _, p := range ps[:min(n, len(ps))] {
		lon, lat := ds.PointLonLat(p)
		if _, err := fmt.Fprintf(w, "radius 1mi month\t/v1/crimes?lat=%.6f&lng=%.6f&radius_m=1609.344&from=%s&to=%s&limit=10000\n", lat, lon, m, m); err != nil {
			return fmt.Errorf("urls: %w", err)
		}
		if _, err := fmt.Fprintf(w, "api crimes-street\t/api/crimes-street/all-crime?lat=%.6f&lng=%.6f&date=%s\n", lat, lon, m); err != nil {
			return fmt.Errorf("urls: %w", err)
		}
	}
	return nil
}
