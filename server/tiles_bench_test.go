package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"crimemap/server"
	"crimemap/tiles"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkTileCachedHandler is the server's CPU per cached tile request,
// routing and headers included, without the network: the ceiling of cached
// tiles per second per core.
func BenchmarkTileCachedHandler(b *testing.B) { benchTileCached(b, server.Deps{}) }

func benchTileCached(b *testing.B, deps server.Deps) {
	ds := dataset(b)
	s := server.New(server.DefaultConfig(), deps)
	s.SetDataset(ds)
	var reqs []*http.Request
	for _, t := range tiles.SampleTiles(ds, 13, 256, 1) {
		r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/tiles/%d/%d/%d.mvt?v=%s&from=2017-02", t[0], t[1], t[2], ds.Version()), nil)
		r.Header.Set("Accept-Encoding", "gzip")
		s.ServeHTTP(httptest.NewRecorder(), r)
		reqs = append(reqs, r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		i := 0
		for pb.Next() {
			clear(w.h)
			s.ServeHTTP(w, reqs[i%len(reqs)])
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
			i++
		}
	})
}
