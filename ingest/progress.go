package ingest

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"crimemap/internal/console"
)

// plainEvery is how often progress is printed to a writer that is not a
// terminal; a variable so tests need not wait.
var plainEvery = 2 * time.Second

// isTerminal reports whether w is a terminal, which gets a progress bar; a
// variable so tests can draw the bar into a buffer.
var isTerminal = console.IsTerminal

// progress reports bytes read while files are parsed.
type progress struct {
	read  atomic.Int64
	files atomic.Int64
	rows  atomic.Int64
	total int64
	nsrc  int
	w     io.Writer
	start time.Time
	stop  chan struct{}
	done  chan struct{}
	// building is set once parsing ends and the dataset is being built,
	// which on a national archive takes a good share of the load.
	building atomic.Bool
	parsedCh chan struct{} // closed when parsing ends
}

func startProgress(w io.Writer, srcs []*source) *progress {
	p := &progress{w: w, nsrc: len(srcs), start: time.Now()}
	for _, s := range srcs {
		p.total += s.size
	}
	if w == nil {
		return p
	}
	p.stop, p.done, p.parsedCh = make(chan struct{}), make(chan struct{}), make(chan struct{})
	if isTerminal(w) {
		go p.bar()
	} else {
		go p.plain()
	}
	return p
}

func (p *progress) bar() {
	defer close(p.done)
	bar := progressbar.NewOptions64(p.total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("loading"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	parsed := p.parsedCh
	for {
		select {
		case <-t.C:
			_ = bar.Set64(p.read.Load())
		case <-parsed:
			// The bar measures bytes, which are all read now; the build
			// that follows gets a line of its own.
			_ = bar.Finish()
			fmt.Fprintf(p.w, "\nbuilding dataset from %d rows\n", p.rows.Load())
			parsed = nil
		case <-p.stop:
			if parsed != nil {
				_ = bar.Finish()
				fmt.Fprintln(p.w)
			}
			return
		}
	}
}

// parsed marks the end of parsing.
func (p *progress) parsed() {
	if p.w == nil {
		return
	}
	p.building.Store(true)
	close(p.parsedCh)
}

func (p *progress) line() {
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.read.Load()) / float64(p.total)
	}
	what := "loading"
	if p.building.Load() {
		what = "building dataset"
	}
	fmt.Fprintf(p.w, "%s: %.1f of %.1f MB (%.0f%%), %d of %d files, %d rows, %s\n",
		what, float64(p.read.Load())/1e6, float64(p.total)/1e6, pct, p.files.Load(), p.nsrc,
		p.rows.Load(), time.Since(p.start).Round(time.Millisecond))
}

func (p *progress) plain() {
	defer close(p.done)
	console.Every(plainEvery, p.stop, p.line)
}

// finish stops the reporter and waits for its last output.
func (p *progress) finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
}
