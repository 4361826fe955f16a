package mailer

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crimemap/store"
	"crimemap/watch"
)

func openStore(t *testing.T) watch.Store {
	t.Helper()
	ws, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func enqueue(t *testing.T, ws watch.Store, to, subject, body string) watch.OutboxMail {
	t.Helper()
	m, err := ws.EnqueueMail(context.Background(), watch.OutboxMail{To: to, Subject: subject, Body: body, NextAttempt: time.Now(), Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newSender(t *testing.T, addr string) *SMTP {
	t.Helper()
	s, err := NewSMTP("smtp://"+addr, "watch@crimemap.example")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeliver(t *testing.T) {
	ctx := context.Background()
	ws := openStore(t)
	sk := startSink(t, "127.0.0.1:0")
	m := enqueue(t, ws, "ann@example.org", "Your application was approved", "Welcome to Elm Road watch.\nSee you soon.")
	l := &Loop{Store: ws, Sender: newSender(t, sk.addr)}
	r, err := l.Drain(ctx)
	if err != nil || r.Sent != 1 {
		t.Fatalf("Drain = %+v, %v; want 1 sent", r, err)
	}
	got := sk.mails()
	if len(got) != 1 {
		t.Fatalf("sink got %d mails, want 1", len(got))
	}
	g := got[0]
	if g.from != "watch@crimemap.example" || len(g.to) != 1 || g.to[0] != "ann@example.org" {
		t.Errorf("envelope from %q to %q", g.from, g.to)
	}
	h := g.msg.Header
	for k, want := range map[string]string{
		"Subject": "Your application was approved",
		"From":    "<watch@crimemap.example>",
		"To":      "<ann@example.org>",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	if id := h.Get("Message-Id"); !strings.Contains(id, "outbox.") || !strings.Contains(id, "@crimemap>") {
		t.Errorf("Message-Id = %q", id)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
	if body := strings.ReplaceAll(g.body, "\r\n", "\n"); !strings.Contains(body, "Welcome to Elm Road watch.\nSee you soon.") {
		t.Errorf("body = %q", g.body)
	}
	// Sent mail is not claimed again.
	if left, err := ws.ClaimMail(ctx, time.Now().Add(time.Hour), time.Minute, 10); err != nil || len(left) != 0 {
		t.Errorf("after sending, claim = %v, %v; want none", left, err)
	}
	if !strings.Contains(h.Get("Message-Id"), fmt.Sprintf("outbox.%d.", m.ID)) {
		t.Errorf("Message-Id = %q, want mail %d", h.Get("Message-Id"), m.ID)
	}
}

// A relay that is down leaves the mail queued with a retry time; once it
// is up the mail goes exactly once.
func TestRetryUntilUp(t *testing.T) {
	ctx := context.Background()
	ws := openStore(t)
	sk := startSink(t, "127.0.0.1:0")
	addr := sk.addr
	sk.stop()

	m := enqueue(t, ws, "bob@example.org", "New message", "Hello")
	var logs bytes.Buffer
	now := time.Now()
	l := &Loop{Store: ws, Sender: newSender(t, addr), Log: slog.New(slog.NewTextHandler(&logs, nil)),
		BaseDelay: time.Minute, Now: func() time.Time { return now }}

	r, err := l.Drain(ctx)
	if err != nil || r.Retried != 1 || r.Sent != 0 {
		t.Fatalf("Drain with the relay down = %+v, %v; want 1 retried", r, err)
	}
	if strings.Contains(logs.String(), "bob@example.org") {
		t.Errorf("logs name the recipient: %s", logs.String())
	}
	// Not due before its backoff.
	if c, err := ws.ClaimMail(ctx, now.Add(59*time.Second), time.Second, 10); err != nil || len(c) != 0 {
		t.Fatalf("claim before the retry time = %v, %v; want none", c, err)
	}
	// Due after it, with the failure recorded.
	c, err := ws.ClaimMail(ctx, now.Add(61*time.Second), time.Nanosecond, 10)
	if err != nil || len(c) != 1 || c[0].ID != m.ID || c[0].Attempts != 1 || c[0].LastError == "" {
		t.Fatalf("claim after the retry time = %+v, %v; want mail %d, 1 attempt, an error", c, err, m.ID)
	}

	sk2 := startSink(t, addr)
	now = now.Add(2 * time.Minute)
	if r, err := l.Drain(ctx); err != nil || r.Sent != 1 {
		t.Fatalf("Drain with the relay up = %+v, %v; want 1 sent", r, err)
	}
	now = now.Add(24 * time.Hour)
	if r, err := l.Drain(ctx); err != nil || r != (Result{}) {
		t.Fatalf("Drain again = %+v, %v; want nothing", r, err)
	}
	if got := sk2.mails(); len(got) != 1 || got[0].msg.Header.Get("Subject") != "New message" {
		t.Fatalf("sink got %d mails, want the one exactly once", len(got))
	}
}

type failing struct{ calls int }

func (f *failing) Send(context.Context, watch.OutboxMail) error {
	f.calls++
	return errBounce
}

var errBounce = &bounce{}

type bounce struct{}

func (*bounce) Error() string { return "550 <carol@example.org>: no such user" }

func TestGiveUp(t *testing.T) {
	ctx := context.Background()
	ws := openStore(t)
	enqueue(t, ws, "carol@example.org", "s", "b")
	var logs bytes.Buffer
	now := time.Now()
	f := &failing{}
	l := &Loop{Store: ws, Sender: f, Log: slog.New(slog.NewTextHandler(&logs, nil)), MaxAttempts: 3,
		BaseDelay: time.Second, Now: func() time.Time { return now }}
	var total Result
	for range 10 {
		r, err := l.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Sent += r.Sent
		total.Retried += r.Retried
		total.GivenUp += r.GivenUp
		now = now.Add(time.Hour)
	}
	if f.calls != 3 || total != (Result{Retried: 2, GivenUp: 1}) {
		t.Errorf("calls %d, result %+v; want 3 calls, 2 retried, 1 given up", f.calls, total)
	}
	if !strings.Contains(logs.String(), "mail given up") || strings.Contains(logs.String(), "carol@") {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{
		{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {7, 64 * time.Minute},
		{9, 4 * time.Hour}, {10, 4 * time.Hour}, {1000, 4 * time.Hour},
	} {
		if got := Backoff(tc.attempts, time.Minute, 4*time.Hour); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempts, got, tc.want)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ws := openStore(t)
	sk := startSink(t, "127.0.0.1:0")
	enqueue(t, ws, "dan@example.org", "s", "b")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&Loop{Store: ws, Sender: newSender(t, sk.addr), Interval: 10 * time.Millisecond}).Run(ctx)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(sk.mails()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := len(sk.mails()); n != 1 {
		t.Errorf("sink got %d mails, want 1", n)
	}
}

func TestNewSMTP(t *testing.T) {
	for _, tc := range []struct {
		url, from string
		addr      string // empty when an error is wanted
	}{
		{"smtp://relay.example:2525", "w@x.example", "relay.example:2525"},
		{"smtp://u:p@relay.example", "w@x.example", "relay.example:587"},
		{"smtps://u:p@relay.example", "w@x.example", "relay.example:465"},
		{"http://relay.example", "w@x.example", ""},
		{"smtp://relay.example:0", "w@x.example", ""},
		{"smtp://:25", "w@x.example", ""},
		{"smtp://relay.example", "", ""},
		{"smtp://relay.example", "not an address", ""},
		{"smtp://u:secret@relay.example:bad%", "w@x.example", ""},
	} {
		s, err := NewSMTP(tc.url, tc.from)
		if tc.addr == "" {
			if err == nil {
				t.Errorf("NewSMTP(%q, %q) = nil error", tc.url, tc.from)
			} else if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
			continue
		}
		if err != nil || s.Addr() != tc.addr {
			t.Errorf("NewSMTP(%q) = %v, %v; want %s", tc.url, s, err, tc.addr)
		}
	}
}

func FuzzNewSMTP(f *testing.F) {
	f.Add("smtp://u:p@relay.example:587", "w@x.example")
	f.Add("smtps://relay.example", "a <b@c>")
	f.Fuzz(func(t *testing.T, u, from string) {
		s, err := NewSMTP(u, from)
		if err == nil && s.Addr() == "" {
			t.Fatal("no address")
		}
	})
}

type nopSender struct{}

func (nopSender) Send(context.Context, watch.OutboxMail) error { return nil }

// BenchmarkDrain is the store's cost of one mail: claim and mark sent.
func BenchmarkDrain(b *testing.B) {
	ctx := context.Background()
	ws, err := store.Open(ctx, filepath.Join(b.TempDir(), "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	l := &Loop{Store: ws, Sender: nopSender{}}
	for b.Loop() {
		b.StopTimer()
		for range 20 {
			if _, err := ws.EnqueueMail(ctx, watch.OutboxMail{To: "a@example.org", Subject: "s", Body: "b", NextAttempt: time.Now(), Created: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if r, err := l.Drain(ctx); err != nil || r.Sent != 20 {
			b.Fatalf("Drain = %+v, %v", r, err)
		}
	}
}
