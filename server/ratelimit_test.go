package server

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"crimemap/internal/testsupport/datasets"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client, no header", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"untrusted peer's header is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted proxy names the client", "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"rightmost untrusted hop wins over a forged left", "10.1.2.3:80", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"trusted hops are skipped", "10.1.2.3:80", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines read as one list", "10.1.2.3:80", []string{"1.2.3.4", "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"all trusted: the leftmost", "10.1.2.3:80", []string{"10.2.2.2, 10.9.9.9"}, "10.2.2.2"},
		{"garbage stops at the last trusted hop", "10.1.2.3:80", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"garbage left of the client is never reached", "10.1.2.3:80", []string{"junk, 198.51.100.1"}, "198.51.100.1"},
		{"trusted proxy, no header", "10.1.2.3:80", nil, "10.1.2.3"},
		{"IPv6 trusted proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8:1:2::9"}, "2001:db8:1:2::9"},
		{"IPv4-mapped peer is IPv4", "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"hop with a port", "10.1.2.3:80", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"bad peer", "pipe", nil, "invalid IP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/forces", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, trusted).String(); got != tc.want {
				t.Errorf("clientAddr = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.1", "192.0.2.1/32"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"},
	}
	for _, tc := range tests {
		if got := clientKey(netip.MustParseAddr(tc.addr)).String(); got != tc.want {
			t.Errorf("clientKey(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestRateLimit429(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RateLimits = map[string]RateLimit{GroupAPI: {Rate: 1, Burst: 3}}
	s := New(cfg, Deps{})
	s.SetDataset(datasets.Hampshire(t))
	send := func(path, remote string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if w := send("/api/crime-categories", "192.0.2.1:1"); w.Code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i, w.Code)
		}
	}
	w := send("/api/crime-categories", "192.0.2.1:2")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("over the burst: %d %s, want 429", w.Code, w.Body)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 1 {
		t.Errorf("Retry-After = %q, want 1 (one token a second)", w.Header().Get("Retry-After"))
	}
	// Another client, another group and an unlimited group are unaffected.
	if w := send("/api/crime-categories", "192.0.2.2:1"); w.Code != http.StatusOK {
		t.Errorf("other client: %d", w.Code)
	}
	if w := send("/v1/meta", "192.0.2.1:1"); w.Code != http.StatusOK {
		t.Errorf("unlimited group: %d", w.Code)
	}
	if w := send("/healthz", "192.0.2.1:1"); w.Code != http.StatusOK {
		t.Errorf("probe: %d", w.Code)
	}
	// The same /64 is the same client.
	for range 3 {
		send("/api/crime-categories", "[2001:db8::1]:1")
	}
	if w := send("/api/crime-categories", "[2001:db8::2]:1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("same /64: %d, want 429", w.Code)
	}
}

func TestClientLimiterBounded(t *testing.T) {
	c := newClientLimiter(RateLimit{Rate: 10, Burst: 2}, 4)
	now := time.Unix(1e9, 0)
	key := func(i int) netip.Prefix { return clientKey(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})) }
	for i := range 4 {
		c.allow(key(i), now)
	}
	if n := c.len(); n != 4 {
		t.Fatalf("tracked %d, want 4", n)
	}
	// At the bound, buckets that have refilled make room.
	c.allow(key(9), now.Add(time.Second))
	if n := c.len(); n != 1 {
		t.Errorf("after refill and sweep tracked %d, want 1", n)
	}
	// At the bound with every bucket busy, the table starts again rather
	// than grow.
	for i := range 10 {
		c.allow(key(20+i), now.Add(time.Second))
	}
	if n := c.len(); n > 4 {
		t.Errorf("tracked %d, want at most 4", n)
	}
	// Idle buckets go at the periodic sweep even below the bound.
	c.allow(key(50), now.Add(time.Hour))
	if n := c.len(); n != 1 {
		t.Errorf("after an idle hour tracked %d, want 1", n)
	}
}

func TestParseRateLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]RateLimit
		wantErr bool
	}{
		{"", DefaultRateLimits(), false},
		{"tiles=100:200", map[string]RateLimit{GroupAPI: {15, 30}, GroupV1: {15, 30}, GroupPage: {15, 30}, GroupTiles: {100, 200}}, false},
		{"api=off, v1=0,page=2.5", map[string]RateLimit{GroupPage: {2.5, 3}}, false},
		{"nope=1:1", nil, true},
		{"api=-1:1", nil, true},
		{"api=1:0", nil, true},
		{"api", nil, true},
	}
	for _, tc := range tests {
		got, err := ParseRateLimits(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseRateLimits(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !maps.Equal(got, tc.want) {
			t.Errorf("ParseRateLimits(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies("10.0.0.1, 192.168.0.0/16,::ffff:172.16.0.1")
	if err != nil || len(got) != 3 || got[0].String() != "10.0.0.1/32" || got[2].String() != "172.16.0.1/32" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("bad prefix accepted")
	}
}

// FuzzClientAddr feeds clientAddr arbitrary peers and X-Forwarded-For
// headers: it never panics and names either the peer or a header hop.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2")
	f.Add("[::1]:80", ", ,,")
	f.Add("10.0.0.1:80", "[2001:db8::1]:443,fe80::1%eth0")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		a := clientAddr(r, trusted)
		if a.IsValid() && a.Zone() != "" {
			t.Errorf("address with a zone: %s", a)
		}
		_ = clientKey(a)
	})
}
