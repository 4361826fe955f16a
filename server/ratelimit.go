package server

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"crimemap/fault"
)

// RateLimit is a token bucket per client: Rate requests a second on
// average, in bursts of up to Burst. A zero Rate means no limit.
type RateLimit struct {
	Rate  float64
	Burst int
}

// Route groups, the keys of Config.RateLimits. Probes (/healthz, /readyz,
// /metrics) belong to none and are never limited.
const (
	GroupAPI   = "api"   // /api/...
	GroupV1    = "v1"    // /v1/...
	GroupTiles = "tiles" // /tiles/... and TileJSON
	GroupPage  = "page"  // everything else: the map page, embed, assets
)

// DefaultRateLimits are data.police.uk's limits (15 requests a second,
// bursts of 30) for each group but tiles: a map view asks for dozens of
// tiles at once, and cached tiles cost microseconds.
func DefaultRateLimits() map[string]RateLimit {
	return map[string]RateLimit{
		GroupAPI:  {Rate: 15, Burst: 30},
		GroupV1:   {Rate: 15, Burst: 30},
		GroupPage: {Rate: 15, Burst: 30},
	}
}

// DefaultMaxRateClients bounds the clients a group's limiter tracks.
const DefaultMaxRateClients = 100_000

// ErrRateLimited is a client over its group's rate: HTTP 429 with
// Retry-After.
var ErrRateLimited = fault.New(fault.RateLimited, "too many requests from this client; retry after the seconds in Retry-After")

// routeGroup returns the rate-limit group of a route template, "" for
// the probes.
func routeGroup(route string) string {
	switch {
	case strings.HasPrefix(route, "/api/"):
		return GroupAPI
	case strings.HasPrefix(route, "/v1/"):
		return GroupV1
	case strings.HasPrefix(route, "/tiles"):
		return GroupTiles
	case route == "/healthz", route == "/readyz", route == "/metrics":
		return ""
	}
	return GroupPage
}

// rateLimits holds a limiter per configured group.
type rateLimits struct {
	groups  map[string]*clientLimiter
	trusted []netip.Prefix
}

func newRateLimits(cfg Config) *rateLimits {
	rl := &rateLimits{groups: map[string]*clientLimiter{}, trusted: cfg.TrustedProxies}
	max := cfg.MaxRateClients
	if max <= 0 {
		max = DefaultMaxRateClients
	}
	for g, l := range cfg.RateLimits {
		if l.Rate > 0 {
			rl.groups[g] = newClientLimiter(l, max)
		}
	}
	return rl
}

// middleware answers 429 to a client over its group's rate. It runs inside
// the router, where the route template names the group.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if len(s.limits.groups) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		group := routeGroup(routeTemplate(r))
		cl := s.limits.groups[group]
		if cl == nil {
			next.ServeHTTP(w, r)
			return
		}
		key := clientKey(clientAddr(r, s.limits.trusted))
		if wait, ok := cl.allow(key, time.Now()); !ok {
			s.metrics.rateLimited.WithLabelValues(group).Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, r, ErrRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientLimiter keeps a token bucket per client key. Its memory is
// bounded: buckets that have refilled are dropped (a new one is the same),
// at most once a sweep interval or when max keys are held; if every held
// bucket is in use at max, all are dropped, which forgives their clients
// rather than refuse or grow.
type clientLimiter struct {
	limit RateLimit
	max   int

	mu        sync.Mutex
	clients   map[netip.Prefix]*rate.Limiter
	lastSweep time.Time
}

// sweepInterval is how often idle buckets are dropped.
const sweepInterval = time.Minute

func newClientLimiter(l RateLimit, max int) *clientLimiter {
	return &clientLimiter{limit: l, max: max, clients: map[netip.Prefix]*rate.Limiter{}}
}

// allow takes a token for key at now, or reports how long until one is
// free.
func (c *clientLimiter) allow(key netip.Prefix, now time.Time) (time.Duration, bool) {
	c.mu.Lock()
	lim := c.clients[key]
	if lim == nil {
		if len(c.clients) >= c.max || now.Sub(c.lastSweep) >= sweepInterval {
			c.sweep(now)
		}
		lim = rate.NewLimiter(rate.Limit(c.limit.Rate), c.limit.Burst)
		c.clients[key] = lim
	}
	c.mu.Unlock()
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		// A burst of 0 admits nothing; say when the rate would.
		return time.Duration(float64(time.Second) / c.limit.Rate), false
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// sweep drops the buckets that are full again; c.mu is held.
func (c *clientLimiter) sweep(now time.Time) {
	c.lastSweep = now
	for k, lim := range c.clients {
		if lim.TokensAt(now) >= float64(c.limit.Burst) {
			delete(c.clients, k)
		}
	}
	if len(c.clients) >= c.max {
		clear(c.clients)
	}
}

// len returns the number of clients tracked.
func (c *clientLimiter) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.clients)
}

// clientAddr returns the address of the client: the connection's peer,
// or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (read right to left, since a client can
// write anything on the left). An entry that does not parse ends the walk
// at the last trusted hop. The zero Addr means no address was known.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	addr := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			a := parseAddr(strings.TrimSpace(hop))
			if !a.IsValid() {
				return addr
			}
			addr = a
			if !isTrusted(a, trusted) {
				return a
			}
		}
	}
	return addr
}

// parseAddr parses "host:port", "[v6]:port" or a bare address.
func parseAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
}

// clientKey groups addresses by client: an IPv4 address is one client, an
// IPv6 one its /64, the block a single site or subscriber is usually given
// (and can pick any address in).
func clientKey(a netip.Addr) netip.Prefix {
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64)
	return p
}

// ParseRateLimits parses "group=rate:burst,..." (rate 0 or "off" for none)
// over the defaults; an empty string keeps them.
func ParseRateLimits(s string) (map[string]RateLimit, error) {
	out := DefaultRateLimits()
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		group, spec, ok := strings.Cut(item, "=")
		if !ok || !slices.Contains([]string{GroupAPI, GroupV1, GroupTiles, GroupPage}, group) {
			return nil, fmt.Errorf("rate limit %q: want GROUP=RATE:BURST with GROUP one of api, v1, tiles, page", item)
		}
		if spec == "0" || spec == "off" {
			delete(out, group)
			continue
		}
		rs, bs, _ := strings.Cut(spec, ":")
		r, err := strconv.ParseFloat(rs, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) {
			return nil, fmt.Errorf("rate limit %q: rate %q: want a positive number of requests a second", item, rs)
		}
		b := int(math.Ceil(r))
		if bs != "" {
			if b, err = strconv.Atoi(bs); err != nil || b < 1 {
				return nil, fmt.Errorf("rate limit %q: burst %q: want a positive whole number", item, bs)
			}
		}
		out[group] = RateLimit{Rate: r, Burst: b}
	}
	return out, nil
}

// ParseTrustedProxies parses a comma-separated list of addresses and CIDR
// prefixes.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", item, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", item, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
