package store

import (
	"context"
	"path/filepath"
	"testing"

	"crimemap/store/sqlite"
)

func TestIsPostgres(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@h/db":   true,
		"postgresql://u@h/db": true,
		"crimemap.db":         false,
		"/srv/postgres/w.db":  false,
		"file:postgres.db":    false,
	} {
		if got := IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q) = %v", dsn, got)
		}
	}
}

func TestOpenFile(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*sqlite.Store); !ok {
		t.Fatalf("a file path opened %T", s)
	}
}
