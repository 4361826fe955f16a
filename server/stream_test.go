package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// writeRecorder records the largest single Write of a response.
type writeRecorder struct {
	*httptest.ResponseRecorder
	largest, writes int
}

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.largest = max(w.largest, len(b))
	w.writes++
	return w.ResponseRecorder.Write(b)
}

// TestListingsAreStreamed checks that large listings reach the client a
// chunk at a time rather than encoded whole first, and that HEAD still
// gives the whole length.
func TestListingsAreStreamed(t *testing.T) {
	s := fuzzServer(t)
	for _, path := range []string{
		"/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=10000",
		"/api/crimes-street/all-crime?poly=50.85,-1.5:50.95,-1.5:50.95,-1.3:50.85,-1.3",
	} {
		get := &writeRecorder{ResponseRecorder: httptest.NewRecorder()}
		s.ServeHTTP(get, httptest.NewRequest(http.MethodGet, path, nil))
		body := get.Body.Bytes()
		if get.Code != http.StatusOK || len(body) <= streamChunk {
			t.Fatalf("GET %s = %d with %d bytes; want a 200 of several chunks", path, get.Code, len(body))
		}
		if get.largest > 2*streamChunk {
			t.Errorf("GET %s: a single write of %d bytes; want chunks of about %d", path, get.largest, streamChunk)
		}
		if body[len(body)-1] != '\n' || bytes.Count(body, []byte("\n")) != 1 {
			t.Errorf("GET %s: body not one JSON document ending in a newline", path)
		}
		head := httptest.NewRecorder()
		s.ServeHTTP(head, httptest.NewRequest(http.MethodHead, path, nil))
		if cl := head.Header().Get("Content-Length"); cl != strconv.Itoa(len(body)) || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: Content-Length %q and %d body bytes; want %d and none", path, cl, head.Body.Len(), len(body))
		}
	}
}
