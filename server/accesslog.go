package server

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RequestIDHeader carries a request's id, in the request from a proxy that
// assigned one and in every response.
const RequestIDHeader = "X-Request-ID"

// requestIDKey is RequestIDHeader in canonical form: indexing the header
// map with it skips canonicalising, which allocates, on every request.
const requestIDKey = "X-Request-Id"

// maxRequestIDLen bounds an incoming request id that is kept.
const maxRequestIDLen = 64

// unmatchedRoute labels requests that matched no route, so that unknown
// paths cannot grow the metrics' label sets.
const unmatchedRoute = "unmatched"

// observeRequests is the outermost middleware: it gives every request an
// id, counts and times it by route template, and writes one access-log
// line. The line names the route template, never the path or query, which
// may carry postcodes or coordinates someone looked up; nor the client's
// address.
func (s *Server) observeRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var in string
		if v := r.Header[requestIDKey]; len(v) > 0 {
			in = v[0]
		}
		id := requestID(in)
		aw := &accessWriter{ResponseWriter: w}
		aw.idHeader[0] = id
		w.Header()[requestIDKey] = aw.idHeader[:]
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			elapsed := time.Since(start)
			status := aw.status
			if status == 0 {
				// A handler that wrote nothing, or a panic that aborted
				// the connection: net/http sends 200 or nothing.
				status = http.StatusOK
			}
			route := aw.route
			if route == "" {
				route = unmatchedRoute
			}
			method := metricMethod(r.Method)
			s.metrics.observe(route, method, status, elapsed)
			if c := s.metrics.tileOutcomes[aw.cache]; c != nil {
				c.Inc()
			}
			if al := s.deps.AccessLog; al != nil && al.Enabled(r.Context(), slog.LevelInfo) {
				al.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelInfo, "request",
					slog.String("request_id", id),
					slog.String("method", method),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Int64("bytes", aw.bytes),
					slog.Duration("duration", elapsed))
			}
		}()
		next.ServeHTTP(aw, r)
	})
}

// nameRoute records the matched route's template for observeRequests; it
// runs inside the router, where the match is known.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if aw := findAccessWriter(w); aw != nil {
			aw.route = routeTemplate(r)
		}
		next.ServeHTTP(w, r)
	})
}

// noteCacheOutcome records how the tile cache answered a request, for
// crimemap_tile_responses_total.
func noteCacheOutcome(w http.ResponseWriter, outcome string) {
	if aw := findAccessWriter(w); aw != nil {
		aw.cache = outcome
	}
}

// findAccessWriter finds observeRequests' writer under the wrappers
// middleware put around it, or nil when it is absent (a handler called
// directly).
func findAccessWriter(w http.ResponseWriter) *accessWriter {
	for w != nil {
		if aw, ok := w.(*accessWriter); ok {
			return aw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// requestID returns the incoming id if it is short and safe to log and
// echo, else a new random one.
func requestID(in string) string {
	if in != "" && len(in) <= maxRequestIDLen && safeID(in) {
		return in
	}
	var b [16]byte
	return string(strconv.AppendUint(b[:0], rand.Uint64()|1<<63, 16))
}

// safeID reports whether s holds only letters, digits and "-_.:", which
// cannot forge log fields or headers.
func safeID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// accessWriter records what observeRequests reports: the status, the body
// bytes, and what inner handlers note (route, cache outcome).
type accessWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	route  string
	cache  string
	// idHeader backs the X-Request-ID header's value, saving it an
	// allocation.
	idHeader [1]string
}

func (w *accessWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *accessWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
