package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRecoverPanicsAnswers500AndLogsOnce(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	route := func(*http.Request) string { return "/v1/boom" }
	h := recoverPanics(log, route)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var handled []string
		_ = handled[len(r.URL.Path)] // an index out of range panics
	}))
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/v1/boom")
	if err != nil {
		t.Fatalf("panicking handler dropped the connection: %v", err)
	}
	defer resp.Body.Close()
	var body errorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusInternalServerError || body.Error != "internal error" {
		t.Errorf("got %d %+v, want 500 internal error", resp.StatusCode, body)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), "route=/v1/boom") {
		t.Errorf("want one log line naming the route, got %d:\n%s", n, logs.String())
	}
}

func TestRecoverAfterStartAbortsConnection(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := recoverPanics(log, func(*http.Request) string { return "" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	}))
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("a panic after the answer began gave a complete response")
	}
}

func TestGateAnswersBusyWithRetryAfter(t *testing.T) {
	g := newGate(1, 50*time.Millisecond)
	release, entered := make(chan struct{}), make(chan struct{})
	h := g.limit(nil, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	go h(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/hex", nil))
	<-entered
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/v1/hex", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("second request while the slot is held: %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	close(release)
	// The slot is free again; requests not judged heavy never wait.
	light := g.limit(func(*http.Request) bool { return false }, func(w http.ResponseWriter, r *http.Request) {})
	rec = httptest.NewRecorder()
	light(rec, httptest.NewRequest("GET", "/api/crimes-street/all-crime", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("light request: %d", rec.Code)
	}
}

// StartServe runs s.Serve on a loopback port and returns the address and a
// function that cancels Serve's context and returns its error. It is
// exported for the package's external tests.
func StartServe(t testing.TB, s *Server) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, nil) }()
	return ln.Addr().String(), func() error {
		cancel()
		return <-done
	}
}

// shutdownWithSlowRequest serves handler, starts one request, cancels the
// server's context while it is in flight, and returns the request's status
// (0 if it failed), how long Serve took to return and Serve's error.
func shutdownWithSlowRequest(t *testing.T, timeout time.Duration, handler http.HandlerFunc, started <-chan struct{}) (int, time.Duration, error) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ShutdownTimeout = timeout
	s := New(cfg, Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.handler = handler
	addr, stop := StartServe(t, s)
	status := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/tiles/1/0/0.mvt")
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	<-started
	begin := time.Now()
	err := stop()
	took := time.Since(begin)
	return <-status, took, err
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	started := make(chan struct{})
	slow := func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond):
			w.WriteHeader(http.StatusOK)
		case <-r.Context().Done():
			writeError(w, r, r.Context().Err())
		}
	}
	status, _, err := shutdownWithSlowRequest(t, 5*time.Second, slow, started)
	if err != nil || status != http.StatusOK {
		t.Errorf("in-flight request during shutdown: status %d, Serve error %v; want 200 and nil", status, err)
	}
}

func TestShutdownPastTimeoutCancelsAndReturnsNil(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan bool, 1)
	// A render that checks its context only now and then.
	stuck := func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(time.Second)
		cancelled <- r.Context().Err() != nil
	}
	_, took, err := shutdownWithSlowRequest(t, 200*time.Millisecond, stuck, started)
	if err != nil {
		t.Errorf("Serve after the grace period = %v, want nil", err)
	}
	if took > 900*time.Millisecond {
		t.Errorf("Serve took %v to return after a 200ms grace period", took)
	}
	if !<-cancelled {
		t.Error("the request's context was not cancelled past the grace period")
	}
}
