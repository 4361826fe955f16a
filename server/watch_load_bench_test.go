package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/internal/benchdata"
	"crimemap/loadtest"
	"crimemap/server"
	"crimemap/store/postgres"
	"crimemap/store/postgres/pgtest"
	"crimemap/store/sqlite"
	"crimemap/tiles"
	"crimemap/watch"
)

// Connections of each load: the public forms, and the crime reads (tiles
// and one-mile lists) beside them.
const (
	formConns  = 4
	crimeConns = 4
)

// BenchmarkWatchFormsUnderLoad measures sustained public form submissions
// (apply and message, alternately, through the HTTP handlers, CSRF and
// rate limit included) on each back end, alone and while crime reads run
// alongside, and the crime reads' latency with and without them. Each phase lasts CRIMEMAP_WATCH_BENCH_DURATION
// (5s); with CRIMEMAP_BENCH=1 the crimes are the national synthetic year,
// else the bundled month. PostgreSQL runs where CRIMEMAP_TEST_POSTGRES is
// set (. .ci/postgres.sh) and skips otherwise. Run it with -benchtime 1x.
func BenchmarkWatchFormsUnderLoad(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "watch.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		formsUnderLoad(b, st)
	})
	b.Run("postgres", func(b *testing.B) {
		st, err := postgres.Open(context.Background(), pgtest.FreshDSN(b))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		formsUnderLoad(b, st)
	})
}

func loadBenchDataset(b *testing.B) *geo.Dataset {
	if os.Getenv("CRIMEMAP_BENCH") != "1" {
		return dataset(b)
	}
	ds := benchdata.Dataset(b)
	// Built in the background by SetDataset otherwise, which would load
	// the host during the measurement.
	ds.PrepareHex(tiles.HexZoomRes[:]...)
	return ds
}

