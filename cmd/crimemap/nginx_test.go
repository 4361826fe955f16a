package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginxExample is the deployment example the test runs.
const nginxExample = "../../deploy/nginx/crimemap.conf"

// findNginx is Debian's nginx, or "" when it is not installed.
func findNginx() string {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	return ""
}

// nginxConfig is deploy/nginx/crimemap.conf with its addresses and cache
// folder replaced, inside a main configuration of its own under dir. Each
// replacement must match exactly once, so the example cannot drift from
// what is tested.
func nginxConfig(t *testing.T, dir, listen, a, b string) string {
	t.Helper()
	src, err := os.ReadFile(nginxExample)
	if err != nil {
		t.Fatal(err)
	}
	site := string(src)
	for _, r := range [][2]string{
		{"listen 80;", "listen " + listen + ";"},
		{"server 127.0.0.1:8081 ", "server " + a + " "},
		{"server 127.0.0.1:8082 ", "server " + b + " "},
		{"proxy_cache_path /var/cache/nginx/crimemap ", "proxy_cache_path " + filepath.Join(dir, "cache") + " "},
		{"access_log /var/log/nginx/crimemap.log ", "access_log " + filepath.Join(dir, "access.log") + " "},
	} {
		if n := strings.Count(site, r[0]); n != 1 {
			t.Fatalf("%s: %q appears %d times, want once", nginxExample, r[0], n)
		}
		site = strings.Replace(site, r[0], r[1], 1)
	}
	writeFile(t, filepath.Join(dir, "crimemap.conf"), site)
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise run as nobody, who cannot write here.
		user = "user root;"
	}
	main := fmt.Sprintf(`%s
daemon off;
master_process on;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/crimemap.conf;
}
`, user, dir)
	conf := filepath.Join(dir, "nginx.conf")
	writeFile(t, conf, main)
	return conf
}

// TestNginxPair runs the deployment example: Debian's nginx in front of
// two replicas. Under load through nginx one replica is stopped with
// SIGTERM, and no client request may fail; a versioned tile is cached by
// nginx and served from its cache even with both replicas gone. Set
// CRIMEMAP_LOAD_TESTS=1 (make nginx-check) to run it; it is skipped where
// nginx is not installed.
func TestNginxPair(t *testing.T) {
	if os.Getenv("CRIMEMAP_LOAD_TESTS") != "1" {
		t.Skip("set CRIMEMAP_LOAD_TESTS=1 (make nginx-check) to run the nginx test")
	}
	nginx := findNginx()
	if nginx == "" {
		t.Skip("nginx is not installed (apt-get install nginx-light)")
	}
	conns := loadEnv(t, "CRIMEMAP_LOAD_CONNS", 32, strconv.Atoi)
	duration := loadEnv(t, "CRIMEMAP_LOAD_DURATION", 6*time.Second, time.ParseDuration)

	tmp := t.TempDir()
	data, _ := copyTestMonth(t, tmp)
	bin := buildCrimemap(t, tmp)
	// As the example's header says; every client here is one address, so
	// the rate limits are off.
	args := []string{"-trusted-proxies", "127.0.0.1", "-drain-delay", "1s",
		"-rate-limit", "api=off,v1=off,page=off,tiles=off", "-heavy-wait", "30s"}
	a := startReplica(t, bin, tmp, "a", data, args...)
	b := startReplica(t, bin, tmp, "b", data, args...)
	a.waitReady(t, "/readyz", time.Minute)
	b.waitReady(t, "/readyz", time.Minute)

	ndir := filepath.Join(tmp, "nginx")
	listen := freeAddr(t)
	conf := nginxConfig(t, ndir, listen, a.addr, b.addr)
	if out, err := exec.Command(nginx, "-t", "-q", "-p", ndir, "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	ng := exec.Command(nginx, "-p", ndir, "-c", conf)
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	ngExited := make(chan struct{})
	go func() { _ = ng.Wait(); close(ngExited) }()
	t.Cleanup(func() {
		_ = ng.Process.Signal(syscall.SIGQUIT)
		<-ngExited
	})
	base := "http://" + listen
	waitOK(t, base+"/api/crime-last-updated", 10*time.Second, ngExited, filepath.Join(ndir, "error.log"))
	version := waitHealth(t, a.base(), func(h serveHealth) bool { return h.Version != "" }).Version

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	urls := reloadLoadURLs()
	// Southampton at z12: the list's second crime tile of that zoom.
	var z12 []string
	for _, u := range urls {
		if strings.HasPrefix(u, "/tiles/12/") {
			z12 = append(z12, u)
		}
	}
	tile := z12[1] + "?v=" + version
	if got := cacheStatus(t, client, base+tile); got != "MISS" {
		t.Errorf("first GET %s: X-Cache-Status %q, want MISS", tile, got)
	}
	if got := cacheStatus(t, client, base+tile); got != "HIT" {
		t.Errorf("second GET %s: X-Cache-Status %q, want HIT", tile, got)
	}

	// Half cached (tiles, repeated API GETs), half new URLs that nginx must
	// pass to a replica.
	next := func(rng *rand.Rand) string {
		if rng.IntN(2) == 0 {
			return urls[rng.IntN(len(urls))]
		}
		return fmt.Sprintf("/v1/crimes?radius_m=%d&limit=50&lat=50.9097&lng=-1.4044", 200+rng.IntN(99000))
	}
	stop := make(chan struct{})
	time.AfterFunc(duration, func() { close(stop) })
	resultsc := make(chan []loadResult, 1)
	go func() { resultsc <- runLoad(client, base, conns, stop, next) }()
	time.Sleep(duration / 3)
	stopped := time.Now()
	if err := a.stop(30 * time.Second); err != nil {
		t.Errorf("replica a: %v", err)
	}
	t.Logf("replica a stopped in %v", time.Since(stopped).Round(time.Millisecond))
	results := <-resultsc

	var passedAfter int
	for _, r := range results {
		if r.start.After(stopped) && r.err == "" && r.cache != "HIT" {
			passedAfter++
		}
	}
	failed := failures(results)
	t.Logf("%d connections, %v through nginx: %d requests, %d failed; %d passed to a replica after a began to stop",
		conns, duration, len(results), len(failed), passedAfter)
	if len(failed) > 0 {
		t.Errorf("%d of %d requests failed, first: %s", len(failed), len(results), failed[0])
	}
	if passedAfter == 0 {
		t.Error("no request reached a replica after a began to stop: the test proves nothing")
	}

	// The access log has a line a request, without queries or addresses.
	logged, err := os.ReadFile(filepath.Join(ndir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logged), "\n"); n < len(results) || strings.Contains(string(logged), "radius_m") || strings.Contains(string(logged), "127.0.0.1") {
		t.Errorf("access log: %d lines for %d requests, or a query or an address in it; first line %q", n, len(results), strings.SplitN(string(logged), "\n", 2)[0])
	}

	// With both replicas gone the versioned tile still comes from the cache.
	if err := b.stop(30 * time.Second); err != nil {
		t.Errorf("replica b: %v", err)
	}
	if got := cacheStatus(t, client, base+tile); got != "HIT" {
		t.Errorf("GET %s with no replica: X-Cache-Status %q, want HIT", tile, got)
	}
}

// cacheStatus gets url, wants 200 and returns its X-Cache-Status.
func cacheStatus(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	cache, failure := fetchOK(client, url)
	if failure != "" {
		t.Fatalf("GET %s: %s", url, failure)
	}
	return cache
}
