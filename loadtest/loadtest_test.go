package loadtest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func targets(base string, groupPaths ...string) []Target {
	var out []Target
	for i := 0; i+1 < len(groupPaths); i += 2 {
		out = append(out, Target{Group: groupPaths[i], URL: base + groupPaths[i+1]})
	}
	return out
}

func TestRunLatencyAccounting(t *testing.T) {
	const slow = 15 * time.Millisecond
	body := strings.Repeat("x", 1000)
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.URL.Path == "/slow" {
			time.Sleep(slow)
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Config{
		Targets:     targets(srv.URL, "fast", "/fast", "slow", "/slow"),
		Concurrency: 4,
		Duration:    time.Minute,
		MaxRequests: 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	if served.Load() != 60 || res.Total.Requests != 60 {
		t.Fatalf("served %d, counted %d, want 60", served.Load(), res.Total.Requests)
	}
	if len(res.Groups) != 2 || res.Groups[0].Group != "fast" || res.Groups[1].Group != "slow" {
		t.Fatalf("groups %+v", res.Groups)
	}
	for _, g := range res.Groups {
		if g.Requests != 30 || g.Errors != 0 || g.Bytes != 30*int64(len(body)) {
			t.Errorf("%s: %d requests, %d errors, %d bytes; want 30, 0, %d", g.Group, g.Requests, g.Errors, g.Bytes, 30*len(body))
		}
		if !(g.P50 <= g.P90 && g.P90 <= g.P99 && g.P99 <= g.Max) {
			t.Errorf("%s: percentiles out of order: %v %v %v %v", g.Group, g.P50, g.P90, g.P99, g.Max)
		}
	}
	fast, slowG := res.Groups[0], res.Groups[1]
	if slowG.P50 < slow {
		t.Errorf("slow p50 %v below the handler's sleep %v", slowG.P50, slow)
	}
	if fast.P50 >= slow {
		t.Errorf("fast p50 %v not below %v", fast.P50, slow)
	}
	// Each worker waits for its response, so 30 sleeps over 4 workers take
	// at least 30/4 sleeps of wall time.
	if res.Elapsed < slow*30/4 {
		t.Errorf("elapsed %v shorter than a closed loop allows", res.Elapsed)
	}
	wantRate := 30 / res.Elapsed.Seconds()
	if got := slowG.RequestsPerSecond(); got < wantRate*0.999 || got > wantRate*1.001 {
		t.Errorf("req/s %v, want %v", got, wantRate)
	}
}

func TestRunErrorCounting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("ok"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/cached":
			w.WriteHeader(http.StatusNotModified)
		case "/redirect":
			http.Redirect(w, r, "http://example.com/", http.StatusFound)
		case "/bad":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// A port that was just listening and is now closed: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	ts := targets(srv.URL, "good", "/ok", "good", "/empty", "good", "/cached", "good", "/redirect",
		"bad", "/bad", "bad", "/missing")
	ts = append(ts, Target{Group: "dead", URL: dead + "/x"})
	res, err := Run(context.Background(), Config{Targets: ts, Concurrency: 3, Duration: time.Minute, MaxRequests: 70})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"good": {40, 0}, "bad": {20, 20}, "dead": {10, 10}}
	for _, g := range res.Groups {
		w := want[g.Group]
		if g.Requests != w[0] || g.Errors != w[1] {
			t.Errorf("%s: %d requests, %d errors; want %d, %d", g.Group, g.Requests, g.Errors, w[0], w[1])
		}
		if (g.Errors > 0) != (g.FirstError != "") {
			t.Errorf("%s: first error %q with %d errors", g.Group, g.FirstError, g.Errors)
		}
	}
	if res.Total.Errors != 30 || res.Total.Requests != 70 {
		t.Errorf("total %d requests, %d errors; want 70, 30", res.Total.Requests, res.Total.Errors)
	}
	if !strings.Contains(res.String(), "first error in bad") {
		t.Errorf("table lacks the error line:\n%s", res)
	}
}

func TestRunDurationBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(40 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	start := time.Now()
	res, err := Run(context.Background(), Config{
		Targets:     targets(srv.URL, "g", "/"),
		Concurrency: 2,
		Duration:    200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %v for a 200ms run", took)
	}
	// 2 workers × 200ms / 40ms = at most 10 complete requests; those cut off
	// at the deadline are neither counted nor errors.
	if res.Total.Requests > 10 || res.Total.Requests < 4 || res.Total.Errors != 0 {
		t.Errorf("%d requests, %d errors; want 4..10 and 0: %s", res.Total.Requests, res.Total.Errors, res.Total.FirstError)
	}
}

func TestRunKeepAlive(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("tile"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		Targets: targets(srv.URL, "g", "/a"), Concurrency: 8, Duration: time.Minute, MaxRequests: 400,
	})
	if err != nil || res.Total.Requests != 400 {
		t.Fatalf("Run: %v, %d requests", err, res.Total.Requests)
	}
	// Without keep-alive there would be a connection per request (400).
	// With it, a worker can still open a second one when its idle
	// connection is not back in the pool yet, so allow twice the workers.
	if n := conns.Load(); n > 16 {
		t.Errorf("%d connections for 8 workers and 400 requests; keep-alive is not working", n)
	}
}

