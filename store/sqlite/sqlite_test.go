package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"crimemap/store/sqlite"
	"crimemap/watch"
	"crimemap/watch/storetest"
)

func open(t testing.TB) watch.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) { storetest.Run(t, open) }

func TestDurableAfterKill(t *testing.T) {
	storetest.Durability(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "watch.db") },
		func(ctx context.Context, dsn string) (watch.Store, error) { return sqlite.Open(ctx, dsn) })
}

func TestPragmas(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "5000",
	} {
		var got string
		if err := s.Writer().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// The database and its backups hold personal data.
func TestFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "watch.db"), filepath.Join(dir, "backup.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", backup} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, readable by others", filepath.Base(name), fi.Mode().Perm())
		}
	}
}

func TestReopenKeepsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	ctx := context.Background()
	for range 2 {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Writer().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("schema_migrations: %d rows, %v", n, err)
		}
		s.Close()
	}
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "watch.db"), filepath.Join(dir, "backup.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, watch.User{Email: "a@example.com", PasswordHash: "h", Role: watch.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, backup); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}
	if _, err := s.CreateUser(ctx, watch.User{Email: "b@example.com", PasswordHash: "h", Role: watch.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	if err := sqlite.Restore(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.User(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, "b@example.com"); err == nil {
		t.Fatal("a write after the backup survived its restore")
	}
	if err := sqlite.Restore(ctx, filepath.Join(dir, "missing.db"), path); err == nil {
		t.Fatal("restored from a missing file")
	}
}

func BenchmarkInserts(b *testing.B) { storetest.BenchmarkInserts(b, open(b)) }
