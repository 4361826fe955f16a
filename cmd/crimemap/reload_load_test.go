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

// loadResult is one request of the reload load test.
type loadResult struct {
	tile       bool
	start, end time.Time
	err        string // "" when it succeeded
}

// TestReloadUnderLoad serves a copy of testdata/police-uk through serve,
// sends CRIMEMAP_LOAD_CONNS (64) loopback connections of tiles, radius
// lists and hexes for CRIMEMAP_LOAD_DURATION (10 s) and asks for a reload
// every second meanwhile: a swap of datasets must fail no request. Set
// CRIMEMAP_LOAD_TESTS=1 (make reload-check) to run it.
func TestReloadUnderLoad(t *testing.T) {
	if os.Getenv("CRIMEMAP_LOAD_TESTS") != "1" {
		t.Skip("set CRIMEMAP_LOAD_TESTS=1 (make reload-check) to run the reload load test")
	}
	conns := loadEnv(t, "CRIMEMAP_LOAD_CONNS", 64, strconv.Atoi)
	duration := loadEnv(t, "CRIMEMAP_LOAD_DURATION", 10*time.Second, time.ParseDuration)

	tmp := t.TempDir()
	token := strings.Repeat("t0k3n", 8)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	// Every client is this one address, so the per-client buckets would
	// measure themselves rather than the reloads; the heavy-request gate
	// keeps its bound but lets a request wait out a burst.
	base, _, _ := startServe(t, tmp, "-admin-token-file", tokenFile,
		"-rate-limit", "api=off,v1=off,page=off,tiles=off", "-heavy-wait", "30s")
	waitHealth(t, base, func(h serveHealth) bool { return h.Version != "" })

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	urls := reloadLoadURLs()
	deadline := time.Now().Add(duration)

	var mu sync.Mutex
	var results []loadResult
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			var mine []loadResult
			for time.Now().Before(deadline) {
				u := urls[rng.IntN(len(urls))]
				r := loadResult{tile: strings.HasPrefix(u, "/tiles/"), start: time.Now()}
				r.err = fetchOK(client, base+u)
				r.end = time.Now()
				mine = append(mine, r)
			}
			mu.Lock()
			results = append(results, mine...)
			mu.Unlock()
		}()
	}

	windows, reloads := reloadEverySecond(t, client, base, token, deadline)
	wg.Wait()

	var failures []string
	var tiles, tilesDuring []time.Duration
	for _, r := range results {
		if r.err != "" {
			failures = append(failures, r.err)
			continue
		}
		if !r.tile {
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
	t.Logf("%d connections, %v: %d requests (%.0f/s), %d failed, %d reloads; tiles p99 %v overall (%d), %v during reloads (%d)",
		conns, duration, len(results), float64(len(results))/duration.Seconds(), len(failures), reloads,
		p99(tiles), len(tiles), p99(tilesDuring), len(tilesDuring))
	if reloads < int(duration/time.Second)/2 {
		t.Errorf("only %d reloads completed in %v", reloads, duration)
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed, first: %s", len(failures), len(results), failures[0])
	}
}

// reloadEverySecond asks for a reload by POST /admin/reload each second
// until deadline and waits for each to be reported in /healthz; it returns
// the spans from request to report and how many reloads completed.
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
		for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(5 * time.Millisecond) {
			if at := lastReloadAt(client, base); at.After(last) {
				last = at
				windows = append(windows, [2]time.Time{start, time.Now()})
				done++
				break
			}
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

// fetchOK gets url and reads it whole: "" for a 2xx or 304, else what
// went wrong.
func fetchOK(client *http.Client, url string) string {
	resp, err := client.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Sprintf("%s: reading the body: %v", url, err)
	}
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotModified {
		return fmt.Sprintf("%s: %d", url, resp.StatusCode)
	}
	return ""
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

// p99 is the 99th percentile of ds, zero when empty.
func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)*99)/100]
}