func formsUnderLoad(b *testing.B, st watch.Store) {
	ctx := context.Background()
	ds := loadBenchDataset(b)
	dur := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("CRIMEMAP_WATCH_BENCH_DURATION")); err == nil && d > 0 {
		dur = d
	}
	sc, err := st.CreateScheme(ctx, watch.Scheme{Name: "Load Watch", Force: "hampshire", Status: watch.SchemeActive,
		Area: watch.Area{Centre: orb.Point{-1.404, 50.904}, RadiusM: 300}})
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.DefaultConfig(), server.Deps{Watch: st})
	srv.SetDataset(ds)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	reads := crimeTargets(b, ds, ts.URL)
	// Hex columns build in the background after SetDataset; wait, so that
	// work does not fall into one phase.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if status, _ := get(b, ts, "/readyz"); status == http.StatusOK {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("/readyz: %d after a minute", status)
		}
	}
	crime := func(d time.Duration, max int) loadtest.Result {
		res, err := loadtest.Run(ctx, loadtest.Config{Targets: reads, Concurrency: crimeConns, Duration: d, MaxRequests: max})
		if err != nil || res.Total.Errors > 0 {
			b.Fatalf("crime reads: %v, %d errors: %s", err, res.Total.Errors, res.Total.FirstError)
		}
		return res
	}
	scheme := fmt.Sprintf("%s/watch/schemes/%d", ts.URL, sc.ID)
	for b.Loop() {
		crime(time.Minute, len(reads)) // fills the tile cache, as a running server's is
		alone := crime(dur, 0)
		formsAlone := postForms(b, scheme, dur)
		var loaded loadtest.Result
		var forms loadtest.GroupStats
		var wg sync.WaitGroup
		wg.Go(func() { forms = postForms(b, scheme, dur) })
		loaded = crime(dur, 0)
		wg.Wait()
		b.ReportMetric(formsAlone.RequestsPerSecond(), "forms-alone/s")
		b.ReportMetric(ms(formsAlone.P99), "form-p99-alone-ms")
		b.ReportMetric(forms.RequestsPerSecond(), "forms/s")
		b.ReportMetric(ms(forms.P50), "form-p50-ms")
		b.ReportMetric(ms(forms.P99), "form-p99-ms")
		for _, g := range []string{"tiles", "list"} {
			b.ReportMetric(ms(group(alone, g).P99), g+"-p99-alone-ms")
			b.ReportMetric(ms(group(loaded, g).P99), g+"-p99-ms")
		}
		b.Logf("forms alone: %s; under crime reads: %s", formSummary(formsAlone), formSummary(forms))
		b.Logf("crime reads alone: %s; with forms: %s", summary(alone), summary(loaded))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func group(r loadtest.Result, name string) loadtest.GroupStats {
	for _, g := range r.Groups {
		if g.Group == name {
			return g
		}
	}
	return loadtest.GroupStats{}
}

func formSummary(g loadtest.GroupStats) string {
	return fmt.Sprintf("%d in %v, %.0f/s, p50 %v p99 %v", g.Requests, g.Elapsed.Round(time.Millisecond), g.RequestsPerSecond(),
		g.P50.Round(10*time.Microsecond), g.P99.Round(10*time.Microsecond))
}

func summary(r loadtest.Result) string {
	var parts []string
	for _, g := range r.Groups {
		parts = append(parts, fmt.Sprintf("%s %.0f/s p50 %v p99 %v", g.Group, g.RequestsPerSecond(),
			g.P50.Round(10*time.Microsecond), g.P99.Round(10*time.Microsecond)))
	}
	return strings.Join(parts, ", ")
}

// crimeTargets are the crime reads: data-weighted tiles of z8 to z16,
// with and without a month, and data.police.uk's one-mile list around the
// densest snap points, shuffled so the two kinds interleave.
func crimeTargets(b *testing.B, ds *geo.Dataset, base string) []loadtest.Target {
	var buf bytes.Buffer
	if err := loadtest.WriteURLs(&buf, ds, loadtest.URLConfig{MinZoom: 8, MaxZoom: 16, PerZoom: 10, Radius: 100}); err != nil {
		b.Fatal(err)
	}
	all, err := loadtest.ParseTargets(&buf, base)
	if err != nil {
		b.Fatal(err)
	}
	var out []loadtest.Target
	for _, t := range all {
		switch {
		case strings.HasPrefix(t.Group, "tiles"):
			out = append(out, loadtest.Target{Group: "tiles", URL: t.URL})
		case strings.HasPrefix(t.Group, "api crimes-street"):
			out = append(out, loadtest.Target{Group: "list", URL: t.URL})
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// loopbackAddrs hands out source addresses across 127.0.0.0/8, so each
// form comes from an address of its own, as from many residents, and the
// per-address form limit is met as in service rather than switched off.
var loopbackAddrs atomic.Uint32

func nextLoopback() net.IP {
	for {
		n := loopbackAddrs.Add(1) + 256 // past 127.0.0.x
		if ip := net.IPv4(127, byte(n>>16), byte(n>>8), byte(n)); n&0xff != 0 && n&0xff != 0xff {
			return ip
		}
	}
}

// postForms sends apply and message forms to the scheme from formConns
// workers for d, each form on a new connection from a new address, and
// returns their figures. Each worker loads the page once for its CSRF
// cookie and token, as a browser does.
func postForms(b *testing.B, scheme string, d time.Duration) loadtest.GroupStats {
	client := &http.Client{
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dl := net.Dialer{LocalAddr: &net.TCPAddr{IP: nextLoopback()}}
				return dl.DialContext(ctx, network, addr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var failures atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for w := range formConns {
		wg.Go(func() {
			cookie, token := csrfPair(b, client, scheme)
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				form := applyForm(token)
				path := "/apply"
				if (w+i)%2 == 1 {
					form = url.Values{"csrf": {token}, "name": {"Sam Example"}, "email": {"sam@example.org"}, "text": {"Is there a meeting this month?"}}
					path = "/message"
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", scheme+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(cookie)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				took := time.Since(t0)
				if ctx.Err() != nil {
					break // cut off by the end of the run
				}
				if err != nil || resp.StatusCode != http.StatusSeeOther {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %v %v", path, err, resp))
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d forms failed, the first: %v", n, firstErr.Load())
	}
	if len(lat) == 0 {
		b.Fatal("no form was sent")
	}
	slices.Sort(lat)
	return loadtest.GroupStats{Group: "forms", Requests: len(lat), Elapsed: time.Since(start),
		P50: loadtest.Percentile(lat, 50), P90: loadtest.Percentile(lat, 90), P99: loadtest.Percentile(lat, 99), Max: lat[len(lat)-1]}
}

// csrfPair loads the scheme's page and returns its CSRF cookie and token.
func csrfPair(b *testing.B, c *http.Client, scheme string) (*http.Cookie, string) {
	resp, body := wfetch(b, c, "GET", scheme, nil)
	m := csrfRe.FindStringSubmatch(body)
	for _, ck := range resp.Cookies() {
		if ck.Name == "watch_csrf" && m != nil {
			return ck, m[1]
		}
	}
	b.Fatalf("GET %s: %d, no CSRF cookie and token", scheme, resp.StatusCode)
	return nil, ""
}
