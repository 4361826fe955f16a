package mirror

import (
	"context"
	"time"
)

// Clock is the time source of the rate limit and the backoff, so tests can
// run them on virtual time.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or returns ctx's error once ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
