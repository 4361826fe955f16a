package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"crimemap/internal/testsupport/datasets"
)

// TestGzipListingsAreStreamed: compressed, a long listing still goes out a
// chunk at a time, without a Content-Length, and inflates to the plain one.
func TestGzipListingsAreStreamed(t *testing.T) {
	s := fuzzServer(t)
	for _, path := range []string{
		"/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=10000",
		"/api/crimes-street/all-crime?poly=50.85,-1.5:50.95,-1.5:50.95,-1.3:50.85,-1.3",
	} {
		plain := httptest.NewRecorder()
		s.ServeHTTP(plain, httptest.NewRequest(http.MethodGet, path, nil))
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		zipped := &writeRecorder{ResponseRecorder: httptest.NewRecorder()}
		s.ServeHTTP(zipped, req)
		if zipped.Code != http.StatusOK || zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Content-Length") != "" {
			t.Fatalf("GET %s: %d, Content-Encoding %q, Content-Length %q", path, zipped.Code,
				zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Length"))
		}
		if zipped.largest > 2*streamChunk {
			t.Errorf("GET %s: a single write of %d bytes; want chunks of at most %d", path, zipped.largest, 2*streamChunk)
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("GET %s: inflates to %d bytes (%v); want the %d plain ones", path, len(got), err, plain.Body.Len())
		}
		if zipped.Header().Get("ETag") == "" {
			t.Errorf("GET %s: a streamed answer keyed on the version has no ETag", path)
		}
	}
}

// TestListingsGoInOneWrite: a listing short enough to hold, or too long to
// hold but short enough to encode in one chunk, goes out in one write with
// its Content-Length, plain or compressed whole, rather than chunked or in
// pieces; a held one still takes ranges.
func TestListingsGoInOneWrite(t *testing.T) {
	s := fuzzServer(t)
	for _, tc := range []struct {
		path string
		held bool
	}{
		{"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=300", true},
		{"/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=1000", false},
		{"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044", false},
	} {
		var plain []byte
		for _, gz := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if gz {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			w := &writeRecorder{ResponseRecorder: httptest.NewRecorder()}
			s.ServeHTTP(w, req)
			body := w.Body.Bytes()
			if w.Code != http.StatusOK || w.writes != 1 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Fatalf("GET %s (gzip %v): %d in %d writes, Content-Length %q of %d bytes", tc.path, gz, w.Code,
					w.writes, w.Header().Get("Content-Length"), len(body))
			}
			if got := w.Header().Get("Accept-Ranges"); (got == "bytes") != tc.held {
				t.Errorf("GET %s (gzip %v): Accept-Ranges %q", tc.path, gz, got)
			}
			if !gz {
				if (len(body) <= bufferedBody) != tc.held || len(body) >= streamChunk {
					t.Fatalf("GET %s: %d bytes; the test wants it held whole %v (at most %d bytes), and shorter than a chunk",
						tc.path, len(body), tc.held, bufferedBody)
				}
				plain = body
				continue
			}
			if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("ETag") == "" {
				t.Errorf("GET %s: Content-Encoding %q, ETag %q", tc.path, w.Header().Get("Content-Encoding"), w.Header().Get("ETag"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, plain) {
				t.Errorf("GET %s: inflates to %d bytes (%v); want the %d plain ones", tc.path, len(got), err, len(plain))
			}
		}
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Range", "bytes=0-9")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if want := map[bool]int{true: http.StatusPartialContent, false: http.StatusOK}[tc.held]; w.Code != want {
			t.Errorf("GET %s with a range: %d, want %d", tc.path, w.Code, want)
		}
	}
}

// BenchmarkGzipListing compresses a 10,000-crime GeoJSON listing at the
// levels worth considering, from the stdlib and klauspost/compress, to
// choose gzipLevel: ns/op against bytes/op.
func BenchmarkGzipListing(b *testing.B) {
	s := fuzzServer(b)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=10000", nil))
	body := w.Body.Bytes()
	type compressor interface {
		io.WriteCloser
		Reset(io.Writer)
	}
	for _, lib := range []struct {
		name string
		new  func(level int) compressor
	}{
		{"stdlib", func(l int) compressor { z, _ := gzip.NewWriterLevel(nil, l); return z }},
		{"klauspost", func(l int) compressor { z, _ := kgzip.NewWriterLevel(nil, l); return z }},
	} {
		for _, level := range []int{-2, 1, 2, 6} { // -2: Huffman coding only
			b.Run(fmt.Sprintf("%s/%d", lib.name, level), func(b *testing.B) {
				z := lib.new(level)
				var out bytes.Buffer
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					out.Reset()
					z.Reset(&out)
					_, _ = z.Write(body)
					_ = z.Close()
				}
				b.ReportMetric(float64(out.Len()), "gzip-bytes")
			})
		}
	}
}

// discardWriter is a ResponseWriter that keeps nothing of the body.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// TestStreamedGzipMemoryIsBounded: serving a long listing gzipped allocates
// a small part of its length, the compressor and buffers being reused.
func TestStreamedGzipMemoryIsBounded(t *testing.T) {
	// Without the body cache: every request streams.
	cfg := DefaultConfig()
	cfg.BodyCacheBytes = 0
	s := New(cfg, Deps{})
	s.SetDataset(datasets.Hampshire(t))
	const path = "/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=10000"
	serve := func() *discardWriter {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req)
		return w
	}
	plain := httptest.NewRecorder()
	s.ServeHTTP(plain, httptest.NewRequest(http.MethodGet, path, nil))
	serve() // fills the pools
	// The least of three: a collection during one may empty the pools.
	least := uint64(math.MaxUint64)
	var w *discardWriter
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w = serve()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	// One chunk may be allocated afresh: the race detector makes sync.Pool
	// drop items at random. A listing held whole would cost its length
	// at least twice over as its buffer grew.
	if plain.Body.Len() < 2*streamChunk {
		t.Fatalf("a %d-byte listing fits in two %d-byte chunks; it would not show streaming", plain.Body.Len(), streamChunk)
	}
	if bound := uint64(streamChunk + plain.Body.Len()/4); w.n == 0 || least > bound {
		t.Errorf("a %d-byte listing (%d gzipped) allocated %d bytes; want under one %d-byte chunk and a quarter of the listing, %d", plain.Body.Len(), w.n, least, streamChunk, bound)
	}
}
