package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
)

// serveHealth is the part of /healthz the reload tests read.
type serveHealth struct {
	Version string `json:"version"`
	Crimes  int    `json:"crimes"`
	Parts   int    `json:"parts"`
	Reload  *struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		Read  string `json:"read"`
	} `json:"reload"`
}

// TestServeReloads serves a copy of testdata/police-uk with --watch, adds
// a month and waits for the version to change; then adds a broken file
// and asks for a reload by POST /admin/reload, which must fail, keep the
// version and say why in /healthz.
func TestServeReloads(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the test data three times")
	}
	tmp := t.TempDir()
	token := strings.Repeat("t0k3n", 8)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	base, data, src := startServe(t, tmp, "-watch", "-watch-interval", "20ms", "-watch-settle", "100ms", "-admin-token-file", tokenFile)
	first := waitHealth(t, base, func(h serveHealth) bool { return h.Version != "" })

	march := strings.ReplaceAll(src, ",2017-02,", ",2017-03,")
	writeFile(t, filepath.Join(data, "2017-03", "2017-03-hampshire-street.csv"), march)
	second := waitHealth(t, base, func(h serveHealth) bool { return h.Version != first.Version })
	if second.Crimes != 2*first.Crimes || second.Reload == nil || !second.Reload.OK {
		t.Fatalf("after adding a month: %+v (before %+v)", second, first)
	}

	// A broken archive fails the reload the watcher starts too; either way
	// the old version stays and /healthz names the file.
	writeFile(t, filepath.Join(data, "2017-04.zip"), "not a zip")
	askReload(t, base, token)
	third := waitHealth(t, base, func(h serveHealth) bool { return h.Reload != nil && !h.Reload.OK })
	if third.Version != second.Version || !strings.Contains(third.Reload.Error, "2017-04.zip") {
		t.Fatalf("after a failed reload: %+v %+v, want version %s kept", third, third.Reload, second.Version)
	}
}

// askReload asks serve at base for a reload with the admin token.
func askReload(t *testing.T, base, token string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/reload", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /admin/reload: %d, want 202", resp.StatusCode)
	}
}

// TestServeReloadsOnSIGHUP adds a month without --watch and sends the
// process SIGHUP, which serve must take as a reload, not as its end.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the test data twice")
	}
	base, data, src := startServe(t, t.TempDir())
	first := waitHealth(t, base, func(h serveHealth) bool { return h.Version != "" })
	writeFile(t, filepath.Join(data, "2017-03", "2017-03-hampshire-street.csv"), strings.ReplaceAll(src, ",2017-02,", ",2017-03,"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if h := waitHealth(t, base, func(h serveHealth) bool { return h.Version != first.Version }); h.Crimes != 2*first.Crimes {
		t.Errorf("after SIGHUP: %+v, before %+v", h, first)
	}
	// Without a token file the admin route does not exist.
	resp, err := http.Post(base+"/admin/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /admin/reload without --admin-token-file: %d, want 404", resp.StatusCode)
	}
}

