package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"crimemap/neighbourhood"
)

// Options configure Fetch.
type Options struct {
	// Base is the API's root, whose paths are forces, {force}/neighbourhoods
	// and so on: https://data.police.uk/api, or a crimemap's /api.
	Base string
	// Forces are the force ids to copy.
	Forces []string
	// Dir is the folder written, in neighbourhood's layout.
	Dir string

	Rate     float64       // requests a second, on average
	Burst    int           // requests at once above Rate
	Workers  int           // requests in flight at most
	Attempts int           // tries of one request before it fails
	Timeout  time.Duration // for one attempt, answer included
	// Refresh fetches every file again, complete or recorded missing.
	Refresh bool

	Client    *http.Client // nil for a plain one
	Clock     Clock        // nil for the real clock
	UserAgent string
	// Progress, when set, receives a progress bar (a terminal) or a line
	// every few seconds (anything else).
	Progress io.Writer
}

// DefaultOptions are data.police.uk's published limits and a few workers.
func DefaultOptions() Options {
	return Options{Rate: 15, Burst: 30, Workers: 4, Attempts: 6, Timeout: 30 * time.Second}
}

// MissingFile, in the folder, records the answers that were 404 or empty,
// so a later run does not ask for them again. Its leading dot keeps it
// apart from every escaped id.
const MissingFile = ".missing.json"

// Summary reports a run.
type Summary struct {
	Fetched int // files written
	Skipped int // files already complete, and answers recorded missing before
	// Missing are this run's answers that were 404 or empty: the API has
	// none for some neighbourhoods' sub-resources. They are not failures.
	Missing []Problem
	// Failed are the requests that could not be completed, with why.
	Failed   []Problem
	Requests int // HTTP requests made, retries included
	Retries  int
	Elapsed  time.Duration
}

// Problem is one URL and what went wrong with it.
type Problem struct {
	URL    string
	Reason string
}

// maxListed bounds the missing answers String lists one by one.
const maxListed = 20

// String formats the summary for a person to read.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fetched %d, skipped %d, missing %d, failed %d (%d requests, %d retries, %s)\n",
		s.Fetched, s.Skipped, len(s.Missing), len(s.Failed), s.Requests, s.Retries, s.Elapsed.Round(time.Millisecond))
	for i, p := range s.Missing {
		if i == maxListed {
			fmt.Fprintf(&b, "missing: %d more\n", len(s.Missing)-maxListed)
			break
		}
		fmt.Fprintf(&b, "missing %s: %s\n", p.URL, p.Reason)
	}
	for _, p := range s.Failed {
		fmt.Fprintf(&b, "FAILED %s: %s\n", p.URL, p.Reason)
	}
	return b.String()
}

// job is one API path and the file its answer goes to.
type job struct {
	rel   string   // path in the folder, from neighbourhood's layout
	segs  []string // path segments below Base, unescaped
	array bool     // the answer is a JSON array, else an object
	// force is set on a force's neighbourhood list, whose ids make the
	// next round of jobs; its 404 is a failure, since the force is unknown.
	force string
}

type fetcher struct {
	opt  Options
	base string
	get  *getter
	prog *progress

	mu      sync.Mutex
	sum     Summary
	missing map[string]string // rel → reason, MissingFile's content
	changed bool              // missing differs from the file
	ids     map[string][]string
}

