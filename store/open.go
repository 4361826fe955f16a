// Package store opens the watch.Store a DSN names: a postgres:// (or
// postgresql://) URL opens PostgreSQL, anything else is a SQLite file.
package store

import (
	"context"
	"strings"

	"crimemap/store/postgres"
	"crimemap/store/sqlite"
	"crimemap/watch"
)

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store dsn names.
func Open(ctx context.Context, dsn string) (watch.Store, error) {
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// Backup copies the store dsn names to file while it serves.
func Backup(ctx context.Context, dsn, file string) error {
	if IsPostgres(dsn) {
		return postgres.Backup(ctx, dsn, file)
	}
	s, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Backup(ctx, file)
}

// Restore replaces the store dsn names with the backup in file.
func Restore(ctx context.Context, file, dsn string) error {
	if IsPostgres(dsn) {
		return postgres.Restore(ctx, file, dsn)
	}
	return sqlite.Restore(ctx, file, dsn)
}
