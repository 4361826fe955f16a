package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"crimemap/internal/testsupport"
	"crimemap/pmtiles"
	"crimemap/synth"
	"crimemap/tiles"
)

// countRows counts the located rows of the street files under dir that
// match keep, reading the CSVs directly rather than through ingest.
func countRows(t *testing.T, dir string, keep func(rec []string) bool) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*-street.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no street files in %s: %v", dir, err)
	}
	n := 0
	for _, p := range files {
		for _, r := range testsupport.ReadCSV(t, p)[1:] {
			if r[4] != "" && keep(r) {
				n++
			}
		}
	}
	return n
}

// TestExportCounts exports a synthetic archive and checks, zoom by zoom, that
// the crimes in the tiles add up to the matching rows of the CSV files: every
// crime is in exactly one feature of each zoom, clustered or not.
func TestExportCounts(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Start = 20000, 3, "2023-01"
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	const maxZoom = 15 // past tiles.DefaultOptions().CrimesZoom, so both layers appear
	tests := []struct {
		name string
		args []string
		keep func(rec []string) bool
	}{
		{"everything", nil, func([]string) bool { return true }},
		{"burglary from February", []string{"--category", "burglary", "--from", "2023-02"},
			func(r []string) bool { return r[9] == "Burglary" && r[1] >= "2023-02" }},
		{"two forces, blank outcome", []string{"--force", "metropolitan,west-midlands", "--outcome", "none"},
			func(r []string) bool {
				return (r[3] == "Metropolitan Police Service" || r[3] == "West Midlands Police") && r[10] == ""
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := countRows(t, dir, tc.keep)
			if want == 0 {
				t.Fatal("filter selects no rows; the test would prove nothing")
			}
			out := filepath.Join(t.TempDir(), "crimes.pmtiles")
			args := append([]string{"--quiet", "--log-level", "error", "--pmtiles", out, "--maxzoom", "15"}, tc.args...)
			var stdout bytes.Buffer
			if err := runExport(context.Background(), append(args, dir), &stdout); err != nil {
				t.Fatalf("export: %v", err)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := pmtiles.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			h := r.Header()
			if h.TileType != pmtiles.MVT || h.TileCompression != pmtiles.Gzip || h.MinZoom != 0 || h.MaxZoom != maxZoom {
				t.Errorf("header %+v", h)
			}
			// The synthetic points are all in England and Wales.
			if h.MinLon < -6.5 || h.MaxLon > 1.8 || h.MinLat < 49.8 || h.MaxLat > 55.9 {
				t.Errorf("bounds %v,%v,%v,%v outside England and Wales", h.MinLon, h.MinLat, h.MaxLon, h.MaxLat)
			}
			perZoom := make([]int, maxZoom+1)
			layers := map[string]bool{}
			err = r.ForEach(func(z uint8, x, y uint32, data []byte) error {
				ls, err := mvt.UnmarshalGzipped(data)
				if err != nil {
					t.Fatalf("tile %d/%d/%d: %v", z, x, y, err)
				}
				for _, l := range ls {
					layers[l.Name] = true
					for _, ft := range l.Features {
						key := "count"
						if l.Name == tiles.LayerClusters {
							key = "point_count"
						}
						v, ok := ft.Properties[key].(float64)
						if !ok {
							t.Fatalf("tile %d/%d/%d: feature without %s: %v", z, x, y, key, ft.Properties)
						}
						perZoom[z] += int(v)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for z, got := range perZoom {
				if got != want {
					t.Errorf("zoom %d: %d crimes in tiles, %d matching located rows", z, got, want)
				}
			}
			if !layers[tiles.LayerClusters] || !layers[tiles.LayerCrimes] {
				t.Errorf("layers %v, want both %s and %s", layers, tiles.LayerClusters, tiles.LayerCrimes)
			}
			b, err := r.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			var meta struct {
				VectorLayers []struct{ ID string } `json:"vector_layers"`
				Attribution  string                `json:"attribution"`
			}
			if err := json.Unmarshal(b, &meta); err != nil || len(meta.VectorLayers) == 0 || !strings.Contains(meta.Attribution, "Open Government Licence") {
				t.Errorf("metadata %s: %v", b, err)
			}
		})
	}
}

func TestExportFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months = 500, 1
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.pmtiles")
	tests := []struct {
		name string
		args []string
	}{
		{"no output", []string{dir}},
		{"no paths", []string{"--pmtiles", out}},
		{"zoom too deep", []string{"--pmtiles", out, "--maxzoom", "19", dir}},
		{"unknown category", []string{"--pmtiles", out, "--category", "jaywalking", dir}},
		{"to before from", []string{"--pmtiles", out, "--from", "2023-05", "--to", "2023-01", dir}},
		// As the server: all-crime is the one slug for every category, and
		// force and outcome lists have none.
		{"all is no force", []string{"--pmtiles", out, "--force", "all", dir}},
		{"all is no category", []string{"--pmtiles", out, "--category", "all", dir}},
		{"all-crime is no outcome", []string{"--pmtiles", out, "--outcome", "all-crime", dir}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CRIMEMAP_DATA", "")
			args := append([]string{"--quiet", "--log-level", "error"}, tc.args...)
			if err := runExport(context.Background(), args, &bytes.Buffer{}); err == nil {
				t.Errorf("runExport(%q) succeeded", tc.args)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("runExport(%q) left %s behind", tc.args, out)
			}
		})
	}
}
