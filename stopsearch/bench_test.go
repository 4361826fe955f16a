package stopsearch_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/stopsearch"
	"crimemap/synth"
)

var national struct {
	once    sync.Once
	x       *stopsearch.Index
	indexed time.Duration
	err     error
}

// nationalStops is the national synthetic year (synth.DefaultConfig's
// crimes, from the benchmarks' cache) with 600,000 stops beside them, about
// the real 50,000 a month, indexed once per test binary.
func nationalStops(b *testing.B) *stopsearch.Index {
	if os.Getenv("CRIMEMAP_BENCH") == "" {
		b.Skip("CRIMEMAP_BENCH not set: the national synthetic year takes minutes to load")
	}
	national.once.Do(func() {
		cfg := synth.DefaultConfig()
		crimes, err := synth.EnsureDir(cfg)
		if err != nil {
			national.err = err
			return
		}
		cfg.Stops = 600_000
		stops, err := os.MkdirTemp("", "crimemap-bench-stops-")
		if err != nil {
			national.err = err
			return
		}
		defer os.RemoveAll(stops)
		if national.err = synth.GenerateStops(cfg, stops); national.err != nil {
			return
		}
		ds, _, err := ingest.Load(context.Background(), []string{crimes, stops}, ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			national.err = err
			return
		}
		start := time.Now()
		national.x = stopsearch.New(ds)
		national.indexed = time.Since(start)
	})
	if national.err != nil {
		b.Fatal(national.err)
	}
	return national.x
}

// BenchmarkStopsStreet is /api/stops-street's query: the stops of the
// latest month within a mile of a stop's own location, the places people
// ask about, chosen at random.
func BenchmarkStopsStreet(b *testing.B) {
	x := nationalStops(b)
	m := x.LatestMonth()
	f := stopsearch.Filter{From: m, To: m}
	rng := rand.New(rand.NewPCG(1, 2))
	var circles []*geo.Circle
	for len(circles) < 1000 {
		if loc, ok := x.Location(stopsearch.ID(rng.IntN(x.Len()))); ok {
			c, err := geo.NewCircle(loc.Lon, loc.Lat, 1609.344)
			if err != nil {
				b.Fatal(err)
			}
			circles = append(circles, c)
		}
	}
	total := 0
	times, _ := testsupport.Latencies(len(circles), func(i int) {
		ids, _, err := x.In(context.Background(), circles[i], &f, 10_000)
		if err != nil {
			b.Fatal(err)
		}
		total += len(ids)
	})
	for i := 0; b.Loop(); i++ {
		x.In(context.Background(), circles[i%len(circles)], &f, 10_000)
	}
	reportLatency(b, times)
	b.ReportMetric(float64(total)/float64(len(circles)), "stops/query")
}

// BenchmarkStopsForceMonthCount is /v1/stops/counts for one force's latest
// month grouped by outcome and officer-defined ethnicity, over every force
// with stops.
func BenchmarkStopsForceMonthCount(b *testing.B) {
	x := nationalStops(b)
	m := x.LatestMonth()
	byForce, err := x.Count(context.Background(), nil, &stopsearch.Filter{From: m, To: m}, []stopsearch.Dim{stopsearch.DimForce})
	if err != nil {
		b.Fatal(err)
	}
	var filters []stopsearch.Filter
	for _, g := range byForce.Groups {
		f := stopsearch.Filter{From: m, To: m}
		if err := x.Restrict(&f, stopsearch.DimForce, g.Keys[0].Slug); err != nil {
			b.Fatal(err)
		}
		filters = append(filters, f)
	}
	dims := []stopsearch.Dim{stopsearch.DimOutcome, stopsearch.DimEthnicity}
	count := func(i int) {
		if _, err := x.Count(context.Background(), nil, &filters[i%len(filters)], dims); err != nil {
			b.Fatal(err)
		}
	}
	times, _ := testsupport.Latencies(20*len(filters), count)
	for i := 0; b.Loop(); i++ {
		count(i)
	}
	reportLatency(b, times)
}

// reportLatency reports the percentiles of times, and how long New took to
// index the stops (after the loop, which resets metrics reported before it).
func reportLatency(b *testing.B, times []time.Duration) {
	b.ReportMetric(national.indexed.Seconds(), "index-s")
	b.ReportMetric(float64(testsupport.Percentile(times, 50).Nanoseconds())/1e3, "p50-us")
	b.ReportMetric(float64(testsupport.Percentile(times, 99).Nanoseconds())/1e3, "p99-us")
}

// BenchmarkNew indexes 200,000 synthetic stops (four months of the national
// rate) beside 100,000 crimes: the time SetDataset spends on them.
func BenchmarkNew(b *testing.B) {
	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Stops = 100_000, 4, 200_000
	dir := b.TempDir()
	if err := synth.Generate(cfg, dir); err != nil {
		b.Fatal(err)
	}
	ds, _, err := ingest.Load(context.Background(), []string{dir}, ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		stopsearch.New(ds)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200_000, "ns/stop")
}

// BenchmarkResidentBytes reports the heap stop-and-search records hold, in
// the dataset and in their index, per stop, measured after a collection:
// the real stops under ../shared (Metropolitan and City of London 2015,
// Greater Manchester 2018), and 600,000 synthetic ones, a national year.
func BenchmarkResidentBytes(b *testing.B) {
	quiet := ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range []struct {
		name  string
		paths func(b *testing.B) []string
	}{
		{"real", func(b *testing.B) []string {
			return []string{testsupport.Shared(b, "stop-and-search-2015-metropolitan-city-of-london"),
				testsupport.Shared(b, "greater-manchester-stop-and-search-2018-01_08")}
		}},
		{"national-synthetic", func(b *testing.B) []string {
			cfg := synth.DefaultConfig()
			cfg.Stops = 600_000
			dir := b.TempDir()
			if err := synth.GenerateStops(cfg, dir); err != nil {
				b.Fatal(err)
			}
			return []string{dir}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			paths := c.paths(b)
			var ds *geo.Dataset
			var x *stopsearch.Index
			var before, loaded, indexed runtime.MemStats
			for b.Loop() {
				ds, x = nil, nil
				runtime.GC()
				runtime.ReadMemStats(&before)
				var err error
				if ds, _, err = ingest.Load(context.Background(), paths, quiet); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&loaded)
				x = stopsearch.New(ds)
				runtime.GC()
				runtime.ReadMemStats(&indexed)
			}
			n := float64(ds.NumStops())
			b.ReportMetric(float64(loaded.HeapAlloc-before.HeapAlloc)/n, "dataset-bytes/stop")
			b.ReportMetric(float64(indexed.HeapAlloc-loaded.HeapAlloc)/n, "index-bytes/stop")
			b.ReportMetric(n, "stops")
			runtime.KeepAlive(x)
		})
	}
}
