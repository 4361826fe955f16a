package tiles

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/benchdata"
	"crimemap/internal/testsupport"

	"github.com/paulmach/orb/encoding/mvt"
)

var (
	synthOnce sync.Once
	synthIx   *Index
)

// synthetic loads the 6M-crime synthetic year (generated once per machine
// by package synth) and indexes it; the first call takes a minute or more.
func synthetic(b *testing.B) (*geo.Dataset, *Index) {
	b.Helper()
	ds := benchdata.Dataset(b)
	synthOnce.Do(func() { synthIx = NewIndex(ds, DefaultOptions()) })
	return ds, synthIx
}

// zoomBands group zooms the way tile-server costs are usually quoted.
var zoomBands = [][2]int{{0, 5}, {6, 8}, {9, 11}, {12, 13}, {14, 16}}

// benchTiles renders data-weighted tiles of each band uncached, with and
// without a month filter, and with an outcome filter (which count tables
// cannot answer), reporting p50 and p99 latencies besides ns/op.
func benchTiles(b *testing.B, ds *geo.Dataset, ix *Index) {
	m := ds.LatestMonth()
	var outcome geo.Filter
	outcome.Outcomes.Add(1)
	benchTileFilters(b, ds, ix, []namedFilter{{"all", geo.Filter{}}, {"month", geo.Filter{From: m, To: m}}, {"outcome", outcome}})
}

type namedFilter struct {
	name string
	f    geo.Filter
}

// benchTileFilters renders data-weighted tiles of each band with each filter.
func benchTileFilters(b *testing.B, ds *geo.Dataset, ix *Index, filters []namedFilter) {
	for _, band := range zoomBands {
		var ts [][3]int
		for z := band[0]; z <= band[1]; z++ {
			ts = append(ts, SampleTiles(ds, z, 200, 1)...)
		}
		for _, v := range filters {
			b.Run(fmt.Sprintf("z%d-%d/%s", band[0], band[1], v.name), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				cpu := make([]time.Duration, 0, b.N)
				bytes, maxBytes := 0, 0
				// On a shared machine wall-clock percentiles include time
				// other processes held the core; the thread's CPU time per
				// tile does not.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					t := ts[i%len(ts)]
					c0, cok := testsupport.ThreadCPU()
					start := time.Now()
					raw, err := ix.Tile(context.Background(), t[0], t[1], t[2], &v.f)
					lat = append(lat, time.Since(start))
					if c1, ok := testsupport.ThreadCPU(); ok && cok {
						cpu = append(cpu, time.Duration(c1-c0))
					}
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(raw)
					maxBytes = max(maxBytes, len(raw))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				if len(cpu) > 0 {
					slices.Sort(cpu)
					b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "p99-cpu-µs")
				}
				b.ReportMetric(float64(bytes)/float64(len(lat)), "bytes/tile")
				b.ReportMetric(float64(maxBytes), "max-bytes")
			})
		}
	}
}

func BenchmarkTileReal(b *testing.B) {
	ds := hampshire(b)
	benchTiles(b, ds, NewIndex(ds, DefaultOptions()))
}

func BenchmarkTileSynthetic(b *testing.B) {
	ds, ix := synthetic(b)
	benchTiles(b, ds, ix)
}

func BenchmarkNewIndexReal(b *testing.B) {
	ds := hampshire(b)
	var ix *Index
	for b.Loop() {
		ix = NewIndex(ds, DefaultOptions())
	}
	reportIndexMemory(b, ds, ix)
}

func BenchmarkNewIndexSynthetic(b *testing.B) {
	ds, _ := synthetic(b)
	var ix *Index
	for b.Loop() {
		ix = NewIndex(ds, DefaultOptions())
	}
	reportIndexMemory(b, ds, ix)
}

// BenchmarkNewIndexFromSnapshot opens the index stored in a snapshot of
// the synthetic year, as serve --snapshot does.
func BenchmarkNewIndexFromSnapshot(b *testing.B) {
	ds, ix := synthetic(b)
	snap, _ := reopened(b, ds, ix.SnapshotPart())
	for b.Loop() {
		ix = NewIndex(snap, DefaultOptions())
	}
	if !fromPart(ix) {
		b.Fatal("the stored index was not used")
	}
	reportIndexMemory(b, snap, ix)
}

// reportIndexMemory reports the heap an index holds beyond its dataset.
//
//lint:ignore SA4009 ix is dropped first, so that the measurement starts without the caller's index
func reportIndexMemory(b *testing.B, ds *geo.Dataset, ix *Index) {
	ix = nil
	heap, ix := indexHeap(ds)
	b.ReportMetric(float64(heap)/(1<<20), "index-MiB")
	b.ReportMetric(float64(ds.NumPoints()), "points")
	runtime.KeepAlive(ix)
}

