package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// probe answers path on s and returns the status and the "status" field.
func probe(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	var body health
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, w.Body)
	}
	return w.Code, body.Status
}

func TestHealthAndReadiness(t *testing.T) {
	s := New(DefaultConfig(), Deps{})
	release := make(chan struct{})
	warmed := make(chan struct{})
	s.prepareHex = func(*geo.Dataset) { <-release }
	type want struct {
		healthz, readyz int
		status          string
	}
	check := func(stage string, w want) {
		t.Helper()
		hc, hs := probe(t, s, "/healthz")
		rc, _ := probe(t, s, "/readyz")
		if hc != w.healthz || rc != w.readyz || hs != w.status {
			t.Errorf("%s: healthz %d %q, readyz %d; want %d %q, %d", stage, hc, hs, rc, w.healthz, w.status, w.readyz)
		}
	}
	check("before a dataset", want{503, 503, healthLoading})
	s.SetDataset(datasets.Hampshire(t))
	check("loaded, hex columns building", want{200, 503, healthLoaded})
	close(release)
	go func() {
		for !s.ready() {
			time.Sleep(time.Millisecond)
		}
		close(warmed)
	}()
	select {
	case <-warmed:
	case <-time.After(10 * time.Second):
		t.Fatal("never ready")
	}
	check("warm", want{200, 200, healthReady})
	s.draining.Store(true)
	check("draining", want{503, 503, healthDraining})
}

// TestMemoryReleasedOnceWarm: each dataset set, the first and a reload's,
// hands the memory it made garbage back once its hex columns are built,
// and not before, while the load's garbage may still be growing.
func TestMemoryReleasedOnceWarm(t *testing.T) {
	s := New(DefaultConfig(), Deps{})
	release := make(chan struct{})
	s.prepareHex = func(*geo.Dataset) { <-release }
	released := make(chan struct{}, 2)
	s.releaseMemory = func() { released <- struct{}{} }
	ds := datasets.Hampshire(t)
	for _, stage := range []string{"first load", "reload"} {
		s.SetDataset(ds)
		select {
		case <-released:
			t.Fatalf("%s: memory released before the hex columns were built", stage)
		case <-time.After(20 * time.Millisecond):
		}
		release <- struct{}{}
		select {
		case <-released:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: memory never released once warm", stage)
		}
	}
}

// TestShutdownDrains shuts down with a request in flight: through the drain
// delay /healthz answers 503 while the request runs on, it then finishes
// with 200, and Serve returns nil.
func TestShutdownDrains(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DrainDelay = 300 * time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
	s := New(cfg, Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.SetDataset(datasets.Hampshire(t))
	started, finish := make(chan struct{}), make(chan struct{})
	routes := s.handler
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-finish
		_, _ = io.WriteString(w, "done")
	})
	mux.Handle("/", routes)
	s.handler = mux
	addr, stop := StartServe(t, s)

	slow := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	// The listener still answers during the drain delay, with 503.
	deadline := time.Now().Add(cfg.DrainDelay)
	sawDraining := false
	for time.Now().Before(deadline) && !sawDraining {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			sawDraining = resp.StatusCode == http.StatusServiceUnavailable
		}
	}
	if !sawDraining {
		t.Error("/healthz never answered 503 while draining")
	}
	close(finish)
	if code := <-slow; code != http.StatusOK {
		t.Errorf("in-flight request = %d, want 200", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}
