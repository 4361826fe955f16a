package server

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"crimemap/watch"
)

// watchRoutes adds the Neighbourhood Watch pages, their forms and
// /v1/watch.
func (s *Server) watchRoutes(r, v1 *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	post := http.MethodPost
	public := func(h http.HandlerFunc) http.HandlerFunc { return s.limited(s.ww.forms, h) }
	r.HandleFunc("/watch", s.page(s.handleWatchFind)).Methods(get...)
	r.HandleFunc("/watch/schemes/{id}", s.page(s.handleWatchScheme)).Methods(get...)
	r.HandleFunc("/watch/schemes/{id}/apply", public(s.page(s.handleWatchApply))).Methods(post)
	r.HandleFunc("/watch/schemes/{id}/message", public(s.page(s.handleWatchMessage))).Methods(post)
	r.HandleFunc("/watch/sent", s.page(s.handleWatchSent)).Methods(get...)
	r.HandleFunc("/watch/applications/{token}", s.page(s.handleWatchApplication)).Methods(get...)
	r.HandleFunc("/watch/applications/{token}/withdraw", public(s.page(s.withdraw(func(st watch.Store) func(context.Context, []byte) error {
		return st.WithdrawApplication
	})))).Methods(post)
	r.HandleFunc("/watch/messages/{token}", s.page(s.handleWatchThread)).Methods(get...)
	r.HandleFunc("/watch/messages/{token}/withdraw", public(s.page(s.withdraw(func(st watch.Store) func(context.Context, []byte) error {
		return st.WithdrawMessage
	})))).Methods(post)
	v1.HandleFunc("/watch/schemes", s.handleWatchSchemes).Methods(get...)
}
