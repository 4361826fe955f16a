package mirror

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crimemap/neighbourhood"
)

func TestFetchMirrorsTheFixture(t *testing.T) {
	src, want := reachable(t)
	api, base := newFakeAPI(t, src)
	dir, sum := mirrorsTo(t, base, fixtureForces, want)

	// Every file of the source came across byte for byte.
	files := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		rel, _ := filepath.Rel(src, p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s: not copied as served (%v)", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Fetched != files {
		t.Errorf("fetched %d, want the source's %d files", sum.Fetched, files)
	}
	// An id with a space is escaped in the request and in the file name.
	if api.hits["hampshire/Bargate%20Ward/people"] != 1 {
		t.Errorf("requests %v, want one for hampshire/Bargate%%20Ward/people", api.hits)
	}
	// What the API has no answer for is recorded, not failed.
	for _, u := range []string{"/hampshire/SO17", "/forces/leicestershire", "/hampshire/Bargate%20Ward/boundary"} {
		if !hasURL(sum.Missing, base+u) {
			t.Errorf("missing %v, want %s among them", sum.Missing, u)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, MissingFile)); err != nil {
		t.Errorf("no record of the missing answers: %v", err)
	}
}

func hasURL(ps []Problem, u string) bool {
	for _, p := range ps {
		if p.URL == u {
			return true
		}
	}
	return false
}

func TestFetchRecoversFromFaults(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		faults    []fault
		wantSleep time.Duration // a wait at least this long between attempts
	}{
		{name: "429 honours Retry-After", path: "forces", faults: []fault{tooMany}, wantSleep: 7 * time.Second},
		{name: "500s", path: "hampshire/neighbourhoods", faults: []fault{serverErr, serverErr}},
		{name: "slow answer", path: "hampshire/SO14", faults: []fault{slow}},
		{name: "dropped connection", path: "hampshire/SO14/people", faults: []fault{drop, drop}},
		{name: "answer cut short", path: "hampshire/SO14/events", faults: []fault{cut}},
		{name: "mixed", path: "hampshire/Bargate%20Ward/people", faults: []fault{tooMany, drop, cut, serverErr, slow}, wantSleep: 7 * time.Second},
	}
	src, want := reachable(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, base := newFakeAPI(t, src)
			api.faults[tc.path] = tc.faults
			opt := testOptions(t, base, fixtureForces)
			opt.Timeout = 300 * time.Millisecond
			sum := fetchFrom(t, opt)
			sameSet(t, opt.Dir, want)
			if got := api.hits[tc.path]; got != len(tc.faults)+1 {
				t.Errorf("%d requests for %s, want %d", got, tc.path, len(tc.faults)+1)
			}
			// The transport itself retries a GET whose connection closed
			// before an answer began, so only some retries are ours.
			if sum.Retries == 0 && tc.faults[0] != drop {
				t.Errorf("no retries")
			}
			if got := opt.Clock.(*virtualClock).longest(); got < tc.wantSleep {
				t.Errorf("longest wait %v, want at least %v", got, tc.wantSleep)
			}
		})
	}
}

func TestFetchReportsFailures(t *testing.T) {
	tests := []struct {
		name       string
		forces     []string
		path       string
		always     fault
		wantReason string
		wantHits   int
	}{
		{name: "500 every time", forces: fixtureForces, path: "hampshire/SO14/boundary", always: serverErr, wantReason: "gave up after 3 attempts: HTTP 500", wantHits: 3},
		{name: "not JSON", forces: fixtureForces, path: "hampshire/SO14/events", always: notJSON, wantReason: "not a JSON array", wantHits: 1},
		{name: "unknown force", forces: []string{"hampshire", "atlantis"}, path: "atlantis/neighbourhoods", always: -1, wantReason: "HTTP 404", wantHits: 1},
	}
	src, _ := reachable(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, base := newFakeAPI(t, src)
			if tc.always >= 0 {
				api.always[tc.path] = tc.always
			}
			opt := testOptions(t, base, tc.forces)
			opt.Attempts = 3
			sum, err := Fetch(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Failed) != 1 || sum.Failed[0].URL != base+"/"+tc.path || !strings.Contains(sum.Failed[0].Reason, tc.wantReason) {
				t.Fatalf("failed %v, want %s with %q", sum.Failed, tc.path, tc.wantReason)
			}
			if got := api.hits[tc.path]; got != tc.wantHits {
				t.Errorf("%d requests for %s, want %d", got, tc.path, tc.wantHits)
			}
			if !strings.Contains(sum.String(), "FAILED "+base+"/"+tc.path) {
				t.Errorf("summary does not name the failure:\n%s", sum)
			}
			// The rest came across.
			if sum.Fetched < 8 {
				t.Errorf("fetched %d", sum.Fetched)
			}
		})
	}
}

