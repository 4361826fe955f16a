package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/store/sqlite"
	"crimemap/watch"
)

// The accounts and scheme of the Neighbourhood Watch journey (watch.mjs);
// every account has watchPassword.
const (
	watchPassword = "e2e password, long enough"
	watchScheme   = "Guildhall Square Watch"
)

// watchServer serves the neighbourhood pages over a fresh SQLite Watch
// store holding an active scheme in Southampton City Centre (hampshire/SO14)
// with its coordinator, a second coordinator and Hampshire's staff. gone
// reports whether anything the resident sent is left in the store once the
// browser is done: their withdrawal must have deleted it all.
func watchServer(ctx context.Context, t *testing.T, ds *geo.Dataset, kmls *boundary.Set, log *slog.Logger) (base string, gone func() error) {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	hash, err := watch.HashPassword(watchPassword)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]watch.User{}
	for _, u := range []watch.User{
		{Email: "coord@example.org", Role: watch.RoleCoordinator},
		{Email: "other.coord@example.org", Role: watch.RoleCoordinator},
		{Email: "staff@hampshire.example.org", Role: watch.RoleStaff, Force: "hampshire"},
	} {
		u.PasswordHash = hash
		if users[u.Email], err = st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := st.CreateScheme(ctx, watch.Scheme{Name: watchScheme, Description: "The streets around the Guildhall.", Force: "hampshire",
		Status: watch.SchemeActive, Contact: "guildhall.watch@example.org",
		Area: watch.Area{Centre: orb.Point{-1.404, 50.909}, RadiusM: 600, Neighbourhood: "SO14"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetCoordinators(ctx, sc.ID, []int64{users["coord@example.org"].ID}); err != nil {
		t.Fatal(err)
	}
	ts := teamServer(ctx, t, ds, kmls, log, st)
	return ts.URL, func() error {
		apps, err := st.ListApplications(ctx, sc.ID)
		if err != nil {
			return err
		}
		msgs, err := st.ListMessages(ctx, sc.ID)
		if err != nil {
			return err
		}
		if len(apps)+len(msgs) > 0 {
			return fmt.Errorf("after withdrawing, the store still holds %d applications and %d messages of %s", len(apps), len(msgs), watchScheme)
		}
		return nil
	}
}
