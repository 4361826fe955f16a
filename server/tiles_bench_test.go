package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"crimemap/server"
	"crimemap/tiles"
)

// BenchmarkTileCachedHandler is the server's CPU per cached tile request,
// routing and headers included, without the network: the ceiling of cached
// tiles per second per core.
func BenchmarkTileCachedHandler(b *testing.B) {
	ds := dataset(b)
	s := server.New(server.DefaultConfig(), nil)
	s.SetDataset(ds)
	var paths []string
	for _, t := range tiles.SampleTiles(ds, 13, 256, 1) {
		paths = append(paths, fmt.Sprintf("/tiles/%d/%d/%d.mvt?v=%s&from=2017-02", t[0], t[1], t[2], ds.Version()))
	}
	for _, p := range paths {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil)
			req.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			i++
		}
	})
}
