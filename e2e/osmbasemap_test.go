package e2e

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"crimemap/basemap"
	"crimemap/geo"
	"crimemap/internal/testsupport/osmarchive"
	"crimemap/server"
)

// osmServer serves ds with a small OpenStreetMap archive in the Protomaps
// schema (earth, water, roads, places around Southampton) as --basemap.
func osmServer(t *testing.T, ds *geo.Dataset, log *slog.Logger) *httptest.Server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "uk.pmtiles")
	if err := osmarchive.WriteFile(path); err != nil {
		t.Fatalf("write basemap archive: %v", err)
	}
	osm, err := basemap.OpenOSM(path)
	if err != nil {
		t.Fatalf("open basemap archive: %v", err)
	}
	t.Cleanup(func() { _ = osm.Close() })
	s := server.New(server.DefaultConfig(), server.Deps{Log: log, Basemap: osm})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}
