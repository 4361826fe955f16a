package watch

import (
	"context"
	"time"
)

// FailureWindow is how long a failed sign-in counts against an account or
// an address; older failures go in the retention sweep.
const FailureWindow = 24 * time.Hour

// SweepAt runs the retention sweep as of now: applications and messages
// closed more than retention ago, expired sessions, and sign-in failures
// older than FailureWindow.
func SweepAt(ctx context.Context, s Store, now time.Time, retention time.Duration) (SweepResult, error) {
	return s.Sweep(ctx, now.Add(-retention), now, now.Add(-FailureWindow))
}

// SweepEvery runs SweepAt at once and then every interval until ctx ends,
// handing each outcome to report. A failed sweep is retried at the next
// tick: what it would have deleted is still there.
func SweepEvery(ctx context.Context, s Store, interval, retention time.Duration, report func(SweepResult, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r, err := SweepAt(ctx, s, time.Now(), retention)
		if ctx.Err() != nil {
			return
		}
		report(r, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
