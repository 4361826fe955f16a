package tiles

import (
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// hampshire is the real Hampshire month, loaded once per test binary.
func hampshire(tb testing.TB) *geo.Dataset { return datasets.Hampshire(tb) }

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

// eachCrime calls fn for every crime of snap point p, part by part.
func eachCrime(ds *geo.Dataset, p geo.PointID, fn func(c geo.CrimeID)) {
	for k := range ds.NumParts() {
		s, e := ds.PartCrimes(k, p)
		for c := s; c < e; c++ {
			fn(c)
		}
	}
}