// Fetch copies opt.Forces from opt.Base into opt.Dir. Files that could not
// be fetched are in the Summary's Failed; the error is for bad options, a
// folder that cannot be written to, or ctx being done, in which case the
// Summary counts what was done and the folder holds only whole files.
func Fetch(ctx context.Context, opt Options) (*Summary, error) {
	base, err := checkOptions(&opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	f := &fetcher{
		opt:  opt,
		base: base,
		get: &getter{
			client: opt.Client, clock: opt.Clock, attempts: opt.Attempts, timeout: opt.Timeout,
			userAgent: opt.UserAgent, lim: rate.NewLimiter(rate.Limit(opt.Rate), opt.Burst),
		},
		missing: map[string]string{},
		ids:     map[string][]string{},
	}
	if opt.Refresh {
		// Rewritten from this run's answers alone.
		f.changed = true
	} else {
		f.missing = readMissing(opt.Dir)
	}
	start := opt.Clock.Now()
	var first []job
	first = append(first, job{rel: neighbourhood.ForcesPath(), segs: []string{"forces"}, array: true})
	for _, force := range opt.Forces {
		first = append(first,
			job{rel: neighbourhood.ForcePath(force), segs: []string{"forces", force}},
			job{rel: neighbourhood.ForcePeoplePath(force), segs: []string{"forces", force, "people"}, array: true},
			job{rel: neighbourhood.ListPath(force), segs: []string{force, "neighbourhoods"}, array: true, force: force},
		)
	}
	f.prog = startProgress(opt.Progress, len(first))
	f.run(ctx, first)
	if ctx.Err() == nil {
		second := f.hoodJobs()
		f.prog.add(len(second))
		f.run(ctx, second)
	}
	f.prog.finish()
	if err := f.saveMissing(); err != nil {
		f.fail(filepath.Join(opt.Dir, MissingFile), err.Error())
	}
	f.sum.Requests = int(f.get.requests.Load())
	f.sum.Retries = int(f.get.retries.Load())
	f.sum.Elapsed = opt.Clock.Now().Sub(start)
	return &f.sum, ctx.Err()
}

func checkOptions(opt *Options) (string, error) {
	u, err := url.Parse(opt.Base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("mirror: base %q is not an http(s) URL", opt.Base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("mirror: base %q has a query or fragment", opt.Base)
	}
	switch {
	case opt.Dir == "":
		return "", errors.New("mirror: no folder to write to")
	case len(opt.Forces) == 0:
		return "", errors.New("mirror: no force given")
	case !(opt.Rate > 0):
		return "", fmt.Errorf("mirror: rate %v, want more than 0", opt.Rate)
	case opt.Burst < 1:
		return "", fmt.Errorf("mirror: burst %d, want at least 1", opt.Burst)
	case opt.Workers < 1:
		return "", fmt.Errorf("mirror: %d workers, want at least 1", opt.Workers)
	case opt.Attempts < 1:
		return "", fmt.Errorf("mirror: %d attempts, want at least 1", opt.Attempts)
	case opt.Timeout <= 0:
		return "", fmt.Errorf("mirror: timeout %v, want more than 0", opt.Timeout)
	}
	for _, force := range opt.Forces {
		if force == "" {
			return "", errors.New("mirror: empty force id")
		}
	}
	if opt.Client == nil {
		opt.Client = &http.Client{}
	}
	if opt.Clock == nil {
		opt.Clock = realClock{}
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// hoodJobs lists every listed neighbourhood's files, force by force.
func (f *fetcher) hoodJobs() []job {
	var jobs []job
	for _, force := range f.opt.Forces {
		for _, id := range f.ids[force] {
			// The API cannot answer the detail of a neighbourhood whose id
			// is "neighbourhoods": its path is the list's.
			if id != "neighbourhoods" {
				jobs = append(jobs, job{rel: neighbourhood.DetailPath(force, id), segs: []string{force, id}})
			}
			jobs = append(jobs,
				job{rel: neighbourhood.PeoplePath(force, id), segs: []string{force, id, "people"}, array: true},
				job{rel: neighbourhood.EventsPath(force, id), segs: []string{force, id, "events"}, array: true},
				job{rel: neighbourhood.PrioritiesPath(force, id), segs: []string{force, id, "priorities"}, array: true},
				job{rel: neighbourhood.BoundaryPath(force, id), segs: []string{force, id, "boundary"}, array: true},
			)
		}
	}
	return jobs
}

// run does jobs on opt.Workers goroutines until they are done or ctx is.
func (f *fetcher) run(ctx context.Context, jobs []job) {
	ch := make(chan job)
	var wg sync.WaitGroup
	for range f.opt.Workers {
		wg.Go(func() {
			for j := range ch {
				f.do(ctx, j)
			}
		})
	}
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(ch)
	wg.Wait()
}

func (f *fetcher) url(j job) string {
	segs := make([]string, len(j.segs))
	for i, s := range j.segs {
		segs[i] = url.PathEscape(s)
	}
	return f.base + "/" + strings.Join(segs, "/")
}

// do brings one file up to date.
func (f *fetcher) do(ctx context.Context, j job) {
	defer f.prog.step()
	if !f.opt.Refresh {
		if data, err := os.ReadFile(filepath.Join(f.opt.Dir, filepath.FromSlash(j.rel))); err == nil && shapeOK(data, j.array) {
			f.skip(j, data)
			return
		}
		f.mu.Lock()
		_, known := f.missing[j.rel]
		f.mu.Unlock()
		if known && j.force == "" {
			f.skip(j, nil)
			return
		}
	}
	u := f.url(j)
	a, err := f.get.get(ctx, u)
	switch {
	case ctx.Err() != nil:
		// Cancelled: neither done nor failed, and nothing half written.
	case err != nil:
		f.fail(u, err.Error())
	case a.status == http.StatusOK && !empty(a.body):
		if !shapeOK(a.body, j.array) {
			f.fail(u, "the answer is not "+shapeName(j.array))
			return
		}
		if err := neighbourhood.WriteFile(f.opt.Dir, j.rel, a.body); err != nil {
			f.fail(u, err.Error())
			return
		}
		f.done(j, a.body)
	case a.status == http.StatusOK || a.status == http.StatusNotFound:
		reason := "HTTP 404"
		if a.status == http.StatusOK {
			reason = "empty answer"
		}
		if j.force != "" {
			f.fail(u, reason+" for the force's neighbourhoods")
			return
		}
		f.miss(j, u, reason)
	default:
		f.fail(u, fmt.Sprintf("HTTP %d", a.status))
	}
}

func (f *fetcher) skip(j job, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sum.Skipped++
	f.list(j, data)
}

func (f *fetcher) done(j job, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sum.Fetched++
	if _, ok := f.missing[j.rel]; ok {
		delete(f.missing, j.rel)
		f.changed = true
	}
	f.list(j, data)
}

func (f *fetcher) miss(j job, u, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sum.Missing = append(f.sum.Missing, Problem{URL: u, Reason: reason})
	if f.missing[j.rel] != reason {
		f.missing[j.rel] = reason
		f.changed = true
	}
}

func (f *fetcher) fail(u, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sum.Failed = append(f.sum.Failed, Problem{URL: u, Reason: reason})
}

// list takes a force's neighbourhood ids from its list; f.mu is held.
func (f *fetcher) list(j job, data []byte) {
	if j.force == "" || data == nil {
		return
	}
	var refs []struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(data, &refs)
	var ids []string
	for _, r := range refs {
		// LoadDir reports entries without a string id; they name no files.
		if id, ok := r.ID.(string); ok && id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	f.ids[j.force] = ids
}

// empty reports an answer with nothing in it, which the API gives for some
// neighbourhoods instead of a 404.
func empty(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) == 0 || string(b) == "null"
}

// shapeOK reports whether data is whole JSON of the expected kind: what
// makes a file complete.
func shapeOK(data []byte, array bool) bool {
	b := bytes.TrimSpace(data)
	if len(b) == 0 || !json.Valid(b) {
		return false
	}
	return (b[0] == '[') == array && (b[0] == '{') == !array
}

func shapeName(array bool) string {
	if array {
		return "a JSON array"
	}
	return "a JSON object"
}

// readMissing reads MissingFile; an unreadable one counts as empty, so
// its answers are asked for again.
func readMissing(dir string) map[string]string {
	m := map[string]string{}
	data, err := os.ReadFile(filepath.Join(dir, MissingFile))
	if err != nil || json.Unmarshal(data, &m) != nil {
		return map[string]string{}
	}
	return m
}

func (f *fetcher) saveMissing() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.changed {
		return nil
	}
	data, err := json.MarshalIndent(f.missing, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", MissingFile, err)
	}
	return neighbourhood.WriteFile(f.opt.Dir, MissingFile, append(data, '\n'))
}
