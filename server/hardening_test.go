package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestSecurityHeaders: JSON, CSV and tiles went out without nosniff, which
// lets a browser reinterpret them as HTML or script. Every response carries
// it, and a Referrer-Policy that keeps queries off other sites.
func TestSecurityHeaders(t *testing.T) {
	ts := newServer(t)
	for _, path := range []string{
		"/v1/meta", "/v1/counts?format=csv", "/tiles/7/63/42.mvt", "/tiles/hex/7/63/42.mvt", "/tiles.json",
		"/api/forces", "/v1/hex?res=99", "/nope", "/static/app/map.js", "/",
	} {
		resp, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+path))
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options = %q", path, resp.StatusCode, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
			t.Errorf("GET %s (%d): Referrer-Policy = %q", path, resp.StatusCode, got)
		}
	}
}

// TestWrongMethod: a known path asked with a method it does not serve got
// 404 under the /v1/ subrouter; it gets 405 in the JSON error form with an
// Allow header, and an unknown path still gets 404.
func TestWrongMethod(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodDelete, "/v1/meta", 405, "GET, HEAD"},
		{http.MethodPut, "/v1/crimes", 405, "GET, HEAD, POST"},
		{http.MethodPost, "/v1/streets", 405, "GET, HEAD"},
		{http.MethodDelete, "/v1/hex/89194ad3353ffff", 405, "GET, HEAD"},
		{http.MethodPost, "/api/forces", 405, "GET, HEAD"},
		{http.MethodPost, "/tiles.json", 405, "GET, HEAD"},
		{http.MethodDelete, "/", 405, "GET, HEAD"},
		{http.MethodDelete, "/v1/nope", 404, ""},
		{http.MethodGet, "/v1/nope", 404, ""},
	}
	for _, tc := range tests {
		resp, body := do(t, http.DefaultClient, mustRequest(t, tc.method, ts.URL+tc.path))
		var e struct{ Error string }
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s %s = %d, Allow %q, %s; want %d, Allow %q and a JSON error",
				tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), body, tc.status, tc.allow)
		}
	}
}
