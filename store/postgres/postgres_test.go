package postgres_test

import (
	"context"
	"path/filepath"
	"testing"

	"crimemap/store/postgres"
	"crimemap/store/postgres/pgtest"
	"crimemap/watch"
	"crimemap/watch/storetest"
)

func freshDSN(t testing.TB) string { return pgtest.FreshDSN(t) }

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
