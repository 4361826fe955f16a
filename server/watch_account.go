package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"crimemap/fault"
	"crimemap/watch"
	"crimemap/web"
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

// ErrSignIn is an action of the signed-in only, asked by the public.
var ErrSignIn = fmt.Errorf("sign in first: %w", fault.New(fault.Forbidden, "forbidden"))

type signInData struct{ Email string }

func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request, _ watch.Store) error {
	s.render(w, r, http.StatusOK, "signin", web.WatchPage{Title: "Sign in", Data: signInData{}})
	return nil
}

// handleSignIn checks the password through watch.SignIn, which throttles
// by account and by address, and gives the browser its session cookie.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	email := formValue(r, "email")
	_, token, err := watch.SignIn(r.Context(), st, email, formValue(r, "password"), s.clientKey(r), time.Now())
	if errors.Is(err, watch.ErrSignInLocked) {
		w.Header().Set("Retry-After", strconv.Itoa(int(watch.SignInWindow.Seconds())))
	}
	if errors.Is(err, watch.ErrSignInLocked) || errors.Is(err, watch.ErrBadCredentials) {
		status, msg := errorStatus(w, r, err)
		s.render(w, r, status, "signin", web.WatchPage{Title: "Sign in", Error: msg, Data: signInData{Email: email}})
		return nil
	}
	if err != nil {
		return err
	}
	s.setSession(w, r, token)
	http.Redirect(w, r, "/watch/inbox", http.StatusSeeOther)
	return nil
}

// setSession gives the browser its session cookie.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: int(watch.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := st.DeleteSession(r.Context(), watch.HashToken(c.Value)); err != nil {
			return fmt.Errorf("sign out: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.Redirect(w, r, "/watch", http.StatusSeeOther)
	return nil
}
