package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"crimemap/loadtest"
)

func init() {
	register("urls", "write a load-test URL file for `crimemap bench` from the data in PATH...", runURLs)
}

func runURLs(ctx context.Context, args []string, stdout io.Writer) error {
	fs, lf := loadFlagSet("urls", "")
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
	ds, _, err := lf.load(ctx, paths, nil)
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
	cfg := loadtest.URLConfig{MinZoom: *minZoom, MaxZoom: *maxZoom, PerZoom: *perZoom, Seed: *seed,
		Query: "v=" + ds.Version(), Radius: *radius}
	if err := loadtest.WriteURLs(w, ds, cfg); err != nil {
		return fmt.Errorf("urls: %w", err)
	}
	return nil
}
