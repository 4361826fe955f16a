package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"crimemap/fault"
)

// ErrNotLoopback is returned, wrapped, for a target whose host is not a
// loopback address.
var ErrNotLoopback = fault.New(fault.Forbidden, "loadtest: host is not loopback")

// ErrInvalidConfig is returned, wrapped, for a Config Run cannot use.
var ErrInvalidConfig = fault.New(fault.Invalid, "loadtest: invalid config")

// DefaultGroup is the group of a target line without a tab.
const DefaultGroup = "all"

// Target is one URL to request, with the group its latency is reported in.
type Target struct {
	Group string
	URL   string
}

// ParseTargets reads lines "group<TAB>path-or-url" from r. Blank lines and
// lines starting with # are skipped; a line without a tab is a URL in group
// DefaultGroup. Paths are resolved against base. Every URL must be http or
// https on a loopback host.
func ParseTargets(r io.Reader, base string) ([]Target, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("loadtest: base URL %q: %w", base, err)
	}
	var out []Target
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		group, ref := DefaultGroup, text
		if g, u, ok := strings.Cut(text, "\t"); ok {
			group, ref = strings.TrimSpace(g), strings.TrimSpace(u)
			if group == "" {
				group = DefaultGroup
			}
		}
		u, err := b.Parse(ref)
		if err != nil {
			return nil, fmt.Errorf("loadtest: line %d: %w", line, err)
		}
		if err := CheckLoopback(u); err != nil {
			return nil, fmt.Errorf("loadtest: line %d: %w", line, err)
		}
		out = append(out, Target{Group: group, URL: u.String()})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: read targets: %w", err)
	}
	return out, nil
}

// CheckLoopback returns ErrNotLoopback unless u is http or https on
// localhost or a loopback IP address.
func CheckLoopback(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: %q: scheme must be http or https", ErrNotLoopback, u.String())
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrNotLoopback, u.String())
}

// Config describes one run.
type Config struct {
	Targets []Target
	// Concurrency is the number of workers, each with one request in flight.
	Concurrency int
	// Duration bounds the run; it must be positive.
	Duration time.Duration
	// MaxRequests, when positive, also bounds the number of requests.
	MaxRequests int
	// Timeout bounds one request; 0 means 30s.
	Timeout time.Duration
	// Header is added to every request, e.g. Accept-Encoding: gzip. Bodies
	// are counted as received, never decompressed.
	Header http.Header
}

// GroupStats are the figures of one group of targets.
type GroupStats struct {
	Group    string
	Requests int
	// Errors counts transport errors and responses with status >= 400.
	Errors int
	// Bytes counts response bodies as received.
	Bytes              int64
	P50, P90, P99, Max time.Duration
	// FirstError describes the first error seen, for diagnosis.
	FirstError string
	// Elapsed is the run's wall time, the denominator of the rates.
	Elapsed time.Duration
}

// RequestsPerSecond is the group's throughput over the whole run.
func (g GroupStats) RequestsPerSecond() float64 {
	if g.Elapsed <= 0 {
		return 0
	}
	return float64(g.Requests) / g.Elapsed.Seconds()
}

// MBPerSecond is the group's body throughput in megabytes (10⁶ bytes) per second.
func (g GroupStats) MBPerSecond() float64 {
	if g.Elapsed <= 0 {
		return 0
	}
	return float64(g.Bytes) / 1e6 / g.Elapsed.Seconds()
}

// Result is the outcome of Run: per group in order of first appearance in
// the targets, and all requests together.
type Result struct {
	Groups      []GroupStats
	Total       GroupStats
	Concurrency int
	Elapsed     time.Duration
}

type sample struct {
	group int32
	err   bool
	dur   time.Duration
	bytes int64
	msg   string
}

