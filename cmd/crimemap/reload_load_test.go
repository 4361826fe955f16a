package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadEnv reads a positive setting of the reload load test from the
// environment, or def.
func loadEnv[T int | time.Duration](t *testing.T, name string, def T, parse func(string) (T, error)) T {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := parse(s)
	if err != nil || v <= 0 {
		t.Fatalf("%s=%q: want a positive value", name, s)
	}
	return v
}

// loadResult is one request of a load test.
type loadResult struct {
	url        string
	start, end time.Time
	cache      string // the response's X-Cache-Status, from nginx
	err        string // "" when it succeeded
}

func (r loadResult) tile() bool { return strings.HasPrefix(r.url, "/tiles/") }

// runLoad sends GETs of base+next(rng) over conns connections until stop
// is closed and returns every request.
func runLoad(client *http.Client, base string, conns int, stop <-chan struct{}, next func(*rand.Rand) string) []loadResult {
	var mu sync.Mutex
	var results []loadResult
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			var mine []loadResult
			for {
				select {
				case <-stop:
					mu.Lock()
					results = append(results, mine...)
					mu.Unlock()
					return
				default:
				}
				r := loadResult{url: next(rng), start: time.Now()}
				r.cache, r.err = fetchOK(client, base+r.url)
				r.end = time.Now()
				mine = append(mine, r)
			}
		}()
	}
	wg.Wait()
	return results
}

// failures lists what went wrong in results.
func failures(results []loadResult) []string {
	var out []string
	for _, r := range results {
		if r.err != "" {
			out = append(out, r.err)
		}
	}
	return out
}

