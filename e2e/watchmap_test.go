package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/store/sqlite"
	"crimemap/watch"
)

// watchStore is a SQLite store holding Neighbourhood Watch schemes for the
// browser tests (watchmap.mjs): two active in Southampton City Centre (SO14),
// a circle and a polygon, and a pending one that must not be shown.
func watchStore(ctx context.Context, t *testing.T) watch.Store {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatalf("open the Watch store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	for _, sc := range []watch.Scheme{
		{Name: "Bargate Watch", Description: "The streets inside the old walls.", Status: watch.SchemeActive,
			Area: watch.Area{Centre: orb.Point{-1.4044, 50.9047}, RadiusM: 250, Neighbourhood: "SO14"}},
		{Name: "Ocean Village Watch", Description: "The marina and the streets north of it.", Status: watch.SchemeActive,
			Area: watch.Area{Polygon: orb.MultiPolygon{{{{-1.3960, 50.8960}, {-1.3910, 50.8960}, {-1.3910, 50.8990}, {-1.3960, 50.8990}, {-1.3960, 50.8960}}}}}},
		{Name: "Pending Close Watch", Description: "Not yet approved.", Status: watch.SchemePending,
			Area: watch.Area{Centre: orb.Point{-1.4000, 50.9040}, RadiusM: 100, Neighbourhood: "SO14"}},
	} {
		sc.Force, sc.Contact = "hampshire", "https://example.org/watch"
		if _, err := st.CreateScheme(ctx, sc); err != nil {
			t.Fatalf("scheme %s: %v", sc.Name, err)
		}
	}
	return st
}