// Run sends requests to cfg.Targets in turn from cfg.Concurrency workers until
// cfg.Duration has passed or cfg.MaxRequests have been sent. Requests cut off
// by the end of the run are not counted. It returns ErrInvalidConfig or
// ErrNotLoopback before sending anything when cfg is unusable, and the
// context's error, with the figures so far, when ctx ends first.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	groupIdx := map[string]int32{}
	var groups []string
	tg := make([]int32, len(cfg.Targets))
	for i, t := range cfg.Targets {
		g, ok := groupIdx[t.Group]
		if !ok {
			g = int32(len(groups))
			groupIdx[t.Group] = g
			groups = append(groups, t.Group)
		}
		tg[i] = g
	}

	prepared, err := prepareTargets(cfg.Targets, cfg.Header)
	if err != nil {
		return Result{}, err
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	end, _ := runCtx.Deadline()
	var next atomic.Int64
	perWorker := make([][]sample, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(timeout)
			defer c.close()
			defer context.AfterFunc(runCtx, c.interrupt)()
			for runCtx.Err() == nil {
				i := next.Add(1) - 1
				if cfg.MaxRequests > 0 && i >= int64(cfg.MaxRequests) {
					return
				}
				ti := int(i % int64(len(cfg.Targets)))
				s := do(runCtx, c, &prepared[ti])
				// A connection's deadline can pass just before the context's
				// timer fires.
				if s.err && (runCtx.Err() != nil || !time.Now().Before(end)) {
					return // cut off by the end of the run, not the server's fault
				}
				s.group = tg[ti]
				perWorker[w] = append(perWorker[w], s)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := summarise(groups, perWorker, elapsed)
	res.Concurrency = cfg.Concurrency
	return res, ctx.Err()
}

func (cfg Config) validate() error {
	switch {
	case len(cfg.Targets) == 0:
		return fmt.Errorf("%w: no targets", ErrInvalidConfig)
	case cfg.Concurrency < 1:
		return fmt.Errorf("%w: concurrency %d", ErrInvalidConfig, cfg.Concurrency)
	case cfg.Duration <= 0:
		return fmt.Errorf("%w: duration %s must be positive", ErrInvalidConfig, cfg.Duration)
	case cfg.MaxRequests < 0:
		return fmt.Errorf("%w: max requests %d", ErrInvalidConfig, cfg.MaxRequests)
	}
	for _, t := range cfg.Targets {
		u, err := url.Parse(t.URL)
		if err != nil {
			return fmt.Errorf("%w: %q: %w", ErrInvalidConfig, t.URL, err)
		}
		if err := CheckLoopback(u); err != nil {
			return err
		}
	}
	return nil
}

func do(ctx context.Context, c *client, t *preparedTarget) sample {
	t0 := time.Now()
	n, status, err := c.do(ctx, t)
	s := sample{dur: time.Since(t0), bytes: n}
	switch {
	case err != nil:
		s.err, s.msg = true, err.Error()
	case status >= 400:
		s.err, s.msg = true, fmt.Sprintf("%s: %d %s", t.url, status, http.StatusText(status))
	}
	return s
}

func summarise(groups []string, perWorker [][]sample, elapsed time.Duration) Result {
	durs := make([][]time.Duration, len(groups))
	var all []time.Duration
	stats := make([]GroupStats, len(groups))
	total := GroupStats{Group: "total", Elapsed: elapsed}
	for g, name := range groups {
		stats[g] = GroupStats{Group: name, Elapsed: elapsed}
	}
	for _, ss := range perWorker {
		for _, s := range ss {
			st := &stats[s.group]
			st.Requests++
			st.Bytes += s.bytes
			total.Requests++
			total.Bytes += s.bytes
			if s.err {
				st.Errors++
				total.Errors++
				if st.FirstError == "" {
					st.FirstError = s.msg
				}
				if total.FirstError == "" {
					total.FirstError = s.msg
				}
			}
			durs[s.group] = append(durs[s.group], s.dur)
			all = append(all, s.dur)
		}
	}
	for g := range stats {
		setPercentiles(&stats[g], durs[g])
	}
	setPercentiles(&total, all)
	return Result{Groups: stats, Total: total, Elapsed: elapsed}
}

func setPercentiles(g *GroupStats, d []time.Duration) {
	slices.Sort(d)
	g.P50 = Percentile(d, 50)
	g.P90 = Percentile(d, 90)
	g.P99 = Percentile(d, 99)
	if len(d) > 0 {
		g.Max = d[len(d)-1]
	}
}

// Percentile returns the p-th percentile of sorted by the nearest-rank
// method: the smallest value with at least p% of the values at or below it.
// It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// WriteTo writes the result as a table, one line per group and a total.
func (r Result) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %9s %7s %9s %9s %9s %9s %10s %8s\n",
		"group", "requests", "errors", "p50", "p90", "p99", "max", "req/s", "MB/s")
	row := func(g GroupStats) {
		fmt.Fprintf(&b, "%-16s %9d %7d %9s %9s %9s %9s %10.1f %8.2f\n",
			g.Group, g.Requests, g.Errors, ms(g.P50), ms(g.P90), ms(g.P99), ms(g.Max),
			g.RequestsPerSecond(), g.MBPerSecond())
	}
	for _, g := range r.Groups {
		row(g)
	}
	row(r.Total)
	fmt.Fprintf(&b, "concurrency %d, elapsed %s\n", r.Concurrency, r.Elapsed.Round(time.Millisecond))
	for _, g := range r.Groups {
		if g.FirstError != "" {
			fmt.Fprintf(&b, "first error in %s: %s\n", g.Group, g.FirstError)
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// String returns the table WriteTo writes.
func (r Result) String() string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
