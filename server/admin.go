package server

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"crimemap/fault"
)

// errAdminToken answers an admin request without the right bearer token.
var errAdminToken = fault.New(fault.Unauthenticated, "a valid admin bearer token is required")

// reloadReport is the outcome of the last reload, shown by /healthz.
type reloadReport struct {
	At      time.Time `json:"at"`
	OK      bool      `json:"ok"`
	Version string    `json:"version,omitempty"`
	Error   string    `json:"error,omitempty"`
	// Read says which files the reload read: "added files" when only a
	// drop of new files was read and added to the dataset, "every file"
	// otherwise.
	Read string `json:"read,omitempty"`
	// Seconds is how long it took, to the dataset being served.
	Seconds float64 `json:"seconds"`
}

// healthDetail is /healthz's answer: the health state and, once a reload
// has been tried, how it went; a failed one leaves the old data serving,
// so the status stays 200.
type healthDetail struct {
	health
	Reload *reloadReport `json:"reload,omitempty"`
}

// ReportReload records a reload that read the files read says, took
// elapsed and failed with err (nil for success) in the metrics and in
// /healthz.
func (s *Server) ReportReload(elapsed time.Duration, read string, err error) {
	s.ObserveLoad("reload", elapsed, err)
	rep := &reloadReport{At: time.Now().UTC(), OK: err == nil, Read: read, Seconds: elapsed.Seconds()}
	if err != nil {
		rep.Error = err.Error()
	} else if snap := s.state.Load(); snap != nil {
		rep.Version = snap.ds.Version()
	}
	s.lastReload.Store(rep)
}

// handleHealthDetail serves GET /healthz, adding the last reload's outcome
// once there is one.
func (s *Server) handleHealthDetail(w http.ResponseWriter, r *http.Request) {
	rep := s.lastReload.Load()
	if rep == nil {
		s.handleHealth(w, r)
		return
	}
	h, code := s.healthNow()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, code, healthDetail{health: h, Reload: rep})
}

// handleAdminReload serves POST /admin/reload: with the admin bearer
// token it asks for a reload and answers 202 at once, the load running in
// the background. Without a configured token the route does not exist.
func (s *Server) handleAdminReload(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminToken == "" || s.deps.Reload == nil {
		writeError(w, r, ErrRouteNotFound)
		return
	}
	if !bearerMatches(r.Header.Get("Authorization"), s.cfg.AdminToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="crimemap admin"`)
		writeError(w, r, errAdminToken)
		return
	}
	s.deps.Reload()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, http.StatusAccepted, map[string]string{"status": "reload requested"})
}

// bearerMatches compares an Authorization header's bearer token with want
// in constant time, so response timing does not reveal how much of a
// guess was right.
func bearerMatches(header, want string) bool {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(want)) == 1
}
