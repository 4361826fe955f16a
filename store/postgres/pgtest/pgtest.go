// Package pgtest gives tests and benchmarks an empty PostgreSQL schema of
// their own in the database CRIMEMAP_TEST_POSTGRES names (. .ci/postgres.sh
// starts a throwaway cluster and sets it).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// FreshDSN creates an empty schema in the database CRIMEMAP_TEST_POSTGRES
// names and returns a DSN whose search_path is that schema alone, dropped
// when the test ends. Without the variable the test skips, unless
// CRIMEMAP_REQUIRE_POSTGRES=1 makes its absence a failure.
func FreshDSN(t testing.TB) string {
	t.Helper()
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
