package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"crimemap/internal/testsupport/datasets"
)

func TestRequestID(t *testing.T) {
	tests := []struct {
		in   string
		keep bool
	}{
		{"abc-123_DEF.4:5", true},
		{strings.Repeat("a", maxRequestIDLen), true},
		{strings.Repeat("a", maxRequestIDLen+1), false},
		{"", false},
		{"has space", false},
		{"line\nbreak", false},
		{`quote"`, false},
		{"é", false},
	}
	for _, tc := range tests {
		got := requestID(tc.in)
		if (got == tc.in) != tc.keep {
			t.Errorf("requestID(%q) = %q, keep %v", tc.in, got, tc.keep)
		}
		if !tc.keep && (len(got) != 16 || !safeID(got)) {
			t.Errorf("generated id %q: want 16 safe characters", got)
		}
	}
	if a, b := requestID(""), requestID(""); a == b {
		t.Error("two generated ids are equal")
	}
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	s := New(DefaultConfig(), Deps{AccessLog: slog.New(slog.NewJSONHandler(&buf, nil))})
	s.SetDataset(datasets.Hampshire(t))
	tests := []struct {
		path, inID string
		route      string
		status     int
		keepID     bool
	}{
		{"/v1/locate?postcode=SO14+7LY&lat=50.9&lng=-1.4", "req-1", "/v1/locate", 0, true},
		{"/api/crimes-at-location?lat=50.9&lng=-1.4", "bad id\r\n", "/api/crimes-at-location", 200, false},
		{"/secret/SO14-7LY", "", unmatchedRoute, 404, false},
	}
	for _, tc := range tests {
		buf.Reset()
		r := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.inID != "" {
			r.Header.Set(RequestIDHeader, tc.inID)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		id := w.Header().Get(RequestIDHeader)
		if (id == tc.inID) != tc.keepID || id == "" {
			t.Errorf("%s: response id %q for %q", tc.path, id, tc.inID)
		}
		var line struct {
			Msg, RequestID, Method, Route string
			Status                        int
			Bytes                         int
			Duration                      float64
		}
		dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("%s: %v: %s", tc.path, err, buf.String())
		}
		// slog's JSON keys are snake_case; map the one that differs.
		var raw map[string]any
		_ = json.Unmarshal(bytes.SplitN(buf.Bytes(), []byte("\n"), 2)[0], &raw)
		line.RequestID, _ = raw["request_id"].(string)
		if line.Msg != "request" || line.RequestID != id || line.Method != "GET" || line.Route != tc.route ||
			line.Status != w.Code || line.Bytes != w.Body.Len() || line.Duration <= 0 {
			t.Errorf("%s: log %s; response %d, %d bytes, id %q", tc.path, buf.String(), w.Code, w.Body.Len(), id)
		}
		if tc.status != 0 && w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, w.Code, tc.status)
		}
		for _, leak := range []string{"SO14", "50.9", "lat=", "192.0.2.1"} {
			if strings.Contains(buf.String(), leak) {
				t.Errorf("%s: log carries %q: %s", tc.path, leak, buf.String())
			}
		}
	}
}
