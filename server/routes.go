package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"crimemap/neighbourhood"
)

// routes lists every endpoint. It is the only file that knows gorilla/mux.
func (s *Server) routes() http.Handler {
	r := s.router()
	// CORS wraps the router so that preflight requests, which match no
	// route's methods, are answered too.
	return s.observeRequests(securityHeaders(s.cors(watchBodyLimit(r))))
}

// router is the route table; openapi.go documents each of its routes.
func (s *Server) router() *mux.Router {
	r := mux.NewRouter()
	get := []string{http.MethodGet, http.MethodHead}
	getPost := []string{http.MethodGet, http.MethodHead, http.MethodPost}

	r.HandleFunc("/healthz", s.handleHealthDetail).Methods(get...)
	r.HandleFunc("/admin/reload", s.handleAdminReload).Methods(http.MethodPost)
	r.HandleFunc("/readyz", s.handleReady).Methods(get...)
	if s.cfg.MetricsAddr == "" {
		r.Handle("/metrics", s.metrics.handler()).Methods(get...)
	}

	// data.police.uk-compatible API.
	api := r.PathPrefix("/api").Subrouter()
	api.Use(refuseLongURLs, s.respond)
	api.HandleFunc("/crimes-street/{category}", s.heavy.limit(customArea, s.withSnapshot(s.handlePoliceStreet))).Methods(getPost...)
	api.HandleFunc("/crimes-at-location", s.withSnapshot(s.handlePoliceAtLocation)).Methods(getPost...)
	api.HandleFunc("/crimes-no-location", s.withSnapshot(s.handlePoliceNoLocation)).Methods(getPost...)
	api.HandleFunc("/crime-categories", s.withSnapshot(s.handlePoliceCategories)).Methods(get...)
	api.HandleFunc("/crimes-street-dates", s.withSnapshot(s.handlePoliceDates)).Methods(get...)
	api.HandleFunc("/crime-last-updated", s.withSnapshot(s.handlePoliceLastUpdated)).Methods(get...)
	api.HandleFunc("/outcomes-for-crime/{persistent_id}", s.withSnapshot(s.handlePoliceOutcomesForCrime)).Methods(get...)
	api.HandleFunc("/outcomes-at-location", s.heavy.limit(customArea, s.withSnapshot(s.handlePoliceOutcomesAtLocation))).Methods(getPost...)
	api.HandleFunc("/forces", s.withSnapshot(s.handlePoliceForces)).Methods(get...)
	api.HandleFunc("/stops-street", s.heavy.limit(customArea, s.withSnapshot(s.handlePoliceStopsStreet))).Methods(getPost...)
	api.HandleFunc("/stops-at-location", s.withSnapshot(s.handlePoliceStopsAtLocation)).Methods(getPost...)
	api.HandleFunc("/stops-no-location", s.withSnapshot(s.handlePoliceStopsForce(false))).Methods(getPost...)
	api.HandleFunc("/stops-force", s.withSnapshot(s.handlePoliceStopsForce(true))).Methods(getPost...)
	// Neighbourhoods: after every fixed path above, which {force}/{id}
	// would otherwise take.
	api.HandleFunc("/locate-neighbourhood", s.handleLocateNeighbourhood).Methods(get...)
	api.HandleFunc("/forces/{force}", teamRoute(s, forceDetail)).Methods(get...)
	api.HandleFunc("/forces/{force}/people", teamRoute(s, forcePeople)).Methods(get...)
	api.HandleFunc("/{force}/neighbourhoods", teamRoute(s, forceNeighbourhoods)).Methods(get...)
	api.HandleFunc("/{force}/{id}", teamRoute(s, (*neighbourhood.Set).Get)).Methods(get...)
	api.HandleFunc("/{force}/{id}/people", teamRoute(s, (*neighbourhood.Set).People)).Methods(get...)
	api.HandleFunc("/{force}/{id}/events", teamRoute(s, (*neighbourhood.Set).Events)).Methods(get...)
	api.HandleFunc("/{force}/{id}/priorities", teamRoute(s, (*neighbourhood.Set).Priorities)).Methods(get...)
	api.HandleFunc("/{force}/{id}/boundary", teamRoute(s, (*neighbourhood.Set).Boundary)).Methods(get...)

	// Analyst API.
	v1 := r.PathPrefix("/v1").Subrouter()
	v1.Use(s.respond)
	v1.HandleFunc("/meta", s.withSnapshot(s.handleMeta)).Methods(get...)
	v1.HandleFunc("/crimes", s.heavy.limit(nil, s.withSnapshot(s.handleCrimes))).Methods(getPost...)
	v1.HandleFunc("/counts", s.heavy.limit(nil, s.withSnapshot(s.handleCounts))).Methods(getPost...)
	v1.HandleFunc("/stops", s.heavy.limit(nil, s.withSnapshot(s.handleStops))).Methods(getPost...)
	v1.HandleFunc("/stops/counts", s.heavy.limit(nil, s.withSnapshot(s.handleStopCounts))).Methods(getPost...)
	v1.HandleFunc("/streets", s.withSnapshot(s.handleStreets)).Methods(get...)
	v1.HandleFunc("/locate", s.handleLocate).Methods(get...)
	v1.HandleFunc("/clusters/{id}/expansion-zoom", s.withSnapshot(s.handleClusterExpansion)).Methods(get...)
	v1.HandleFunc("/clusters/{id}/leaves", s.withSnapshot(s.handleClusterLeaves)).Methods(get...)
	v1.HandleFunc("/hex", s.heavy.limit(nil, s.withSnapshot(s.handleHex))).Methods(getPost...)
	v1.HandleFunc("/hex/{cell}", s.withSnapshot(s.handleHexCell)).Methods(get...)
	v1.HandleFunc("/hotspots", s.heavy.limit(nil, s.withSnapshot(s.handleHotspots))).Methods(getPost...)
	v1.HandleFunc("/change", s.heavy.limit(nil, s.withSnapshot(s.handleChange))).Methods(getPost...)
	v1.HandleFunc("/boundaries", s.handleBoundaries).Methods(get...)
	v1.HandleFunc("/boundaries/{id:.+}", s.handleBoundary).Methods(get...)

	// Vector tiles: each layer's tiles and TileJSON, by the same two handlers.
	for _, tl := range []*tileLayer{
		{tile: "/tiles/{z}/{x}/{y}.mvt", json: "/tiles.json", params: filterParams, layer: crimeTiles},
		{tile: "/tiles/hex/{z}/{x}/{y}.mvt", json: "/tiles/hex.json", params: append([]string{"res"}, filterParams...), layer: hexTiles},
		{tile: "/tiles/stops/{z}/{x}/{y}.mvt", json: "/tiles/stops.json", params: []string{"from", "to", "force"}, layer: stopTiles},
		{tile: "/tiles/land/{z}/{x}/{y}.mvt", json: "/tiles/land.json", layer: landTiles},
		{tile: "/tiles/labels/{z}/{x}/{y}.mvt", json: "/tiles/labels.json", layer: labelTiles},
		{tile: "/tiles/osm/{z}/{x}/{y}.mvt", json: "/tiles/osm.json", layer: s.osmTiles},
	} {
		r.HandleFunc(tl.tile, s.withSnapshot(s.handleTile(tl))).Methods(get...)
		r.HandleFunc(tl.json, s.withSnapshot(s.handleTileJSON(tl))).Methods(get...)
	}

	r.HandleFunc("/fonts/{stack}/{range}.pbf", s.handleGlyphs).Methods(get...)

	// Map page, embed and their assets.
	r.HandleFunc("/", s.handleMapPage).Methods(get...)
	r.HandleFunc("/embed", s.handleEmbed).Methods(get...)
	r.HandleFunc("/neighbourhoods", s.handleNeighbourhoodSearch).Methods(get...)
	r.HandleFunc("/neighbourhoods/{force}/{id}", s.withSnapshot(s.handleNeighbourhoodPage)).Methods(get...)
	r.PathPrefix("/static/").HandlerFunc(s.handleStatic).Methods(get...)

	s.watchRoutes(r, v1)
	// OGC API - Features and the OpenAPI document of every route.
	s.ogcRoutes(r)

	router := r
	// gorilla/mux reports a wrong method on a subrouter's route as not
	// found when a later route of the subrouter misses on its path, so both
	// handlers ask the router which methods the path has.
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(router, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, r, ErrMethod)
			return
		}
		writeError(w, r, ErrRouteNotFound)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", strings.Join(allowedMethods(router, r), ", "))
		writeError(w, r, ErrMethod)
	})
	r.Use(nameRoute, recoverPanics(s.log, routeTemplate), s.rateLimit, s.timeBudget, varsMiddleware, parseForm)
	return r
}

// allowedMethods lists the methods that router serves req's path with.
func allowedMethods(router *mux.Router, req *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		probe := req.WithContext(req.Context())
		probe.Method = m
		var rm mux.RouteMatch
		if router.Match(probe, &rm) && rm.MatchErr == nil {
			out = append(out, m)
		}
	}
	return out
}

// securityHeaders marks every response as not to be sniffed into another
// type (JSON, CSV and tiles included) and keeps full URLs, which carry
// queries, out of the Referer sent to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}

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

// routeTemplate names the matched route, for logs.
func routeTemplate(r *http.Request) string {
	if rt := mux.CurrentRoute(r); rt != nil {
		if t, err := rt.GetPathTemplate(); err == nil {
			return t
		}
	}
	return r.URL.Path
}

// customArea reports an /api/ request for a custom area (poly), which may
// list up to 10,000 crimes, rather than the fixed mile around a point.
func customArea(r *http.Request) bool { return formValue(r, "poly") != "" }

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
