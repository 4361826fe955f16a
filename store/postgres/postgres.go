// Package postgres is the back end of watch.Store for several replicas
// sharing one PostgreSQL database, through a jackc/pgx/v5 pool. The SQL is
// the shared sqlstore's; pgx's stdlib adapter lends the pool to
// database/sql. Migrations take an advisory lock, so replicas that start
// together apply them once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"crimemap/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key migrations hold.
const migrationLock = 0x63726d6d // "crmm"

// Dialect is PostgreSQL's: numbered placeholders and SQLSTATE codes.
var Dialect = sqlstore.Dialect{
	Name:           "postgres",
	Numbered:       true,
	IsUnique:       func(err error) bool { return state(err) == "23505" },
	IsForeignKey:   func(err error) bool { return state(err) == "23503" },
	LockMigrations: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLock),
}

func state(err error) string {
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code
	}
	return ""
}

// Store is watch.Store on PostgreSQL.
type Store struct {
	*sqlstore.DB
	pool *pgxpool.Pool
}

// Open connects to the database dsn names (a postgres:// URL or a
// key=value string) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	db, err := sqlstore.New(ctx, sdb, sdb, Dialect, sub(migrations))
	if err != nil {
		sdb.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{DB: db, pool: pool}, nil
}

// Close releases the pool.
func (s *Store) Close() error {
	err := s.DB.Close()
	s.pool.Close()
	return err
}

func sub(f embed.FS) fs.FS {
	s, err := fs.Sub(f, "migrations")
	if err != nil {
		panic(err) // the embed pattern names the directory
	}
	return s
}

// Backup delegates to pg_dump, which reads one snapshot while the
// replicas serve, writing its custom format to file.
func Backup(ctx context.Context, dsn, file string) error {
	return run(ctx, "pg_dump", "--format=custom", "--no-owner", "--file="+file, "--dbname="+dsn)
}

// Restore delegates to pg_restore, replacing the objects the dump holds.
// Stop the replicas first.
func Restore(ctx context.Context, file, dsn string) error {
	return run(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname="+dsn, file)
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}
