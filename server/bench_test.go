package server_test

import (
	"cmp"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/internal/benchdata"
	"crimemap/server"
	"crimemap/tiles"
)

// radiusPaths lists one-mile, one-month listings at the densest snap points
// of the synthetic year.
func radiusPaths(ds *geo.Dataset, format string) []string {
	ps := make([]geo.PointID, ds.NumPoints())
	for p := range ps {
		ps[p] = geo.PointID(p)
	}
	size := func(p geo.PointID) int { s, e := ds.PointCrimes(p); return int(e - s) }
	slices.SortFunc(ps, func(a, b geo.PointID) int { return cmp.Compare(size(b), size(a)) })
	m := ds.LatestMonth()
	var out []string
	for _, p := range ps[:100] {
		lon, lat := ds.PointLonLat(p)
		out = append(out, fmt.Sprintf(format, lat, lon, m))
	}
	return out
}

func benchPaths(b *testing.B, paths []string) {
	s := server.New(server.DefaultConfig(), server.Deps{})
	ds := benchdata.Dataset(b)
	// SetDataset builds hex columns in the background; build them first so
	// that work is not measured here.
	ds.PrepareHex(tiles.HexZoomRes[:]...)
	s.SetDataset(ds)
	b.ReportAllocs()
	b.ResetTimer()
	bytes := 0
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", paths[i%len(paths)], nil))
		if w.Code != 200 {
			b.Fatalf("%s: %d %s", paths[i%len(paths)], w.Code, w.Body)
		}
		bytes += w.Body.Len()
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
	io.Discard.Write(nil)
}

// BenchmarkPoliceStreet is data.police.uk's crimes-street: every crime of a
// month within one mile of a dense city centre, as its JSON.
func BenchmarkPoliceStreet(b *testing.B) {
	benchPaths(b, radiusPaths(benchdata.Dataset(b), "/api/crimes-street/all-crime?lat=%.6f&lng=%.6f&date=%s"))
}

// BenchmarkCrimesRadius is the same listing from /v1/crimes as GeoJSON.
func BenchmarkCrimesRadius(b *testing.B) {
	benchPaths(b, radiusPaths(benchdata.Dataset(b), "/v1/crimes?lat=%.6f&lng=%.6f&radius_m=1609.344&from=%[3]s&to=%[3]s&limit=10000"))
}
