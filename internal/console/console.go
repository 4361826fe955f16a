// Package console holds what the long commands share to show progress: a
// test for a terminal, which gets a bar, and a ticker loop for the bar or the
// plain lines written anywhere else.
package console

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Every calls f every d until stop is closed, then once more, so the last
// output shows the final state.
func Every(d time.Duration, stop <-chan struct{}, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f()
		case <-stop:
			f()
			return
		}
	}
}