// TestReloadUnderLoad runs serve in a process of its own on a copy of
// testdata/police-uk, or on CRIMEMAP_LOAD_DATA (the synthetic national
// year, say), and sends CRIMEMAP_LOAD_CONNS (64) loopback connections of
// tiles, radius lists and hexes: 3 s to warm up, then CRIMEMAP_LOAD_DURATION
// (10 s) of reloads asked for one after the other (at most one a second),
// then until the last reload's dataset is ready and 5 s more. A swap of
// datasets must fail no request, the peak resident memory from the first
// reload to the end must stay within 2.2 times the steady state before,
// and the old datasets' memory must be given back by the end. Set
// CRIMEMAP_LOAD_TESTS=1 (make reload-check) to run it.
func TestReloadUnderLoad(t *testing.T) {
	if os.Getenv("CRIMEMAP_LOAD_TESTS") != "1" {
		t.Skip("set CRIMEMAP_LOAD_TESTS=1 (make reload-check) to run the reload load test")
	}
	conns := loadEnv(t, "CRIMEMAP_LOAD_CONNS", 64, strconv.Atoi)
	duration := loadEnv(t, "CRIMEMAP_LOAD_DURATION", 10*time.Second, time.ParseDuration)
	const warm, settle = 3 * time.Second, 5 * time.Second

	tmp := t.TempDir()
	data := os.Getenv("CRIMEMAP_LOAD_DATA")
	if data == "" {
		data, _ = copyTestMonth(t, tmp)
	}
	token := strings.Repeat("t0k3n", 8)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	// Every client is this one address, so the per-client buckets would
	// measure themselves rather than the reloads; the heavy-request gate
	// keeps its bound but lets a request wait out a burst.
	srv := startReplica(t, buildCrimemap(t, tmp), tmp, "serve", data, "-admin-token-file", tokenFile,
		"-rate-limit", "api=off,v1=off,page=off,tiles=off", "-heavy-wait", "30s")
	loadStart := time.Now()
	srv.waitReady(t, "/readyz", 5*time.Minute)
	t.Logf("ready after %v", time.Since(loadStart).Round(time.Millisecond))

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	urls := reloadLoadURLs()
	pid := srv.cmd.Process.Pid
	reloadsFrom := time.Now().Add(warm)
	stop := make(chan struct{})
	resultsc := make(chan []loadResult, 1)
	go func() {
		resultsc <- runLoad(client, srv.base(), conns, stop, func(rng *rand.Rand) string { return urls[rng.IntN(len(urls))] })
	}()

	time.Sleep(time.Until(reloadsFrom))
	steady := mustStatus(t, pid, "VmRSS")
	// Writing 5 to clear_refs resets the high-water mark, so VmHWM is the
	// peak of the reloads alone rather than of the first load.
	hwmReset := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	peakAt := sampleRSSPeak(pid, stop)
	windows, reloads := reloadEverySecond(t, client, srv.base(), token, reloadsFrom.Add(duration))
	lastReload := time.Now()
	srv.waitReady(t, "/readyz", 5*time.Minute)
	t.Logf("ready %v after the last reload", time.Since(lastReload).Round(time.Millisecond))
	time.Sleep(settle)
	peak := mustStatus(t, pid, "VmHWM")
	after := mustStatus(t, pid, "VmRSS")
	close(stop)
	results := <-resultsc
	if at := <-peakAt; !at.IsZero() {
		t.Logf("sampled resident memory peaked %v", whenInReloads(at, windows))
	}

	var tiles, tilesDuring, spans []time.Duration
	for _, r := range results {
		if r.err != "" || !r.tile() {
			continue
		}
		d := r.end.Sub(r.start)
		tiles = append(tiles, d)
		for _, w := range windows {
			if r.start.Before(w[1]) && r.end.After(w[0]) {
				tilesDuring = append(tilesDuring, d)
				break
			}
		}
	}
	for _, w := range windows {
		spans = append(spans, w[1].Sub(w[0]))
	}
	failed := failures(results)
	const mib = 1 << 20
	t.Logf("%d connections, %v of reloads: %d requests (%.0f/s), %d failed, %d reloads taking %v..%v (median %v); tiles p99 %v overall (%d), %v during reloads (%d)",
		conns, duration, len(results), float64(len(results))/time.Since(reloadsFrom.Add(-warm)).Seconds(), len(failed), reloads,
		percentile(spans, 0), percentile(spans, 100), percentile(spans, 50),
		percentile(tiles, 99), len(tiles), percentile(tilesDuring, 99), len(tilesDuring))
	t.Logf("resident memory: steady %d MiB, peak from the first reload on %d MiB (%.2fx; high-water mark reset: %v), %v after the last reload was ready %d MiB (%.2fx)",
		steady/mib, peak/mib, float64(peak)/float64(steady), hwmReset, settle, after/mib, float64(after)/float64(steady))
	// A reload ends once its hex columns are built: seconds on a busy host
	// even for the bundled month, minutes nationally.
	if least := max(2, int(duration/time.Second)/4); os.Getenv("CRIMEMAP_LOAD_DATA") == "" && reloads < least || reloads == 0 {
		t.Errorf("only %d reloads completed in %v", reloads, duration)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d requests failed, first: %s", len(failed), len(results), failed[0])
	}
	if float64(peak) > 2.2*float64(steady) {
		t.Errorf("peak resident memory while reloading %d MiB, over 2.2 times the steady %d MiB", peak/mib, steady/mib)
	}
	if float64(after) > 1.5*float64(steady) {
		t.Errorf("resident memory %v after the last reload was ready %d MiB, over 1.5 times the steady %d MiB: the old datasets were not given back", settle, after/mib, steady/mib)
	}
}

// sampleRSSPeak reads pid's VmRSS every 50 ms until stop is closed and
// then sends when it was highest.
func sampleRSSPeak(pid int, stop <-chan struct{}) <-chan time.Time {
	at := make(chan time.Time, 1)
	go func() {
		var most int64
		var when time.Time
		for tick := time.NewTicker(50 * time.Millisecond); ; {
			select {
			case <-stop:
				tick.Stop()
				at <- when
				return
			case now := <-tick.C:
				if rss, err := procStatus(pid, "VmRSS"); err == nil && rss > most {
					most, when = rss, now
				}
			}
		}
	}()
	return at
}

