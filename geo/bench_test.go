package geo_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// denseCentres returns the n snap points with the most crimes: city centres.
func denseCentres(ds *geo.Dataset, n int) []geo.PointID {
	ps := make([]geo.PointID, ds.NumPoints())
	for p := range ps {
		ps[p] = geo.PointID(p)
	}
	slices.SortFunc(ps, func(a, b geo.PointID) int {
		return cmp.Compare(ds.PointLen(b), ds.PointLen(a))
	})
	return ps[:min(n, len(ps))]
}

// reportLatency records percentiles of per-query latencies, and of the
// process's CPU time per query where cpu holds it: on a shared host the
// wall-clock tail is mostly time the neighbours held the cores.
func reportLatency(b *testing.B, lat []time.Duration, cpu ...time.Duration) {
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(p*float64(len(d)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(lat, 0.5), "p50-us")
	b.ReportMetric(pct(lat, 0.99), "p99-us")
	if len(cpu) > 0 {
		b.ReportMetric(pct(cpu, 0.99), "p99-cpu-us")
	}
}

// BenchmarkRadiusList lists every crime within one mile of a dense city
// centre in one month: target p99 under 1 ms.
func BenchmarkRadiusList(b *testing.B) {
	ds := benchdata.Dataset(b)
	benchRadiusList(b, ds, ds.LatestMonth())
}

// benchRadiusList lists the crimes of month within one mile of the 200
// densest snap points in turn.
func benchRadiusList(b *testing.B, ds *geo.Dataset, m geo.Month) {
	centres := denseCentres(ds, 200)
	f := geo.Filter{From: m, To: m}
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	var crimes []geo.CrimeID
	total := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lon, la := ds.PointLonLat(centres[i%len(centres)])
		c0, t0 := cpuTime(), time.Now()
		c, _ := geo.NewCircle(lon, la, 1609.344)
		crimes = crimes[:0]
		for _, id := range ds.CrimesIn(context.Background(), c, &f) {
			crimes = append(crimes, id)
		}
		lat = append(lat, time.Since(t0))
		cpu = append(cpu, cpuTime()-c0)
		total += len(crimes)
	}
	b.ReportMetric(float64(total)/float64(b.N), "crimes/op")
	reportLatency(b, lat, cpu...)
}

// BenchmarkCounts5km counts by category within 5 km over all twelve months:
// target p99 under 2 ms.
func BenchmarkCounts5km(b *testing.B) {
	benchCounts5km(b, benchdata.Dataset(b))
}

// benchCounts5km counts by category and month, every month of ds, within
// 5 km of the 200 densest snap points in turn. The hex counts are prepared
// first, as serve prepares them on start.
func benchCounts5km(b *testing.B, ds *geo.Dataset) {
	prepare(b, ds, geo.CubeMaxRes)
	centres := denseCentres(ds, 200)
	f := geo.Filter{}
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	total, months := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lon, la := ds.PointLonLat(centres[i%len(centres)])
		c0, t0 := cpuTime(), time.Now()
		c, _ := geo.NewCircle(lon, la, 5000)
		k, err := ds.Count(context.Background(), c, &f)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		cpu = append(cpu, cpuTime()-c0)
		total += k.Total
		months = len(k.Months)
	}
	b.ReportMetric(float64(total)/float64(b.N), "crimes/op")
	b.ReportMetric(float64(months), "months")
	reportLatency(b, lat, cpu...)
}

// BenchmarkResidentBytes reports the loaded dataset's heap per crime, indexes
// included: target at most 48 bytes. Tiles' BenchmarkResidentBytes adds the
// tile index, which a server holds beside it.
func BenchmarkResidentBytes(b *testing.B) {
	bpc := benchdata.BytesPerCrime(b)
	for i := 0; i < b.N; i++ {
	}
	b.ReportMetric(bpc, "bytes/crime")
	b.ReportMetric(float64(benchdata.Dataset(b).Len()), "crimes")
}

// BenchmarkResidentColumns logs the resident bytes per crime of each column
// and index; what the listed columns do not account for (the R-tree, the
// maps, the vocabularies) is the rest.
func BenchmarkResidentColumns(b *testing.B) {
	bpc := benchdata.BytesPerCrime(b)
	ds := benchdata.Dataset(b)
	for b.Loop() {
	}
	n := float64(ds.Len())
	listed := 0.0
	for _, c := range geo.Footprint(ds) {
		b.Logf("%-50s %6.2f bytes/crime", c.Name, float64(c.Bytes)/n)
		listed += float64(c.Bytes) / n
	}
	ids, hist, points, other, ctx := geo.FootprintCounts(ds)
	b.Logf("%-50s %6.2f bytes/crime", "rest (R-tree, maps, vocabularies)", bpc-listed)
	b.Logf("crimes %d, with a 64-hex ID %d, outcome history entries %d, points %d, other IDs %d, contexts %d",
		ds.Len(), ids, hist, points, other, ctx)
	b.ReportMetric(bpc, "bytes/crime")
}

// BenchmarkPublicIDs writes every crime's id and finds a crime by its id,
// and a snap point by its location id, over the national year.
func BenchmarkPublicIDs(b *testing.B) {
	ds := benchDataset(b)
	b.Run("crime id", func(b *testing.B) {
		var sum int64
		for i := 0; b.Loop(); i++ {
			sum += ds.PublicID(geo.CrimeID(i % ds.Len()))
		}
		_ = sum
	})
	// Scattered crimes miss the cache as a listing's first crimes do.
	b.Run("crime id scattered", func(b *testing.B) {
		var sum int64
		for i := 0; b.Loop(); i++ {
			sum += ds.PublicID(geo.CrimeID(i * 7919 % ds.Len()))
		}
		_ = sum
	})
	b.Run("crime by id", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c := geo.CrimeID(i * 7919 % ds.Len())
			if got, ok := ds.CrimeByPublicID(ds.PublicID(c)); !ok || got != c {
				b.Fatalf("crime %d: %d %v", c, got, ok)
			}
		}
	})
	b.Run("point by location id", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := geo.PointID(i * 7919 % ds.NumPoints())
			if got, ok := ds.PointByLocationID(ds.LocationID(p)); !ok || got != p {
				b.Fatalf("point %d: %d %v", p, got, ok)
			}
		}
	})
}

// BenchmarkCrimesByPersistentID finds crimes by their 64-hex Crime ID,
// scattered over the national year, as an outcomes join does.
func BenchmarkCrimesByPersistentID(b *testing.B) {
	ds := benchDataset(b)
	var ids []string
	for c := 0; c < ds.Len() && len(ids) < 4096; c += 1471 {
		if id := ds.PersistentID(geo.CrimeID(c)); len(id) == 64 {
			ids = append(ids, id)
		}
	}
	for i := 0; b.Loop(); i++ {
		if len(ds.CrimesByPersistentID(ids[i%len(ids)])) == 0 {
			b.Fatalf("%s not found", ids[i%len(ids)])
		}
	}
}

// BenchmarkVersionSums hashes every crime, outcome history entry and stop
// for the version, as a build does beside the ID index.
func BenchmarkVersionSums(b *testing.B) {
	ds := benchdata.Dataset(b)
	b.ResetTimer()
	for b.Loop() {
		geo.ComputeVersionSums(ds)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ds.Len()), "ns/crime")
}
