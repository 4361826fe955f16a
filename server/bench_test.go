package server_test

import (
	"cmp"
	"fmt"
	"net/http"
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
	size := ds.PointLen
	slices.SortFunc(ps, func(a, b geo.PointID) int { return cmp.Compare(size(b), size(a)) })
	m := ds.LatestMonth()
	var out []string
	for _, p := range ps[:100] {
		lon, lat := ds.PointLonLat(p)
		out = append(out, fmt.Sprintf(format, lat, lon, m))
	}
	return out
}

// sinkWriter counts the body and keeps none of it (a recorder without a
// Body), so a benchmark measures the server rather than a growing buffer.
type sinkWriter struct {
	*httptest.ResponseRecorder
	n int
}

func (w *sinkWriter) Write(b []byte) (int, error) {
	w.n += len(b)
	return w.ResponseRecorder.Write(b)
}

// benchPaths serves paths in turn, plain and (as map clients and crimemap
// bench ask) gzipped, each computed afresh ("cold", without the body cache)
// and repeated from the body cache ("cached").
func benchPaths(b *testing.B, paths []string) {
	ds := benchdata.Dataset(b)
	// SetDataset builds hex columns in the background; build them first so
	// that work is not measured here.
	ds.PrepareHex(tiles.HexZoomRes[:]...)
	cold := server.DefaultConfig()
	cold.BodyCacheBytes = 0
	for _, run := range []struct {
		name string
		cfg  server.Config
		gzip bool
	}{
		{"identity/cold", cold, false}, {"gzip/cold", cold, true},
		{"identity/cached", server.DefaultConfig(), false}, {"gzip/cached", server.DefaultConfig(), true},
	} {
		s := server.New(run.cfg, server.Deps{})
		s.SetDataset(ds)
		b.Run(run.name, func(b *testing.B) {
			b.ReportAllocs()
			bytes := 0
			i := 0
			for b.Loop() {
				req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
				if run.gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				w := &sinkWriter{ResponseRecorder: httptest.NewRecorder()}
				w.Body = nil
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", paths[i%len(paths)], w.Code)
				}
				bytes += w.n
				i++
			}
			b.ReportMetric(float64(bytes)/float64(i), "bytes/op")
		})
	}
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
