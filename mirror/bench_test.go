package mirror

import (
	"context"
	"testing"
)

// BenchmarkFetch mirrors the fixture from a local server with the rate
// limit out of the way: the cost of a run beyond the network's.
func BenchmarkFetch(b *testing.B) {
	_, base := newFakeAPI(b, fixture)
	opt := DefaultOptions()
	opt.Base, opt.Forces, opt.Dir = base, fixtureForces, b.TempDir()
	opt.Rate, opt.Burst, opt.Refresh = 1e9, 1e6, true
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fetch(context.Background(), opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResume is a second run over a complete folder: no requests.
func BenchmarkResume(b *testing.B) {
	_, base := newFakeAPI(b, fixture)
	opt := DefaultOptions()
	opt.Base, opt.Forces, opt.Dir = base, fixtureForces, b.TempDir()
	if _, err := Fetch(context.Background(), opt); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fetch(context.Background(), opt); err != nil {
			b.Fatal(err)
		}
	}
}
