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
	r.HandleFunc("/watch/messages/{token}/reply", public(s.page(s.handleThreadReply))).Methods(post)
	r.HandleFunc("/watch/messages/{token}/withdraw", public(s.page(s.withdraw(func(st watch.Store) func(context.Context, []byte) error {
		return st.WithdrawMessage
	})))).Methods(post)
	r.HandleFunc("/watch/inbox", s.page(s.handleInbox)).Methods(get...)
	r.HandleFunc("/watch/inbox/applications/{id}/approve", s.page(s.decide(watch.ApplicationApproved))).Methods(post)
	r.HandleFunc("/watch/inbox/applications/{id}/decline", s.page(s.decide(watch.ApplicationDeclined))).Methods(post)
	r.HandleFunc("/watch/inbox/messages/{id}/reply", s.page(s.thread("reply", replyThread))).Methods(post)
	r.HandleFunc("/watch/inbox/messages/{id}/close", s.page(s.thread("close", closeThread))).Methods(post)
	r.HandleFunc("/watch/register", s.page(s.handleRegisterForm)).Methods(get...)
	r.HandleFunc("/watch/register", public(s.page(s.handleRegister))).Methods(post)
	r.HandleFunc(registeredPath, s.page(s.handleRegistered)).Methods(get...)
	r.HandleFunc("/watch/staff", s.page(s.handleStaff)).Methods(get...)
	r.HandleFunc("/watch/staff/schemes/{id}/approve", s.page(s.review(watch.SchemeActive, "approved"))).Methods(post)
	r.HandleFunc("/watch/staff/schemes/{id}/reject", s.page(s.review(watch.SchemeClosed, "rejected"))).Methods(post)
	r.HandleFunc("/watch/staff/neighbourhoods/{force}/{id}", s.page(s.handleTeamForm)).Methods(get...)
	r.HandleFunc("/watch/staff/neighbourhoods/{force}/{id}", s.page(s.handleTeamEdit)).Methods(post)
	r.HandleFunc("/account/sign-in", s.page(s.handleSignInForm)).Methods(get...)
	r.HandleFunc("/account/sign-in", s.page(s.handleSignIn)).Methods(post)
	r.HandleFunc("/account/sign-out", s.page(s.handleSignOut)).Methods(post)
	v1.HandleFunc("/watch/schemes", s.handleWatchSchemes).Methods(get...)
}
