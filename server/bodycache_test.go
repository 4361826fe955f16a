package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"crimemap/internal/testsupport/datasets"
)

func get(s *Server, path string, gz bool) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

// TestRepeatedAnswersComeFromTheBodyCache: the second GET of a dataset-keyed
// answer, short or streamed, plain or gzipped, is the cache's copy, with the
// same status, body and headers as the first but the request's own ID and a
// chunked answer's Content-Length, which the copy gains.
func TestRepeatedAnswersComeFromTheBodyCache(t *testing.T) {
	s := fuzzServer(t)
	for _, path := range []string{
		"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=500",
		"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=500&limit=3",
		"/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=1000",
		"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=500&format=csv",
		"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044",
		"/v1/counts?lat=50.9097&lng=-1.4044&radius_m=1000&group_by=category",
	} {
		for _, gz := range []bool{false, true} {
			hits := s.bodies.Stats().Hits
			first, second := get(s, path, gz), get(s, path, gz)
			want := int64(1)
			if first.Body.Len() > bufferedBody && !gz {
				want = 0 // a plain listing too long to hold is not kept
			}
			if after := s.bodies.Stats().Hits; after != hits+want {
				t.Errorf("GET %s (gzip %v): %d cache hits; want %d", path, gz, after-hits, want)
			}
			if first.Code != http.StatusOK || second.Code != first.Code || !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
				t.Errorf("GET %s (gzip %v): %d then %d, %d then %d bytes", path, gz, first.Code, second.Code, first.Body.Len(), second.Body.Len())
			}
			for k, v := range first.Header() {
				if got := second.Header()[k]; k != "Content-Length" && k != "X-Request-Id" && !slices.Equal(got, v) {
					t.Errorf("GET %s (gzip %v): %s %q then %q", path, gz, k, v, got)
				}
			}
			if n := second.Header().Get("Content-Length"); n != "" && n != strconv.Itoa(second.Body.Len()) {
				t.Errorf("GET %s (gzip %v): Content-Length %s of %d bytes", path, gz, n, second.Body.Len())
			}
		}
	}
}

// TestBodyCacheFollowsTheDataset: after a reload the same URL answers from
// the new dataset, and HEAD, POST and a cache of 0 bytes keep nothing.
func TestBodyCacheFollowsTheDataset(t *testing.T) {
	const path = "/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044"
	s := fuzzServer(t)
	before := get(s, path, true).Body.Bytes()
	get(s, path, true)
	s.SetDataset(datasets.Southampton())
	if after := get(s, path, true).Body.Bytes(); bytes.Equal(before, after) {
		t.Error("after a reload the answer of the old dataset is sent")
	}

	cfg := DefaultConfig()
	cfg.BodyCacheBytes = 0
	off := New(cfg, Deps{})
	off.SetDataset(datasets.Southampton())
	get(off, path, true)
	s = New(DefaultConfig(), Deps{})
	s.SetDataset(datasets.Southampton())
	for _, method := range []string{http.MethodHead, http.MethodPost} {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
	}
	for name, c := range map[string]*bodyCache{"a cache of 0 bytes": off.bodies, "HEAD and POST": s.bodies} {
		if n := c.Stats().Entries; n != 0 {
			t.Errorf("%s: %d answers kept", name, n)
		}
	}
}

// TestHandlerHeader: only what the handler set is kept, never what the
// middleware set for this one request.
func TestHandlerHeader(t *testing.T) {
	before := http.Header{"X-Request-Id": {"1"}, "Vary": {"Origin"}}
	h := before.Clone()
	h.Set("Content-Type", "application/json")
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Length", "5")
	got := handlerHeader(h, before)
	want := http.Header{"Content-Type": {"application/json"}, "Vary": {"Origin", "Accept-Encoding"}}
	if len(got) != len(want) {
		t.Fatalf("handlerHeader = %v; want %v", got, want)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("handlerHeader[%s] = %q; want %q", k, got[k], v)
		}
	}
}
