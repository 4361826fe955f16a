package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"strings"
	"time"

	"crimemap/fault"
	"crimemap/watch"
	"crimemap/web"
)

// Limits of the Watch forms.
const (
	// MaxWatchBodyBytes bounds the body of a POST to /watch/ or /account/:
	// the largest form is a message of watch.MaxText bytes, which percent
	// encoding can triple, with its name and email.
	MaxWatchBodyBytes = 64 << 10
	// FormEvery and FormBurst are the rate of public form POSTs (applying,
	// messaging, withdrawing) allowed per client address.
	FormEvery = 30 * time.Second
	FormBurst = 5
	// maxLimitedAddrs bounds the addresses a rate limit remembers.
	maxLimitedAddrs = 10_000
)

// ErrNoStore answers the Watch routes of a server started without a store.
var ErrNoStore = fault.New(fault.Unavailable, "Neighbourhood Watch is not available on this server")

// watchWeb is the state of the Watch pages: the key of their CSRF tokens
// and the rate limits of their forms.
type watchWeb struct {
	csrfKey []byte
	forms   *addrLimiter
}

func newWatchWeb(formKey string) *watchWeb {
	key := make([]byte, 32)
	if formKey != "" {
		sum := sha256.Sum256([]byte(formKey))
		key = sum[:]
	} else {
		_, _ = rand.Read(key)
	}
	return &watchWeb{csrfKey: key, forms: newAddrLimiter(FormEvery, FormBurst, maxLimitedAddrs)}
}

// secure reports whether cookies must be Secure: the request came over
// TLS, or the service is published over HTTPS behind a proxy.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

// watchPolicy is the Content-Security-Policy of the Watch pages: nothing
// but this server's stylesheet, no script at all, no framing anywhere.
const watchPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// setWatchHeaders keeps the Watch pages, which show personal data and
// carry private links in their URLs, out of caches, frames and Referers.
func setWatchHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", watchPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// render writes a Watch page with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p web.WatchPage) {
	p.CSRF = csrfToken(r)
	if u := s.user(r); u != nil {
		p.Account = u.Email
		p.Staff = u.Role == watch.RoleStaff || u.Role == watch.RoleAdmin
	}
	var buf bytes.Buffer
	if err := web.RenderWatch(&buf, name, p); err != nil {
		s.log.Error("watch page", "page", name, "err", err)
		buf.Reset()
		status = http.StatusInternalServerError
		_ = web.RenderWatch(&buf, "error", web.WatchPage{Title: "Something went wrong"})
	}
	setWatchHeaders(w)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// pageError answers a Watch page's failure as a page, with the status
// writeError would give it.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(w, r, err)
	title := http.StatusText(status)
	if status == http.StatusInternalServerError {
		msg = "Something went wrong on our side. Please try again later."
	}
	s.render(w, r, status, "error", web.WatchPage{Title: title, Error: msg})
}

// page adapts a Watch handler: it finds the signed-in account, answers ErrNoStore without a store, sets
// the CSRF cookie and checks the token of POSTs, and renders any error it
// returns as a page.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request, st watch.Store) error) http.HandlerFunc {
	checked := s.csrf(func(w http.ResponseWriter, r *http.Request) {
		err := ErrNoStore
		if s.deps.Watch != nil {
			err = h(w, r, s.deps.Watch)
		}
		if err != nil {
			s.pageError(w, r, err)
		}
	})
	return func(w http.ResponseWriter, r *http.Request) { checked(w, s.withUser(r)) }
}

// honeypot reports a form whose hidden field a person never sees was
// filled: a robot's.
func honeypot(r *http.Request) bool { return formValue(r, "website") != "" }

// watchBodyLimit caps the bodies of the Watch forms before the router
// reads them.
func watchBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Body == nil:
		case strings.HasPrefix(r.URL.Path, "/watch/staff/neighbourhoods/"):
			r.Body = http.MaxBytesReader(w, r.Body, MaxTeamEditBodyBytes)
		case strings.HasPrefix(r.URL.Path, "/watch") || strings.HasPrefix(r.URL.Path, "/account"):
			r.Body = http.MaxBytesReader(w, r.Body, MaxWatchBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}
