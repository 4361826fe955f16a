package geo

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkBuildIDIndex builds the ID index of 16M random IDs among 20M
// crimes, from the buckets of two parts, as a load's last step does.
func BenchmarkBuildIDIndex(b *testing.B) {
	if testing.Short() {
		b.Skip("16M IDs skipped in -short mode")
	}
	const n, crimes = 1 << 24, 20_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	d := newOnePart(&tablePart{ids: make([]crimeID, n), month: make([]uint8, crimes)})
	for i := range d.ids {
		for j := 0; j < len(d.ids[i]); j += 8 {
			binary.BigEndian.PutUint64(d.ids[i][j:], rng.Uint64())
		}
	}
	bks := []*idBuckets{newIDBuckets(n, n/2), newIDBuckets(n, n/2)}
	for i := range d.ids {
		bks[i%2].add(&d.ids[i], uint32(i))
	}
	runtime.GC()
	for b.Loop() {
		d.buildIDIndex(bks)
	}
}