func TestReadAdminToken(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"good", strings.Repeat("a", minAdminToken) + "\n", true},
		{"short", "abc\n", false},
		{"two words", strings.Repeat("a", minAdminToken) + " b", false},
		{"empty", "", false},
	} {
		name := filepath.Join(dir, tc.name)
		writeFile(t, name, tc.body)
		if _, err := readAdminToken(name); (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if tok, err := readAdminToken(""); tok != "" || err != nil {
		t.Errorf("no file: %q, %v", tok, err)
	}
	if _, err := readAdminToken(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

// startServe runs serve, with args, on a copy of testdata/police-uk under
// tmp until the test ends, and returns its URL, the copy's folder and the
// CSV's text.
func startServe(t *testing.T, tmp string, args ...string) (base, data, src string) {
	t.Helper()
	data, src = copyTestMonth(t, tmp)
	return serveData(t, tmp, data, args...), data, src
}

// serveData runs serve on the data path data, keeping its store in tmp
// (made if missing), and returns its base URL.
func serveData(t *testing.T, tmp, data string, args ...string) string {
	t.Helper()
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args = append([]string{"-addr", addr, "-quiet", "-log-level", "error", "-db", filepath.Join(tmp, "w.db")}, args...)
	go func() { done <- runServe(ctx, append(args, data), io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + addr
}

// copyTestMonth copies the bundled month into tmp/police-uk and returns
// that folder and the CSV's text.
func copyTestMonth(t *testing.T, tmp string) (data, src string) {
	t.Helper()
	data = filepath.Join(tmp, "police-uk")
	b, err := os.ReadFile("../../testdata/police-uk/2017-02/2017-02-hampshire-street.csv")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv"), string(b))
	return data, string(b)
}

func waitHealth(t *testing.T, base string, ok func(serveHealth) bool) serveHealth {
	t.Helper()
	var h serveHealth
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			continue
		}
		h = serveHealth{}
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err == nil && ok(h) {
			return h
		}
	}
	t.Fatalf("/healthz never reached the state wanted; last %+v", h)
	return h
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBoundReloadMemory: a reload runs under a soft memory limit of 1.5 to
// 2 times what the runtime holds, a lower limit already set stays, and the
// undo puts back what was there.
func TestBoundReloadMemory(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(orig)
	debug.SetMemoryLimit(math.MaxInt64)

	restore := boundReloadMemory(0)
	limit := debug.SetMemoryLimit(-1)
	held, _ := runtimeMemory()
	if limit == math.MaxInt64 || limit < held || limit > 3*held {
		t.Errorf("limit during a reload %d, want 1.5 to 2 times the %d held", limit, held)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after the reload %d, want none (%d)", got, int64(math.MaxInt64))
	}

	debug.SetMemoryLimit(1 << 20)
	restore = boundReloadMemory(0)
	if got := debug.SetMemoryLimit(-1); got != 1<<20 {
		t.Errorf("a lower limit set beforehand became %d", got)
	}
	restore()
}

// TestLowerGCPercent: the percent goes down to the one asked for, never
// up, and comes back; collection turned off stays off.
func TestLowerGCPercent(t *testing.T) {
	saved := debug.SetGCPercent(100)
	defer debug.SetGCPercent(saved)
	for _, tt := range []struct {
		name        string
		before, ask int
		want        int
	}{
		{"default lowered", 100, 25, 25},
		{"already lower", 10, 25, 10},
		{"collection off", -1, 25, -1},
	} {
		debug.SetGCPercent(tt.before)
		restore := lowerGCPercent(tt.ask)
		if got := debug.SetGCPercent(tt.want); got != tt.want {
			t.Errorf("%s: %d while lowered, want %d", tt.name, got, tt.want)
		}
		restore()
		if got := debug.SetGCPercent(tt.before); got != tt.before {
			t.Errorf("%s: %d after, want %d back", tt.name, got, tt.before)
		}
	}
}

// The limit follows the live heap, within 1.5 to 2 times what is held: a
// serving process holds up to twice its live heap between collections, and
// a limit of twice that let a reload peak at 2.3 times its steady memory.
func TestReloadLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		name                     string
		held, live, mapped, want int64
	}{
		{"live heap decides", 800 * mib, 500 * mib, 0, 1375 * mib},
		{"held twice the live heap", 1000 * mib, 500 * mib, 0, 1500 * mib},
		{"held little more than live", 600 * mib, 500 * mib, 0, 1200 * mib},
		{"held far more than live", 1000 * mib, 200 * mib, 0, 1500 * mib},
		{"no live heap known", 1000 * mib, 0, 0, 1500 * mib},
		// A server started from a snapshot of 3,400 MiB: its heap holds the
		// indexes, and the new dataset is built as large as the mapped one.
		{"mapped snapshot", 600 * mib, 400 * mib, 3400 * mib, 4600 * mib},
		{"mapped snapshot, much held", 2400 * mib, 400 * mib, 3400 * mib, 7050 * mib},
	} {
		if got := reloadLimit(tt.held, tt.live, tt.mapped); got != tt.want {
			t.Errorf("%s: %d MiB, want %d MiB", tt.name, got/mib, tt.want/mib)
		}
	}
}

// TestReloaderMapped: a root opened from a snapshot makes the reloader
// count the file's bytes in a full reload's memory limit, and a root read
// from the files (a full reload since) stops it.
func TestReloaderMapped(t *testing.T) {
	data, _ := copyTestMonth(t, t.TempDir())
	path := writeTestSnapshot(t, data)
	snap, err := geo.OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var rl reloader
	rl.setSnapshotRoots(snap, snap)
	if rl.mapped() != fi.Size() {
		t.Fatalf("from the snapshot: %d mapped bytes, want its %d", rl.mapped(), fi.Size())
	}
	ds, _, err := ingest.Load(context.Background(), []string{data}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rl.setRoots(ds, nil, nil)
	if rl.mapped() != 0 {
		t.Fatalf("after a full load: %d mapped bytes, want 0", rl.mapped())
	}
}