func TestRefuseNonLoopback(t *testing.T) {
	tests := []struct {
		url     string
		wantErr bool
	}{
		{"http://127.0.0.1:8080/x", false},
		{"http://127.9.8.7/x", false},
		{"http://[::1]:8080/x", false},
		{"http://localhost:8080/x", false},
		{"https://LOCALHOST/x", false},
		{"http://example.com/x", true},
		{"http://10.0.0.1/x", true},
		{"http://0.0.0.0:8080/x", true},
		{"http://[::]/x", true},
		{"http://localhost.example.com/x", true},
		{"http://127.0.0.1.nip.io/x", true},
		{"ftp://127.0.0.1/x", true},
		{"/relative", true},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckLoopback(u)
			if got := errors.Is(err, ErrNotLoopback); got != tc.wantErr {
				t.Errorf("CheckLoopback(%q) = %v, want error %v", tc.url, err, tc.wantErr)
			}
			if !tc.wantErr {
				return
			}
			_, err = Run(context.Background(), Config{
				Targets: []Target{{"g", tc.url}}, Concurrency: 1, Duration: time.Second,
			})
			if !errors.Is(err, ErrNotLoopback) {
				t.Errorf("Run(%q) = %v, want ErrNotLoopback", tc.url, err)
			}
		})
	}
}

func TestRunInvalidConfig(t *testing.T) {
	ok := []Target{{"g", "http://127.0.0.1:1/"}}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no targets", Config{Concurrency: 1, Duration: time.Second}},
		{"no workers", Config{Targets: ok, Duration: time.Second}},
		{"unbounded", Config{Targets: ok, Concurrency: 1, MaxRequests: 10}},
		{"negative count", Config{Targets: ok, Concurrency: 1, Duration: time.Second, MaxRequests: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Run = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestParseTargets(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Target
		wantErr error
	}{
		{
			name: "groups and defaults",
			in:   "z0-4\t/tiles/3/4/2.mvt\n\n# comment\n/api/forces\nhex\thttp://localhost:9/v1/hex?res=7\n",
			want: []Target{
				{"z0-4", "http://127.0.0.1:8080/tiles/3/4/2.mvt"},
				{"all", "http://127.0.0.1:8080/api/forces"},
				{"hex", "http://localhost:9/v1/hex?res=7"},
			},
		},
		{
			name: "CRLF and empty group",
			in:   "\t/a\r\nb\t/b?x=1&y=2\r\n",
			want: []Target{{"all", "http://127.0.0.1:8080/a"}, {"b", "http://127.0.0.1:8080/b?x=1&y=2"}},
		},
		{name: "remote host", in: "g\thttp://example.org/a\n", wantErr: ErrNotLoopback},
		{name: "protocol-relative remote", in: "g\t//example.org/a\n", wantErr: ErrNotLoopback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTargets(strings.NewReader(tc.in), "http://127.0.0.1:8080")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ParseTargets(%q) error %v, want %v", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParseTargets(%q) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("ParseTargets(%q)[%d] = %v, want %v", tc.in, i, got[i], tc.want[i])
				}
			}
		})
	}
}

func FuzzParseTargets(f *testing.F) {
	f.Add("z0-4\t/tiles/3/4/2.mvt\n/api/forces\n")
	f.Add("g\thttp://[::1]:80/x\n#c\n")
	f.Add("g\thttp://example.com/\n")
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := ParseTargets(strings.NewReader(in), "http://127.0.0.1:8080/")
		if err != nil {
			return
		}
		for _, tg := range ts {
			u, err := url.Parse(tg.URL)
			if err != nil {
				t.Fatalf("target %q does not parse again: %v", tg.URL, err)
			}
			if err := CheckLoopback(u); err != nil {
				t.Fatalf("accepted a non-loopback target %q from %q", tg.URL, in)
			}
			if tg.Group == "" {
				t.Fatalf("empty group from %q", in)
			}
		}
	})
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p90 of 1..100", ms(hundred...), 90, 90 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is max", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"p99 of ten is max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.in, tc.p); got != tc.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
			}
		})
	}
}

func BenchmarkRun(b *testing.B) {
	body := make([]byte, 20<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	cfg := Config{Targets: targets(srv.URL, "g", "/t"), Concurrency: 4, Duration: time.Minute, MaxRequests: 1000}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRunConnectionReuse covers the connection handling of a worker: a
// server that closes after each answer, saying so or not, and chunked
// bodies, counted as their decoded length.
func TestRunConnectionReuse(t *testing.T) {
	const body = "0123456789"
	tests := []struct {
		name  string
		reply string
	}{
		{"close announced", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\n" + body},
		{"close unannounced", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + body},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var conns atomic.Int64
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					conns.Add(1)
					go func() {
						defer c.Close()
						br := bufio.NewReader(c)
						for {
							req, err := http.ReadRequest(br)
							if err != nil {
								return
							}
							req.Body.Close()
							if _, err := io.WriteString(c, tc.reply); err != nil || tc.name != "chunked" {
								return // one answer a connection
							}
						}
					}()
				}
			}()
			res, err := Run(context.Background(), Config{
				Targets: targets("http://"+l.Addr().String(), "g", "/a"), Concurrency: 2,
				Duration: time.Minute, MaxRequests: 20,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total.Requests != 20 || res.Total.Errors != 0 || res.Total.Bytes != 20*int64(len(body)) {
				t.Errorf("%d requests, %d errors (%s), %d bytes; want 20, 0, %d",
					res.Total.Requests, res.Total.Errors, res.Total.FirstError, res.Total.Bytes, 20*len(body))
			}
			if tc.name == "chunked" && conns.Load() > 2 {
				t.Errorf("%d connections for 2 workers kept alive", conns.Load())
			}
		})
	}
}
