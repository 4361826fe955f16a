package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// recoverPanics is the last line of defence against a handler's panic: the
// client gets 500 JSON rather than a dropped connection, and the log one
// line naming the route. route names a request's matched route.
func recoverPanics(log *slog.Logger, route func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &startedWriter{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "handler panicked", "route", route(r), "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.started {
					// Part of the answer is out: end the connection so the
					// client sees a broken response, not a short one.
					panic(http.ErrAbortHandler)
				}
				writeError(w, r, errPanicked)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

// startedWriter records whether the response has begun.
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startedWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *startedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// gate bounds the requests that build large answers at once: each holds
// its memory until the client has read the answer, so a crowd of slow
// readers would otherwise hold gigabytes. A request waits up to wait for a
// slot, then gets ErrBusy.
type gate struct {
	slots chan struct{} // nil for no bound
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	g := &gate{wait: wait}
	if n > 0 {
		g.slots = make(chan struct{}, n)
	}
	return g
}

// limit wraps h so that it runs holding a slot, for the requests that
// heavy reports (all when heavy is nil).
func (g *gate) limit(heavy func(*http.Request) bool, h http.HandlerFunc) http.HandlerFunc {
	if g.slots == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if heavy != nil && !heavy(r) {
			h(w, r)
			return
		}
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			writeError(w, r, ErrBusy)
			return
		case <-r.Context().Done():
			writeError(w, r, r.Context().Err())
			return
		}
		defer func() { <-g.slots }()
		h(w, r)
	}
}
