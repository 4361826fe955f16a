package server

import (
	"context"
	"net/http"
	"time"

	"crimemap/watch"
)

// sessionCookie holds a signed-in browser's session token; the store
// keeps only its hash.
const sessionCookie = "watch_session"

type userKey struct{}

// user is the signed-in account of r, or nil for a member of the public.
func (s *Server) user(r *http.Request) *watch.User {
	if u, ok := r.Context().Value(userKey{}).(*watch.User); ok {
		return u
	}
	return nil
}

// withUser finds the account of the request's session cookie, if any,
// once per request.
func (s *Server) withUser(r *http.Request) *http.Request {
	c, err := r.Cookie(sessionCookie)
	if err != nil || s.deps.Watch == nil {
		return r
	}
	ctx := r.Context()
	se, err := s.deps.Watch.Session(ctx, watch.HashToken(c.Value), time.Now())
	if err != nil {
		return r
	}
	u, err := s.deps.Watch.User(ctx, se.UserID)
	if err != nil {
		return r
	}
	return r.WithContext(context.WithValue(ctx, userKey{}, &u))
}
