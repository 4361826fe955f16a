package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Bounds of the waits between attempts.
const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 30 * time.Second
	// MaxRetryAfter caps a server's Retry-After, so a mistaken or hostile
	// value cannot park the run for hours.
	MaxRetryAfter = 5 * time.Minute
	// MaxAnswer is the largest answer read; a neighbourhood boundary of
	// tens of thousands of vertices is a few MB.
	MaxAnswer = 64 << 20
)

// answer is a final HTTP answer: one not worth asking again for.
type answer struct {
	status int
	body   []byte
}

// getter makes rate-limited GETs with retries.
type getter struct {
	client    *http.Client
	clock     Clock
	lim       *rate.Limiter
	attempts  int
	timeout   time.Duration
	userAgent string

	mu        sync.Mutex
	notBefore time.Time // set by a Retry-After: no request before then

	requests atomic.Int64
	retries  atomic.Int64
}

// errPermanent marks an answer that another attempt would not change.
var errPermanent = errors.New("not retried")

// get fetches url, trying again on 429, 5xx, network errors and timeouts.
// The error is ctx's once ctx is done, else the last attempt's reason.
func (g *getter) get(ctx context.Context, url string) (answer, error) {
	for attempt := 1; ; attempt++ {
		if err := g.wait(ctx); err != nil {
			return answer{}, err
		}
		g.requests.Add(1)
		a, retryAfter, err := g.once(ctx, url)
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		if err == nil && !retryable(a.status) {
			return a, nil
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d", a.status)
		}
		if errors.Is(err, errPermanent) {
			return answer{}, err
		}
		if attempt >= g.attempts {
			return answer{}, fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		d := backoff(attempt)
		if retryAfter > 0 {
			d = min(retryAfter, MaxRetryAfter)
			g.pauseUntil(g.clock.Now().Add(d))
		}
		if err := g.clock.Sleep(ctx, d); err != nil {
			return answer{}, err
		}
		g.retries.Add(1)
	}
}

// wait blocks until a Retry-After has passed and the bucket has a token.
func (g *getter) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		nb := g.notBefore
		g.mu.Unlock()
		d := nb.Sub(g.clock.Now())
		if d <= 0 {
			break
		}
		if err := g.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	now := g.clock.Now()
	r := g.lim.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate limiter admits no request (burst below 1)")
	}
	if err := g.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		// Hand the token back so the bucket stays exact for the others.
		r.CancelAt(g.clock.Now())
		return err
	}
	return nil
}

func (g *getter) pauseUntil(t time.Time) {
	g.mu.Lock()
	if t.After(g.notBefore) {
		g.notBefore = t
	}
	g.mu.Unlock()
}

// once makes one attempt. retryAfter is the server's Retry-After, 0 if none.
func (g *getter) once(ctx context.Context, url string) (a answer, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return a, 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	req.Header.Set("Accept", "application/json")
	if g.userAgent != "" {
		req.Header.Set("User-Agent", g.userAgent)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return a, 0, err
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), g.clock.Now())
	if a.status != http.StatusOK {
		// The body of an error is not kept; draining a little lets the
		// connection be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return a, retryAfter, nil
	}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return a, 0, fmt.Errorf("reading the answer: %w", err)
	}
	if len(a.body) > MaxAnswer {
		return a, 0, fmt.Errorf("%w: answer over %d bytes", errPermanent, MaxAnswer)
	}
	return a, 0, nil
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// backoff is the wait after the given failed attempt: exponential, capped,
// with equal jitter so workers that failed together do not retry together.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 for none or junk.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
