package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"crimemap/fault"
)

// CSRF protection of the Watch forms is the signed double-submit pattern:
// the browser holds a random value in a cookie, and every form carries
// HMAC(key, value). A cross-site page can make the browser send the
// cookie but can neither read it nor compute the token, and a cookie
// planted from a sibling domain does not match a token without the key.
// It needs no server state, so it works across replicas that share the
// key, and it is a few lines: gorilla/csrf does the same behind more API
// and with a cookie encoding of its own to keep up with.
const (
	csrfCookie = "watch_csrf"
	csrfField  = "csrf"
	csrfBytes  = 32
)

// ErrCSRF is a form POST whose token is missing or wrong: HTTP 403.
var ErrCSRF = fault.New(fault.Forbidden, "this form has expired or did not come from this site: reload the page and send it again")

type csrfKey struct{}

// csrfToken is the token the forms of r's page carry.
func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// csrf gives the browser its cookie if it has none, refuses a POST whose
// token does not match the cookie, and leaves the token for the page.
func (s *Server) csrf(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id []byte
		if c, err := r.Cookie(csrfCookie); err == nil {
			id, _ = base64.RawURLEncoding.DecodeString(c.Value)
		}
		fresh := len(id) != csrfBytes
		if fresh {
			id = make([]byte, csrfBytes)
			_, _ = rand.Read(id)
			http.SetCookie(w, &http.Cookie{
				Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(id), Path: "/",
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
			})
		}
		mac := hmac.New(sha256.New, s.ww.csrfKey)
		mac.Write(id)
		want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		if r.Method == http.MethodPost && (fresh || !hmac.Equal([]byte(formValue(r, csrfField)), []byte(want))) {
			s.pageError(w, r, ErrCSRF)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), csrfKey{}, want)))
	}
}