// indexHeap builds ds's index and returns the heap it holds beyond the
// dataset, measured between collections so the build's transient buffers
// are not counted.
func indexHeap(ds *geo.Dataset) (int64, *Index) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := NewIndex(ds, DefaultOptions())
	runtime.GC()
	runtime.ReadMemStats(&after)
	return int64(after.HeapInuse) - int64(before.HeapInuse), ix
}

// BenchmarkResidentBytes reports the heap per crime a server holds for the
// national year's crimes: the dataset with its indexes (geo's
// BenchmarkResidentBytes) and the tile index with its count tables.
func BenchmarkResidentBytes(b *testing.B) {
	reportResident(b, benchdata.Dataset(b), benchdata.BytesPerCrime(b))
}

// BenchmarkHistoryResidentBytes is BenchmarkResidentBytes over the fifteen
// years (CRIMEMAP_BENCH_HISTORY, a folder of CSVs): target at most 36
// bytes per crime in all.
func BenchmarkHistoryResidentBytes(b *testing.B) {
	bpc := benchdata.HistoryBytesPerCrime(b)
	reportResident(b, benchdata.History(b), bpc)
}

func reportResident(b *testing.B, ds *geo.Dataset, geoBPC float64) {
	heap, ix := indexHeap(ds)
	for b.Loop() {
	}
	n := float64(ds.Len())
	b.ReportMetric(geoBPC, "geo-bytes/crime")
	b.ReportMetric(float64(heap)/n, "tiles-bytes/crime")
	b.ReportMetric(geoBPC+float64(heap)/n, "bytes/crime")
	b.ReportMetric(n, "crimes")
	runtime.KeepAlive(ix)
}

// BenchmarkEncode compares the point encoder with orb's mvt.Marshal on the
// busiest zoom-14 tile of the real data.
func BenchmarkEncode(b *testing.B) {
	ds := hampshire(b)
	ix := NewIndex(ds, DefaultOptions())
	var best []feature
	var bz, bx, by int
	for _, t := range SampleTiles(ds, 14, 200, 1) {
		if fs, _ := ix.features(t[0], t[1], t[2], &geo.Filter{}); len(fs) > len(best) {
			best, bz, bx, by = fs, t[0], t[1], t[2]
		}
	}
	b.Logf("%d features", len(best))
	b.Run("specialised", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.encode(bz, bx, by, LayerCrimes, best)
		}
	})
	b.Run("orb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mvt.Marshal(orbLayer(ix, bz, bx, by, LayerCrimes, best)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCachedTile is the cost of a cache hit, in parallel.
func BenchmarkCachedTile(b *testing.B) {
	ds := hampshire(b)
	ix := NewIndex(ds, DefaultOptions())
	c := NewCache(64 << 20)
	ts := SampleTiles(ds, 12, 512, 1)
	l, p := CrimeLayer(ix), Params{}
	for _, t := range ts {
		if _, err := CachedTile(context.Background(), c, l, t[0], t[1], t[2], p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			t := ts[i%len(ts)]
			i++
			if _, err := CachedTile(context.Background(), c, l, t[0], t[1], t[2], p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExtendSynthetic extends the index of the synthetic year's first
// eleven months by the twelfth, as a reload adding a month does.
func BenchmarkExtendSynthetic(b *testing.B) {
	ds, _ := synthetic(b)
	dir := benchdata.Dir(b)
	ms := ds.Months()
	var paths []string
	for _, m := range ms[:len(ms)-1] {
		paths = append(paths, filepath.Join(dir, m.String()))
	}
	base, _, err := ingest.Load(context.Background(), paths, ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ix := NewIndex(base, DefaultOptions())
	if _, err := ix.Extend(ds); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := ix.Extend(ds); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ds.NumPoints()-base.NumPoints()), "new-points")
}

// BenchmarkExtendLevels adds the synthetic year's last 2,000 snap points to
// the hierarchy of the others, the part of Extend a month with new points
// adds to one without.
func BenchmarkExtendLevels(b *testing.B) {
	_, ix := synthetic(b)
	n := len(ix.ptX) - 2000
	old := &Index{opt: ix.opt, ptX: ix.ptX[:n], ptY: ix.ptY[:n]}
	old.build()
	for b.Loop() {
		nx := &Index{opt: ix.opt, ptX: ix.ptX, ptY: ix.ptY}
		_, wait := nx.extendLevels(old)
		wait()
	}
}
