package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkObserveRequests is the access middleware's own cost a request
// (metrics, request id, and with a JSON access log to io.Discard), around a
// handler that does nothing but write a status.
func BenchmarkObserveRequests(b *testing.B) {
	for _, bc := range []struct {
		name string
		deps Deps
	}{
		{"metrics", Deps{}},
		{"metrics+accesslog", Deps{AccessLog: slog.New(slog.NewJSONHandler(io.Discard, nil))}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(DefaultConfig(), bc.deps)
			h := s.observeRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
			}))
			r := httptest.NewRequest(http.MethodGet, "/tiles/13/4000/2700.mvt", nil)
			w := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}
