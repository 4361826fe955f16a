package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"crimemap/internal/testsupport/datasets"
)

func TestAdminReloadToken(t *testing.T) {
	const token = "s3cret-admin-token"
	for _, tc := range []struct {
		name     string
		token    string // configured; "" leaves the route off
		reload   bool   // Deps.Reload set
		auth     string
		method   string
		want     int
		requests int32
	}{
		{"no token configured", "", true, "Bearer " + token, http.MethodPost, http.StatusNotFound, 0},
		{"no reload wired", token, false, "Bearer " + token, http.MethodPost, http.StatusNotFound, 0},
		{"no header", token, true, "", http.MethodPost, http.StatusUnauthorized, 0},
		{"wrong token", token, true, "Bearer wrong", http.MethodPost, http.StatusUnauthorized, 0},
		{"token prefix", token, true, "Bearer " + token[:5], http.MethodPost, http.StatusUnauthorized, 0},
		{"token longer", token, true, "Bearer " + token + "x", http.MethodPost, http.StatusUnauthorized, 0},
		{"basic scheme", token, true, "Basic " + token, http.MethodPost, http.StatusUnauthorized, 0},
		{"bare token", token, true, token, http.MethodPost, http.StatusUnauthorized, 0},
		{"right token", token, true, "Bearer " + token, http.MethodPost, http.StatusAccepted, 1},
		{"scheme case", token, true, "bearer " + token, http.MethodPost, http.StatusAccepted, 1},
		{"GET", token, true, "Bearer " + token, http.MethodGet, http.StatusMethodNotAllowed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.AdminToken = tc.token
			var n atomic.Int32
			deps := Deps{}
			if tc.reload {
				deps.Reload = func() { n.Add(1) }
			}
			s := New(cfg, deps)
			req := httptest.NewRequest(tc.method, "/admin/reload", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != tc.want || n.Load() != tc.requests {
				t.Errorf("status %d, %d reloads; want %d, %d: %s", w.Code, n.Load(), tc.want, tc.requests, w.Body)
			}
			if w.Code == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge: %q", w.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// TestHealthReportsReload checks that a failed reload shows in /healthz
// while the old version keeps serving, and a later success clears it.
func TestHealthReportsReload(t *testing.T) {
	s := New(DefaultConfig(), Deps{})
	ds := datasets.Hampshire(t)
	s.SetDataset(ds)
	get := func() (int, healthDetail) {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var body healthDetail
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: %s", err, w.Body)
		}
		return w.Code, body
	}
	if _, h := get(); h.Reload != nil {
		t.Fatalf("reload shown before any: %+v", h.Reload)
	}
	s.ReportReload(time.Second, "every file", errors.New("ingest: 1 file(s) could not be read"))
	code, h := get()
	if code != http.StatusOK || h.Version != ds.Version() || h.Reload == nil || h.Reload.OK || !strings.Contains(h.Reload.Error, "could not be read") {
		t.Fatalf("after a failed reload: %d %+v %+v", code, h, h.Reload)
	}
	s.ReportReload(time.Second, "every file", nil)
	if _, h := get(); h.Reload == nil || !h.Reload.OK || h.Reload.Error != "" || h.Reload.Version != ds.Version() {
		t.Fatalf("after a reload: %+v", h.Reload)
	}
}

// FuzzBearerMatches checks that no Authorization header passes unless it
// carries exactly the token after a Bearer scheme.
func FuzzBearerMatches(f *testing.F) {
	for _, h := range []string{"", "Bearer x", "bearer  tok", "Basic tok", "Bearer tok extra", "Bearer\ttok"} {
		f.Add(h, "tok")
	}
	f.Fuzz(func(t *testing.T, header, want string) {
		if !bearerMatches(header, want) {
			return
		}
		scheme, token, _ := strings.Cut(header, " ")
		if want == "" || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) != want {
			t.Errorf("bearerMatches(%q, %q) = true", header, want)
		}
	})
}
