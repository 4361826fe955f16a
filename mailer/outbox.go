package mailer

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"crimemap/watch"
)

// Outbox is the part of watch.Store a sender uses.
type Outbox interface {
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]watch.OutboxMail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string, next time.Time) error
}

// Sender delivers one mail.
type Sender interface {
	Send(ctx context.Context, m watch.OutboxMail) error
}

// Never is the next attempt of a mail given up on: the store keeps it
// unsent, with its attempts and last error, but no claim reaches it.
var Never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Loop claims due mail, sends it and records the outcome. The zero values
// of its tuning fields take the defaults below.
type Loop struct {
	Store  Outbox
	Sender Sender
	Log    *slog.Logger

	Interval    time.Duration // between polls of the outbox; default 10 s
	Lease       time.Duration // a claim's hold on a mail; default 5 min, longer than a batch takes
	Batch       int           // mails claimed at once; default 20
	MaxAttempts int           // failed attempts before a mail is given up; default 8
	BaseDelay   time.Duration // wait after the first failure, doubled after each; default 1 min
	MaxDelay    time.Duration // bound of that wait; default 6 h
	Now         func() time.Time
}

func (l *Loop) defaults() {
	if l.Interval <= 0 {
		l.Interval = 10 * time.Second
	}
	if l.Lease <= 0 {
		l.Lease = 5 * time.Minute
	}
	if l.Batch <= 0 {
		l.Batch = 20
	}
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = 8
	}
	if l.BaseDelay <= 0 {
		l.BaseDelay = time.Minute
	}
	if l.MaxDelay <= 0 {
		l.MaxDelay = 6 * time.Hour
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Log == nil {
		l.Log = slog.New(slog.DiscardHandler)
	}
}

// Run drains the outbox every Interval until ctx is cancelled. A claim
// that shutdown interrupts is left to its lease, so the mail is sent after
// the next start.
func (l *Loop) Run(ctx context.Context) {
	l.defaults()
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		if _, err := l.Drain(ctx); err != nil && ctx.Err() == nil {
			l.Log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Result counts what one Drain did.
type Result struct {
	Sent, Retried, GivenUp int
}

// Drain sends every mail due now, batch by batch, and returns when none
// is left or ctx is cancelled.
func (l *Loop) Drain(ctx context.Context) (Result, error) {
	l.defaults()
	var r Result
	for ctx.Err() == nil {
		batch, err := l.Store.ClaimMail(ctx, l.Now(), l.Lease, l.Batch)
		if err != nil {
			return r, err
		}
		for _, m := range batch {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			if err := l.send(ctx, m, &r); err != nil {
				return r, err
			}
		}
		if len(batch) < l.Batch {
			return r, nil
		}
	}
	return r, ctx.Err()
}

// send delivers m and records the outcome; it returns only the store's
// errors. Logs carry the mail's id, never its address or text.
func (l *Loop) send(ctx context.Context, m watch.OutboxMail, r *Result) error {
	err := l.Sender.Send(ctx, m)
	if err == nil {
		if err := l.Store.MarkSent(ctx, m.ID, l.Now()); err != nil {
			// Sent but not recorded: the lease runs out and it goes again.
			return err
		}
		r.Sent++
		l.Log.Info("mail sent", "id", m.ID, "attempts", m.Attempts+1)
		return nil
	}
	if ctx.Err() != nil {
		// Shutdown, not the relay: the lease brings it back untouched.
		return ctx.Err()
	}
	reason := redact(err.Error(), m.To)
	attempts := m.Attempts + 1
	next := l.Now().Add(Backoff(attempts, l.BaseDelay, l.MaxDelay))
	if attempts >= l.MaxAttempts {
		next = Never
	}
	if err := l.Store.MarkFailed(ctx, m.ID, reason, next); err != nil {
		return err
	}
	if next.Equal(Never) {
		r.GivenUp++
		l.Log.Error("mail given up", "id", m.ID, "attempts", attempts, "err", reason)
		return nil
	}
	r.Retried++
	l.Log.Warn("mail failed", "id", m.ID, "attempts", attempts, "next", next, "err", reason)
	return nil
}

// Backoff is the wait after the given number of failed attempts: base,
// then doubled each time, at most max.
func Backoff(attempts int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts; i++ {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// redact drops the recipient's address from a relay's error, which often
// quotes it back.
func redact(s, addr string) string {
	if addr == "" {
		return s
	}
	return strings.ReplaceAll(s, addr, "<recipient>")
}
