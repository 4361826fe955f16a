// Package sqlite is the embedded back end of watch.Store: one SQLite file,
// needing no set-up, through modernc.org/sqlite (SQLite translated to Go,
// so the binary keeps building without a C toolchain).
//
// Every connection runs in WAL mode with foreign keys on, a busy timeout
// and synchronous=FULL, so a commit is on disk before a write returns. All
// writes go through one connection, which takes its transactions
// IMMEDIATE: SQLite allows one writer at a time anyway, and queueing
// writers in the pool rather than in SQLite's lock avoids SQLITE_BUSY
// under load. Reads use a pool of their own, which WAL lets run alongside
// the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"crimemap/store/sqlstore"
	"crimemap/watch"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's: ? placeholders and its extended result codes.
var Dialect = sqlstore.Dialect{
	Name: "sqlite",
	IsUnique: func(err error) bool {
		return code(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	IsForeignKey: func(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
}

func code(err error) int {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code()
	}
	return 0
}

// BusyTimeoutMS is how long a connection waits for another's lock (a
// backup, a second process) before giving up.
const BusyTimeoutMS = 5000

// Store is watch.Store on one SQLite file.
type Store struct {
	*sqlstore.DB
	path string
}

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	if write {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if need be) the SQLite file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: path %q: empty or holds ? or #: %w", path, watch.ErrInvalid)
	}
	// The file holds personal data: create it readable by its owner only
	// (SQLite gives its -wal and -shm files the same mode).
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The file must exist in WAL mode before the readers, which may not
	// write, open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db, err := sqlstore.New(ctx, w, r, Dialect, sub(migrations))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return &Store{DB: db, path: path}, nil
}

func sub(f embed.FS) fs.FS {
	s, err := fs.Sub(f, "migrations")
	if err != nil {
		panic(err) // the embed pattern names the directory
	}
	return s
}

// Backup writes a consistent copy of the database to file while it
// serves: VACUUM INTO reads one snapshot, so writers carry on meanwhile.
// file must not exist.
func (s *Store) Backup(ctx context.Context, file string) error {
	// VACUUM INTO accepts an empty file, created here private as the
	// database is.
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("backup %s: file exists: %w", file, watch.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if _, err := s.Writer().ExecContext(ctx, `VACUUM INTO ?`, file); err != nil {
		os.Remove(file)
		return fmt.Errorf("backup %s: %w", file, err)
	}
	return syncFile(file)
}

// Restore replaces the database at path with the backup in file. The
// server must be stopped: the file is swapped underneath any open
// connection. The backup is checked before anything is replaced.
func Restore(ctx context.Context, file, path string) error {
	if err := check(ctx, file); err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	tmp := path + ".restore"
	if err := copyFile(file, tmp); err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return syncFile(filepath.Dir(path))
}

// check opens a backup read-only and runs SQLite's integrity check.
func check(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("not a crimemap database: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.WriteFile(to, src, 0o600); err != nil {
		return err
	}
	return syncFile(to)
}

// createPrivate creates path with mode 0600 if it does not exist.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
