package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"crimemap/loadtest"
)

func TestRunBench(t *testing.T) {
	var gzipAsked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") == "gzip" {
			gzipAsked.Add(1)
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("tile"))
	}))
	defer srv.Close()
	urls := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(urls, []byte("z0-4\t/tiles/0/0/0.mvt\nbroken\t/missing\n/api/forces\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runBench(context.Background(), []string{"-urls", urls, "-base", srv.URL, "-c", "2", "-d", "10s", "-n", "30"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, want := range []string{"z0-4", "broken", "all", "total", "p99", "first error in broken"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if gzipAsked.Load() != 30 {
		t.Errorf("%d of 30 requests asked for gzip", gzipAsked.Load())
	}

	err = runBench(context.Background(), []string{"-urls", urls, "-base", "http://192.0.2.1:8080", "-d", "1s"}, &out)
	if !errors.Is(err, loadtest.ErrNotLoopback) {
		t.Errorf("non-loopback base gave %v, want ErrNotLoopback", err)
	}
	t.Setenv("CRIMEMAP_BENCH_URLS", "")
	t.Setenv("CRIMEMAP_URLS", "")
	if err := runBench(context.Background(), nil, &out); err == nil {
		t.Errorf("bench without -urls succeeded")
	}
}
