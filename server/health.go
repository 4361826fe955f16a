package server

import (
	"net/http"
	"time"
)

// Health states, the "status" of /healthz and /readyz.
const (
	healthLoading  = "loading"  // no dataset yet: 503
	healthLoaded   = "loaded"   // serving, hex columns still building
	healthReady    = "ready"    // serving with everything warm
	healthDraining = "draining" // shutting down: 503 so balancers stop sending
)

type health struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	Crimes  int    `json:"crimes,omitempty"`
	// Parts is how many parts the crime table is in: one, and one per
	// month's reload since it was last read in one piece, unless merged
	// (serve's --max-appended).
	Parts int `json:"parts,omitempty"`
	// HexReady tells whether the H3 cell columns are built; until then
	// the first hex query at each resolution builds its own.
	HexReady bool `json:"hex_ready"`
}

// healthNow reports the server's state and the status code /healthz
// answers it with: 200 once a dataset serves, whether or not warm.
func (s *Server) healthNow() (health, int) {
	snap := s.state.Load()
	var h health
	if snap != nil {
		h = health{Status: healthLoaded, Version: snap.ds.Version(), Crimes: snap.ds.Len(), Parts: snap.ds.NumParts(), HexReady: snap.warm.Load()}
		if h.HexReady {
			h.Status = healthReady
		}
	}
	switch {
	case s.draining.Load():
		h.Status = healthDraining
		return h, http.StatusServiceUnavailable
	case snap == nil:
		h.Status = healthLoading
		return h, http.StatusServiceUnavailable
	}
	return h, http.StatusOK
}

// ready reports what /readyz answers 200 for: a dataset with its hex
// columns built, and no shutdown under way.
func (s *Server) ready() bool {
	h, code := s.healthNow()
	return code == http.StatusOK && h.Status == healthReady
}

// handleHealth serves GET /healthz: 200 from the moment a dataset serves
// (status "loaded", then "ready"), 503 while loading and while draining.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h, code := s.healthNow()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, code, h)
}

// handleReady serves GET /readyz: 200 only when everything is warm.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	h, code := s.healthNow()
	if code == http.StatusOK && h.Status != healthReady {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, code, h)
}

// drain begins a shutdown: /healthz turns 503 and connections are no
// longer kept alive, and for DrainDelay the server keeps answering so that
// load balancers see the 503 and send elsewhere before it stops accepting.
func (s *Server) drain(hs *http.Server) {
	s.draining.Store(true)
	hs.SetKeepAlivesEnabled(false)
	if s.cfg.DrainDelay > 0 {
		s.log.Info("draining", "delay", s.cfg.DrainDelay)
		time.Sleep(s.cfg.DrainDelay)
	}
}

// Draining reports whether a shutdown has begun.
func (s *Server) Draining() bool { return s.draining.Load() }

// Ready reports whether /readyz would answer 200: a dataset serves and its
// hex columns are built.
func (s *Server) Ready() bool { return s.ready() }