func TestFetchResumes(t *testing.T) {
	src, want := reachable(t)
	api, base := newFakeAPI(t, src)
	opt := testOptions(t, base, fixtureForces)
	first := fetchFrom(t, opt)
	all := api.requests()

	api.reset()
	again := fetchFrom(t, opt)
	if n := api.requests(); n != 0 || again.Fetched != 0 {
		t.Errorf("second run: %d requests, %d fetched, want none", n, again.Fetched)
	}
	if again.Skipped != first.Fetched+len(first.Missing) {
		t.Errorf("second run skipped %d, want %d", again.Skipped, first.Fetched+len(first.Missing))
	}

	// A lost file, and one cut short (a copy made by other means), are
	// fetched again, and nothing else.
	if err := os.Remove(filepath.Join(opt.Dir, filepath.FromSlash(neighbourhood.EventsPath("hampshire", "SO14")))); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(opt.Dir, filepath.FromSlash(neighbourhood.DetailPath("leicestershire", "NC04")))
	if err := os.WriteFile(cut, []byte(`{"id": "NC0`), 0o644); err != nil {
		t.Fatal(err)
	}
	api.reset()
	third := fetchFrom(t, opt)
	if third.Fetched != 2 || api.requests() != 2 || api.hits["hampshire/SO14/events"] != 1 || api.hits["leicestershire/NC04"] != 1 {
		t.Errorf("third run fetched %d with requests %v, want the two damaged files", third.Fetched, api.hits)
	}
	sameSet(t, opt.Dir, want)

	api.reset()
	opt.Refresh = true
	fetchFrom(t, opt)
	if n := api.requests(); n != all {
		t.Errorf("refresh made %d requests, want %d", n, all)
	}
	sameSet(t, opt.Dir, want)
}

func TestFetchCancelled(t *testing.T) {
	src, want := reachable(t)
	for _, at := range []int{1, 5, 12} {
		api, base := newFakeAPI(t, src)
		ctx, cancel := context.WithCancel(context.Background())
		api.onRequest = func(n int) {
			if n == at {
				cancel()
			}
		}
		opt := testOptions(t, base, fixtureForces)
		opt.Workers = 3
		sum, err := Fetch(ctx, opt)
		cancel()
		if !errors.Is(err, context.Canceled) || sum == nil {
			t.Fatalf("cancelled at request %d: %v, want context.Canceled and a summary", at, err)
		}
		// Only whole files are left.
		err = filepath.WalkDir(opt.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(p)
			if strings.HasPrefix(d.Name(), ".tmp") || !strings.HasSuffix(d.Name(), ".json") || !shapeOKEither(data) {
				t.Errorf("cancelled at request %d: %s is left", at, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		api.onRequest = nil
		fetchFrom(t, opt)
		sameSet(t, opt.Dir, want)
	}
}

func shapeOKEither(data []byte) bool { return shapeOK(data, true) || shapeOK(data, false) }

// hoods writes a force of n neighbourhoods, each with every file, for tests
// that need many requests.
func hoods(t *testing.T, force string, n int) string {
	t.Helper()
	dir := t.TempDir()
	var list []map[string]string
	for i := range n {
		id := "N" + string(rune('A'+i))
		list = append(list, map[string]string{"id": id, "name": id})
		files := map[string]any{
			neighbourhood.DetailPath(force, id):     map[string]string{"id": id, "name": id},
			neighbourhood.PeoplePath(force, id):     []any{},
			neighbourhood.EventsPath(force, id):     []any{},
			neighbourhood.PrioritiesPath(force, id): []any{},
			neighbourhood.BoundaryPath(force, id):   []map[string]string{{"latitude": "50.9", "longitude": "-1.4"}},
		}
		for rel, v := range files {
			if err := neighbourhood.WriteJSON(dir, rel, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := neighbourhood.WriteJSON(dir, neighbourhood.ListPath(force), list); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRateLimit checks the token bucket on virtual time: however the
// requests fall, no stretch of time holds more than burst + rate × its
// length, and 64 requests at 15/s with bursts of 30 take at least
// (64-30)/15 s.
func TestRateLimit(t *testing.T) {
	src := hoods(t, "testforce", 12)
	api, base := newFakeAPI(t, src)
	opt := testOptions(t, base, []string{"testforce"})
	opt.Workers = 1 // the virtual clock is exact with one sleeper
	api.clock = opt.Clock
	fetchFrom(t, opt)
	times := api.times
	if len(times) != 64 {
		t.Fatalf("%d requests, want 64", len(times))
	}
	for i := range times {
		for j := i; j < len(times); j++ {
			allowed := float64(opt.Burst) + opt.Rate*times[j].Sub(times[i]).Seconds() + 1e-3 // nanosecond rounding
			if float64(j-i+1) > allowed {
				t.Fatalf("requests %d..%d within %v: %d, more than %.1f", i, j, times[j].Sub(times[i]), j-i+1, allowed)
			}
		}
	}
	if d, min := times[len(times)-1].Sub(times[0]), 34*time.Second/15; d < min {
		t.Errorf("64 requests in %v, want at least %v", d, min)
	}
}

// TestRateLimitRealTime runs the same on the real clock with several
// workers; only a lower bound is checked, which the bucket guarantees.
func TestRateLimitRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("takes over 2 s")
	}
	src := hoods(t, "testforce", 12)
	_, base := newFakeAPI(t, src)
	opt := testOptions(t, base, []string{"testforce"})
	opt.Clock = nil
	start := time.Now()
	sum := fetchFrom(t, opt)
	if sum.Requests != 64 {
		t.Fatalf("%d requests, want 64", sum.Requests)
	}
	if d, min := time.Since(start), 34*time.Second/15-50*time.Millisecond; d < min {
		t.Errorf("64 requests in %v, want at least %v", d, min)
	}
}
