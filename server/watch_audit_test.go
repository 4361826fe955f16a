package server_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crimemap/server"
	"crimemap/watch"
)

// auditCounter is a store that counts its audit writes and can refuse
// them.
type auditCounter struct {
	watch.Store
	mu      sync.Mutex
	singles int
	batches [][]watch.AuditEntry
	fail    bool
}

func (a *auditCounter) Audit(ctx context.Context, e watch.AuditEntry) error {
	a.mu.Lock()
	a.singles++
	a.mu.Unlock()
	return a.Store.Audit(ctx, e)
}

func (a *auditCounter) AuditBatch(ctx context.Context, es []watch.AuditEntry) error {
	a.mu.Lock()
	a.batches = append(a.batches, es)
	fail := a.fail
	a.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return a.Store.AuditBatch(ctx, es)
}

// seedInbox gives the fixture's active scheme apps applications and msgs
// messages.
func (f *watchFixture) seedInbox(t testing.TB, apps, msgs int) {
	t.Helper()
	ctx := context.Background()
	for i := range apps {
		if _, err := f.st.CreateApplication(ctx, watch.Application{SchemeID: f.active.ID, Name: "A", Email: "a@example.org",
			Address: "ME14 1AA", Consent: true, TokenHash: watch.HashToken("app" + strconv.Itoa(i)), Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range msgs {
		if _, err := f.st.CreateMessage(ctx, watch.Message{SchemeID: f.active.ID, Name: "M", Email: "m@example.org",
			Text: "Hello", TokenHash: watch.HashToken("msg" + strconv.Itoa(i)), Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInboxAuditsInOneBatch(t *testing.T) {
	f := newWatchFixture(t)
	f.seedInbox(t, 3, 2)
	counter := &auditCounter{Store: f.st}
	g := *f
	g.ts = httptest.NewServer(server.New(server.DefaultConfig(), server.Deps{Watch: counter}))
	t.Cleanup(g.ts.Close)
	c := browser(t)
	g.signIn(t, c, "coord@example.org")

	resp, body := wfetch(t, c, "GET", g.ts.URL+"/watch/inbox", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "a@example.org") {
		t.Fatalf("inbox: %d %.300s", resp.StatusCode, body)
	}
	if counter.singles != 0 || len(counter.batches) != 1 || len(counter.batches[0]) != 5 {
		t.Fatalf("audit writes: %d single, %d batches, want one batch of 5", counter.singles, len(counter.batches))
	}
	log, err := f.st.AuditLog(context.Background(), watch.AuditFilter{ActorID: f.coord.ID})
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]int{}
	for _, e := range log {
		reads[e.Action+" "+e.Subject]++
	}
	if reads["read application"] != 3 || reads["read message"] != 2 {
		t.Fatalf("audit log: %v", reads)
	}

	// A page that cannot record its reads does not show them.
	counter.mu.Lock()
	counter.fail = true
	counter.mu.Unlock()
	resp, body = wfetch(t, c, "GET", g.ts.URL+"/watch/inbox", nil)
	if resp.StatusCode != 500 || strings.Contains(body, "a@example.org") {
		t.Fatalf("inbox with the audit log failing: %d %.300s", resp.StatusCode, body)
	}
}
