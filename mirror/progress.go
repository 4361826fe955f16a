package mirror

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

// isTerminal reports whether w gets a progress bar; a variable so tests can
// draw the bar into a buffer.
var isTerminal = console.IsTerminal

// progress reports paths done out of those known so far: the total grows
// once the forces' lists name their neighbourhoods.
type progress struct {
	total atomic.Int64
	done  atomic.Int64
	w     io.Writer
	start time.Time
	stop  chan struct{}
	ended chan struct{}
}

func startProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, start: time.Now()}
	p.total.Store(int64(total))
	if w == nil {
		return p
	}
	p.stop, p.ended = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.ended)
		if !isTerminal(w) {
			console.Every(plainEvery, p.stop, p.line)
			return
		}
		bar := progressbar.NewOptions64(p.total.Load(),
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("fetching"),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
		console.Every(100*time.Millisecond, p.stop, func() {
			bar.ChangeMax64(p.total.Load())
			_ = bar.Set64(p.done.Load())
		})
		fmt.Fprintln(w)
	}()
	return p
}

func (p *progress) add(n int) { p.total.Add(int64(n)) }
func (p *progress) step()     { p.done.Add(1) }

func (p *progress) line() {
	fmt.Fprintf(p.w, "fetching: %d of %d paths, %s\n", p.done.Load(), p.total.Load(), time.Since(p.start).Round(time.Millisecond))
}

// finish stops the reporter and waits for its last output.
func (p *progress) finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.ended
}
