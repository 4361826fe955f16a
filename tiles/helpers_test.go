package tiles

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
)

// hampshirePath is the real Hampshire month copied into the repository.
var hampshirePath = filepath.Join("..", "testdata", "police-uk", "2017-02", "2017-02-hampshire-street.csv")

var (
	hampOnce sync.Once
	hampDS   *geo.Dataset
	hampErr  error
)

// hampshire loads the real Hampshire month once per test binary.
func hampshire(tb testing.TB) *geo.Dataset {
	tb.Helper()
	if _, err := os.Stat(hampshirePath); err != nil {
		tb.Skipf("real data absent: %v", err)
	}
	hampOnce.Do(func() {
		hampDS, _, hampErr = ingest.Load(context.Background(), []string{hampshirePath},
			ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if hampErr != nil {
		tb.Fatalf("load %s: %v", hampshirePath, hampErr)
	}
	return hampDS
}

// categoryFilter returns a filter on the named category slugs.
func categoryFilter(tb testing.TB, ds *geo.Dataset, slugs ...string) geo.Filter {
	tb.Helper()
	var f geo.Filter
	for _, s := range slugs {
		i, ok := ds.Categories().BySlug(s)
		if !ok {
			tb.Fatalf("no category %q", s)
		}
		f.Categories.Add(i)
	}
	return f
}
