package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"crimemap/fault"
)

// ErrTooManyForms is a client that sent too many forms: HTTP 429 with
// Retry-After.
var ErrTooManyForms = fault.New(fault.RateLimited, "too many forms sent from your address; try again later")

// addrLimiter is a token bucket per client address. Its memory is bounded:
// at max addresses it forgets those whose bucket has refilled, which are
// no different from new ones, and if all are still draining it forgets
// them all rather than grow.
type addrLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	max     int
	buckets map[string]*rate.Limiter
}

func newAddrLimiter(every time.Duration, burst, max int) *addrLimiter {
	return &addrLimiter{every: rate.Every(every), burst: burst, max: max, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token for key, or says how long until one is free.
func (l *addrLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.forget(now)
		}
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[key] = b
	}
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *addrLimiter) forget(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.max {
		clear(l.buckets)
	}
}

// clientKey is the address a form's limits are kept under: the client as
// clientAddr finds it, so X-Forwarded-For counts only from a trusted proxy.
func (s *Server) clientKey(r *http.Request) string {
	if a := clientAddr(r, s.cfg.TrustedProxies); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// limited refuses a request beyond l's rate for its address with 429.
func (s *Server) limited(l *addrLimiter, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.allow(s.clientKey(r), time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.pageError(w, r, fmt.Errorf("%w (%s)", ErrTooManyForms, wait.Round(time.Second)))
			return
		}
		next(w, r)
	}
}