// whenInReloads says where at falls among the reload windows.
func whenInReloads(at time.Time, windows [][2]time.Time) string {
	for i, w := range windows {
		if at.Before(w[0]) {
			return fmt.Sprintf("%v before reload %d was asked for", w[0].Sub(at).Round(time.Millisecond), i+1)
		}
		if at.Before(w[1]) {
			return fmt.Sprintf("%v into reload %d (of %v)", at.Sub(w[0]).Round(time.Millisecond), i+1, w[1].Sub(w[0]).Round(time.Millisecond))
		}
	}
	if len(windows) == 0 {
		return "with no reload done"
	}
	return fmt.Sprintf("%v after the last reload swapped in", at.Sub(windows[len(windows)-1][1]).Round(time.Millisecond))
}

func mustStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	v, err := procStatus(pid, field)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// reloadWait is how long a reload may take: minutes for the national year
// under hundreds of connections on two busy cores.
const reloadWait = 10 * time.Minute

// reloadEverySecond asks for a reload by POST /admin/reload, at most once
// a second, until deadline and waits for each to be reported in /healthz;
// it returns the spans from request to report and how many completed.
func reloadEverySecond(t *testing.T, client *http.Client, base, token string, deadline time.Time) (windows [][2]time.Time, done int) {
	t.Helper()
	last := lastReloadAt(client, base)
	for tick := time.NewTicker(time.Second); time.Now().Before(deadline); <-tick.C {
		req, _ := http.NewRequest(http.MethodPost, base+"/admin/reload", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("POST /admin/reload: %v", err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("POST /admin/reload: %d, want 202", resp.StatusCode)
			continue
		}
		reported := false
		for wait := time.Now().Add(reloadWait); !reported && time.Now().Before(wait); time.Sleep(5 * time.Millisecond) {
			if at := lastReloadAt(client, base); at.After(last) {
				last, reported = at, true
				windows = append(windows, [2]time.Time{start, time.Now()})
				done++
			}
		}
		if !reported {
			t.Errorf("a reload asked for was not reported within %v", reloadWait)
			return windows, done
		}
	}
	return windows, done
}

// lastReloadAt is when /healthz says the last reload ended, zero before
// the first or when /healthz cannot be read.
func lastReloadAt(client *http.Client, base string) time.Time {
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		return time.Time{}
	}
	defer resp.Body.Close()
	var h struct {
		Reload *struct {
			At time.Time `json:"at"`
			OK bool      `json:"ok"`
		} `json:"reload"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil || h.Reload == nil || !h.Reload.OK {
		return time.Time{}
	}
	return h.Reload.At
}

// fetchOK gets url and reads it whole; it returns the X-Cache-Status
// header and "" for a 2xx or 304, else what went wrong.
func fetchOK(client *http.Client, url string) (cache, failure string) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err.Error()
	}
	defer resp.Body.Close()
	cache = resp.Header.Get("X-Cache-Status")
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return cache, fmt.Sprintf("%s: reading the body: %v", url, err)
	}
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotModified {
		return cache, fmt.Sprintf("%s: %d", url, resp.StatusCode)
	}
	return cache, ""
}

// reloadLoadURLs is the mix of the test: tiles over Hampshire from county
// to street zooms, one-mile radius lists and hexes.
func reloadLoadURLs() []string {
	var urls []string
	for z := 6; z <= 15; z++ {
		// Tiles around Southampton: the centre and its neighbours.
		n, lat := math.Exp2(float64(z)), 50.9097*math.Pi/180
		cx, cy := int((-1.4044+180)/360*n), int((1-math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi)/2*n)
		for dx := -1; dx <= 1; dx++ {
			urls = append(urls, fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, cx+dx, cy), fmt.Sprintf("/tiles/hex/%d/%d/%d.mvt", z, cx+dx, cy))
		}
	}
	for _, p := range []string{"50.9097&lng=-1.4044", "50.8198&lng=-1.0880", "51.2665&lng=-1.0875", "51.0632&lng=-1.3103"} {
		urls = append(urls, "/v1/crimes?radius_m=1609&limit=200&lat="+p, "/v1/hex?res=8&radius_m=5000&lat="+p)
	}
	return urls
}

// percentile is the p-th percentile of ds (0 the least, 100 the most),
// zero when empty.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)*p/100, len(ds)-1)]
}
