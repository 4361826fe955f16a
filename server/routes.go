package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// routes lists every endpoint. It is the only file that knows gorilla/mux.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	get := []string{http.MethodGet, http.MethodHead}
	getPost := []string{http.MethodGet, http.MethodHead, http.MethodPost}

	r.HandleFunc("/healthz", s.data(s.handleHealth)).Methods(get...)

	// data.police.uk-compatible API.
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/crimes-street/{category}", s.data(s.handlePoliceStreet)).Methods(getPost...)
	api.HandleFunc("/crimes-at-location", s.data(s.handlePoliceAtLocation)).Methods(getPost...)
	api.HandleFunc("/crimes-no-location", s.data(s.handlePoliceNoLocation)).Methods(getPost...)
	api.HandleFunc("/crime-categories", s.data(s.handlePoliceCategories)).Methods(get...)
	api.HandleFunc("/crimes-street-dates", s.data(s.handlePoliceDates)).Methods(get...)
	api.HandleFunc("/crime-last-updated", s.data(s.handlePoliceLastUpdated)).Methods(get...)
	api.HandleFunc("/outcomes-for-crime/{persistent_id}", s.data(s.handlePoliceOutcomesForCrime)).Methods(get...)
	api.HandleFunc("/outcomes-at-location", s.data(s.handlePoliceOutcomesAtLocation)).Methods(getPost...)
	api.HandleFunc("/forces", s.data(s.handlePoliceForces)).Methods(get...)

	// Analyst API.
	v1 := r.PathPrefix("/v1").Subrouter()
	v1.HandleFunc("/meta", s.data(s.handleMeta)).Methods(get...)
	v1.HandleFunc("/crimes", s.data(s.handleCrimes)).Methods(getPost...)
	v1.HandleFunc("/counts", s.data(s.handleCounts)).Methods(getPost...)
	v1.HandleFunc("/streets", s.data(s.handleStreets)).Methods(get...)
	v1.HandleFunc("/clusters/{id}/expansion-zoom", s.data(s.handleClusterExpansion)).Methods(get...)
	v1.HandleFunc("/clusters/{id}/leaves", s.data(s.handleClusterLeaves)).Methods(get...)
	r.HandleFunc("/tiles/{z}/{x}/{y}.mvt", s.data(s.handleTile)).Methods(get...)
	r.HandleFunc("/tiles.json", s.data(s.handleTileJSON)).Methods(get...)
	v1.HandleFunc("/hex", s.data(s.handleHex)).Methods(getPost...)
	v1.HandleFunc("/hex/{cell}", s.data(s.handleHexCell)).Methods(get...)
	v1.HandleFunc("/hotspots", s.data(s.handleHotspots)).Methods(getPost...)
	v1.HandleFunc("/change", s.data(s.handleChange)).Methods(getPost...)
	v1.HandleFunc("/boundaries", s.handleBoundaries).Methods(get...)
	v1.HandleFunc("/boundaries/{id:.+}", s.handleBoundary).Methods(get...)
	r.HandleFunc("/tiles/hex/{z}/{x}/{y}.mvt", s.data(s.handleHexTile)).Methods(get...)
	r.HandleFunc("/tiles/hex.json", s.data(s.handleHexTileJSON)).Methods(get...)

	// Map page, embed and their assets.
	r.HandleFunc("/", s.handleMapPage).Methods(get...)
	r.HandleFunc("/embed", s.handleEmbed).Methods(get...)
	r.PathPrefix("/static/").HandlerFunc(s.handleStatic).Methods(get...)

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, ErrRouteNotFound)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, ErrMethod)
	})
	r.Use(s.timeBudget, varsMiddleware, parseForm)
	// CORS wraps the router so that preflight requests, which match no
	// route's methods, are answered too.
	return s.cors(r)
}

// varsKey carries path variables to handlers so they need not know the router.
type varsKey struct{}

func varsMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := mux.Vars(r); len(v) > 0 {
			for k, val := range v {
				r.SetPathValue(k, val)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// pathVar returns a path variable of the matched route.
func pathVar(r *http.Request, name string) string { return r.PathValue(name) }

// cors adds CORS headers for allowed origins and answers preflight requests.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && len(s.cfg.CORSOrigins) > 0 {
			allowed := slices.Contains(s.cfg.CORSOrigins, "*") || slices.Contains(s.cfg.CORSOrigins, origin)
			if allowed {
				if slices.Contains(s.cfg.CORSOrigins, "*") {
					w.Header().Set("Access-Control-Allow-Origin", "*")
				} else {
					w.Header().Set("Access-Control-Allow-Origin", origin)
					w.Header().Add("Vary", "Origin")
				}
				w.Header().Set("Access-Control-Expose-Headers", "ETag, Link")
				if r.Method == http.MethodOptions {
					w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
					w.Header().Set("Access-Control-Allow-Headers", strings.Join([]string{"Content-Type", "If-None-Match"}, ", "))
					w.Header().Set("Access-Control-Max-Age", "86400")
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
