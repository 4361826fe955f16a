package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"crimemap/ingest"
	"crimemap/server"
	"crimemap/synth"
)

// stopFiles are the real stop-and-search files of the browser tests
// (stopsmap.mjs): Greater Manchester's January and February 2018, with
// coordinates.
var stopFiles = []string{
	filepath.Join("..", "testdata", "ingest", "greater-manchester", "2018-01-greater-manchester-stop-and-search.csv"),
	filepath.Join("testdata", "stops", "2018-02-greater-manchester-stop-and-search.csv"),
}

// stopsServer serves stopFiles beside synthetic crimes of the same two
// months, which give the page its months and something to draw under the
// stops. It returns the server and the files' absolute paths, which the
// browser tests count rows in.
func stopsServer(ctx context.Context, t *testing.T, log *slog.Logger) (*httptest.Server, []string) {
	t.Helper()
	dir := t.TempDir()
	if err := synth.Generate(synth.Config{N: 40_000, Months: 2, Start: "2018-01", Seed: 11, CrimesPerPoint: 8}, dir); err != nil {
		t.Fatalf("generate synthetic crimes: %v", err)
	}
	paths := []string{dir}
	var files []string
	for _, f := range stopFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		paths, files = append(paths, abs), append(files, abs)
	}
	ds, _, err := ingest.Load(ctx, paths, ingest.Options{})
	if err != nil {
		t.Fatalf("load the stops dataset: %v", err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Log: log})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, files
}
