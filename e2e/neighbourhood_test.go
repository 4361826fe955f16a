package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/postcode"
	"crimemap/server"
	"crimemap/watch"
)

// teamServer serves ds with the neighbourhood team-data fixtures, the ONSPD
// sample and the Southampton boundaries, for the neighbourhood pages and the
// Watch layer (neighbourhood.mjs, watchmap.mjs), over the Watch store st (watch.mjs).
func teamServer(ctx context.Context, t *testing.T, ds *geo.Dataset, kmls *boundary.Set, log *slog.Logger, st watch.Store) *httptest.Server {
	t.Helper()
	teams, _, err := neighbourhood.LoadDir(ctx, filepath.Join("..", "neighbourhood", "testdata", "api"))
	if err != nil {
		t.Fatalf("load team data: %v", err)
	}
	loc, _, err := locate.Build(teams, kmls)
	if err != nil {
		t.Fatalf("build locator: %v", err)
	}
	pcs, _, err := postcode.LoadFile(ctx, filepath.Join("..", "postcode", "testdata", "onspd-sample.csv"), postcode.Options{Logger: log})
	if err != nil {
		t.Fatalf("load postcodes: %v", err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Log: log, Boundaries: kmls, Neighbourhoods: teams, Locator: loc, Postcodes: pcs, Watch: st})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}
