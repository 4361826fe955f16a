// Package sqlstore implements watch.Store once, in SQL both SQLite and
// PostgreSQL accept, over database/sql. The back ends (store/sqlite,
// store/postgres) open the connections, tune them and supply a Dialect
// for what differs: placeholders, error codes and the migration lock.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"crimemap/watch"
)

// Dialect is what differs between the back ends.
type Dialect struct {
	Name string
	// Numbered placeholders ($1, $2, ...) rather than ?.
	Numbered bool
	// IsUnique and IsForeignKey classify constraint violations.
	IsUnique     func(error) bool
	IsForeignKey func(error) bool
	// LockMigrations, when set, is run first in the migration
	// transaction so replicas starting together migrate one at a time.
	LockMigrations string
}

// DB is a watch.Store over database/sql. W takes every write; R every
// read outside a transaction. They are the same pool on PostgreSQL; on
// SQLite W holds the one writer connection.
type DB struct {
	w, r *sql.DB
	d    Dialect
}

var _ watch.Store = (*DB)(nil)

// New returns a store over w and r after applying migrations, the *.sql
// files of dir in name order, each once, recorded in schema_migrations.
func New(ctx context.Context, w, r *sql.DB, d Dialect, migrations fs.FS) (*DB, error) {
	s := &DB{w: w, r: r, d: d}
	if err := s.migrate(ctx, migrations); err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", d.Name, err)
	}
	return s, nil
}

// Close closes both pools.
func (s *DB) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Writer is the pool that takes writes, for a back end's own statements
// (a backup, say).
func (s *DB) Writer() *sql.DB { return s.w }

func (s *DB) migrate(ctx context.Context, migrations fs.FS) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return err
	}
	for _, name := range names { // fs.Glob sorts
		v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
		if err != nil {
			return fmt.Errorf("%s: name must start with a version number", name)
		}
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if err := s.lockMigrations(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`), v, name, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// lockMigrations makes concurrent migrators wait for each other, until
// tx ends.
func (s *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if s.d.LockMigrations == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.d.LockMigrations)
	return err
}

// q rewrites ? placeholders for the dialect. No statement here has a ?
// inside a literal.
func (s *DB) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// classify gives a driver's error the store's kind.
func (s *DB) classify(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, watch.ErrNotFound)
	case s.d.IsUnique(err):
		return fmt.Errorf("%s: already exists: %w", what, watch.ErrConflict)
	case s.d.IsForeignKey(err):
		return fmt.Errorf("%s: refers to a missing row: %w", what, watch.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// us is a time as stored: Unix microseconds, 0 for the zero time.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// tm reads a stored time back.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// Truncate gives t as the store keeps it, for comparisons.
func Truncate(t time.Time) time.Time { return tm(us(t)) }

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *DB) insertID(ctx context.Context, e execer, query string, args ...any) (int64, error) {
	var id int64
	err := e.QueryRowContext(ctx, s.q(query+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// queryAll runs query on the reader and scans each row with scan.
func queryAll[T any](ctx context.Context, s *DB, e execer, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := e.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type rowScanner interface{ Scan(dest ...any) error }
