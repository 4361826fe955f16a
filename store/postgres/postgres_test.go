package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"crimemap/store/postgres"
	"crimemap/watch"
	"crimemap/watch/storetest"
)

// freshDSN creates an empty schema in the database CRIMEMAP_TEST_POSTGRES
// names and returns a DSN whose search_path is that schema alone, dropped
// when the test ends. Without the variable the test skips, unless
// CRIMEMAP_REQUIRE_POSTGRES=1 makes its absence a failure.
func freshDSN(t testing.TB) string {
	base := os.Getenv("CRIMEMAP_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CRIMEMAP_REQUIRE_POSTGRES") == "1" {
			t.Fatal("CRIMEMAP_REQUIRE_POSTGRES=1 but CRIMEMAP_TEST_POSTGRES is unset (source .ci/postgres.sh)")
		}
		t.Skip("CRIMEMAP_TEST_POSTGRES unset; `. .ci/postgres.sh` starts a throwaway cluster")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	// options, not search_path, so that libpq (pg_dump) reads it too.
	q.Set("options", "-csearch_path="+schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB) *postgres.Store {
	s, err := postgres.Open(context.Background(), freshDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t testing.TB) watch.Store { return open(t) })
}

func TestDurableAfterKill(t *testing.T) {
	storetest.Durability(t, func(t *testing.T) string { return freshDSN(t) },
		func(ctx context.Context, dsn string) (watch.Store, error) { return postgres.Open(ctx, dsn) })
}

// Replicas starting together must apply each migration once.
func TestConcurrentOpen(t *testing.T) {
	dsn := freshDSN(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dsn := freshDSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateUser(ctx, watch.User{Email: "a@example.com", PasswordHash: "h", Role: watch.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.dump")
	if err := postgres.Backup(ctx, dsn, file); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, watch.User{Email: "b@example.com", PasswordHash: "h", Role: watch.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Restore(ctx, file, dsn); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, "b@example.com"); err == nil {
		t.Fatal("a write after the backup survived its restore")
	}
}

func BenchmarkInserts(b *testing.B) { storetest.BenchmarkInserts(b, open(b)) }
