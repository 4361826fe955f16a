package mirror

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"crimemap/neighbourhood"
)

// fault is one misbehaviour of the test API for one request.
type fault int

const (
	tooMany   fault = iota // 429 with Retry-After: 7
	serverErr              // 500
	slow                   // answers after the client has given up
	drop                   // closes the connection without an answer
	cut                    // closes the connection part way through an answer
	notJSON                // 200 with an HTML page
)

// fakeAPI serves a folder in neighbourhood's layout as the data.police.uk
// API would, below /api/, with faults injected per path.
type fakeAPI struct {
	dir   string
	clock Clock // stamps each request, for the rate tests

	mu     sync.Mutex
	faults map[string][]fault // by escaped path below /api/, used in order
	always map[string]fault   // by escaped path, on every request
	hits   map[string]int
	times  []time.Time
	// onRequest, when set, sees the count of requests so far.
	onRequest func(n int)
}

func newFakeAPI(t testing.TB, dir string) (*fakeAPI, string) {
	t.Helper()
	a := &fakeAPI{dir: dir, faults: map[string][]fault{}, always: map[string]fault{}, hits: map[string]int{}}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv.URL + "/api"
}

func (a *fakeAPI) requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, h := range a.hits {
		n += h
	}
	return n
}

func (a *fakeAPI) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hits = map[string]int{}
	a.times = nil
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/")
	a.mu.Lock()
	a.hits[p]++
	if a.clock != nil {
		a.times = append(a.times, a.clock.Now())
	}
	var f fault = -1
	if q := a.faults[p]; len(q) > 0 {
		f, a.faults[p] = q[0], q[1:]
	} else if g, ok := a.always[p]; ok {
		f = g
	}
	total := 0
	for _, h := range a.hits {
		total += h
	}
	hook := a.onRequest
	a.mu.Unlock()
	if hook != nil {
		hook(total)
	}
	switch f {
	case tooMany:
		w.Header().Set("Retry-After", "7")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case serverErr:
		http.Error(w, "oops", http.StatusInternalServerError)
		return
	case slow:
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	case drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case cut:
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err == nil {
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"na")
			buf.Flush()
			conn.Close()
		}
		return
	case notJSON:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>maintenance</html>"))
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		id, err := url.PathUnescape(s)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		segs[i] = neighbourhood.EscapeID(id)
	}
	data, err := os.ReadFile(filepath.Join(a.dir, filepath.FromSlash(path.Join(segs...))+".json"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// virtualClock advances by every sleep at once, so backoffs and rate waits
// cost no real time; with one worker its times are exact.
type virtualClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newVirtualClock() *virtualClock {
	return &virtualClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func (c *virtualClock) longest() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var m time.Duration
	for _, d := range c.slept {
		m = max(m, d)
	}
	return m
}

const fixture = "../neighbourhood/testdata/api"

var fixtureForces = []string{"hampshire", "leicestershire"}

// testOptions fetch into a fresh folder on virtual time.
func testOptions(t *testing.T, base string, forces []string) Options {
	opt := DefaultOptions()
	opt.Base = base
	opt.Forces = forces
	opt.Dir = t.TempDir()
	opt.Clock = newVirtualClock()
	opt.Timeout = 2 * time.Second
	return opt
}

// fetchFrom mirrors forces from base, which may be any server speaking the
// API, and fails the test on an error or a failed file.
func fetchFrom(t *testing.T, opt Options) *Summary {
	t.Helper()
	sum, err := Fetch(context.Background(), opt)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(sum.Failed) > 0 {
		t.Fatalf("failed files:\n%s", sum)
	}
	return sum
}

// loadSet loads dir, failing the test on any error in it.
func loadSet(t *testing.T, dir string) *neighbourhood.Set {
	t.Helper()
	s, sum, err := neighbourhood.LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Errors) > 0 {
		t.Fatalf("%s: %v", dir, sum.Errors)
	}
	return s
}

// reachable is the fixture less what the API cannot reveal: a
// neighbourhood with a detail file that its force's list leaves out.
func reachable(t *testing.T) (dir string, want *neighbourhood.Set) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(fixture)); err != nil {
		t.Fatal(err)
	}
	_, sum, err := neighbourhood.LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sum.Unlisted {
		force, id, _ := strings.Cut(n, "/")
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(neighbourhood.DetailPath(force, id)))); err != nil {
			t.Fatal(err)
		}
	}
	return dir, loadSet(t, dir)
}

// mirrorsTo fetches forces from base, any server speaking the API (the
// fake one here, or a crimemap serving a Set), and checks that the folder
// loads to want. It returns the folder and the run's summary.
func mirrorsTo(t *testing.T, base string, forces []string, want *neighbourhood.Set) (string, *Summary) {
	t.Helper()
	opt := testOptions(t, base, forces)
	sum := fetchFrom(t, opt)
	sameSet(t, opt.Dir, want)
	return opt.Dir, sum
}

func sameSet(t *testing.T, dir string, want *neighbourhood.Set) {
	t.Helper()
	if got := loadSet(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("%s loads to another Set than the source", dir)
	}
}
