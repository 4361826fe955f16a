package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"crimemap/neighbourhood"
	"crimemap/store/postgres"
	"crimemap/store/postgres/pgtest"
	"crimemap/store/sqlite"
	"crimemap/watch"
)

// onBothStores runs test on a staff fixture over SQLite and over
// PostgreSQL, where transactions run side by side (skipped without
// CRIMEMAP_TEST_POSTGRES).
func onBothStores(t *testing.T, test func(t *testing.T, f *watchFixture)) {
	for _, b := range []struct {
		name string
		open func(t *testing.T) (watch.Store, error)
	}{
		{"sqlite", func(t *testing.T) (watch.Store, error) {
			return sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "watch.db"))
		}},
		{"postgres", func(t *testing.T) (watch.Store, error) {
			return postgres.Open(context.Background(), pgtest.FreshDSN(t))
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			st, err := b.open(t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			test(t, staffFixture(t, newWatchFixtureOn(t, st)))
		})
	}
}

type poster struct {
	c    *http.Client
	csrf string
}

// raceAnswers posts each path with its poster's form at the same moment
// and returns the status codes, in order.
func raceAnswers(t *testing.T, f *watchFixture, ps []poster, paths []string, form url.Values) []int {
	start := make(chan struct{})
	codes := make([]int, len(paths))
	var wg sync.WaitGroup
	for k, p := range paths {
		wg.Go(func() {
			v := url.Values{"csrf": {ps[k].csrf}}
			for key, vals := range form {
				v[key] = vals
			}
			<-start
			resp, _ := wfetch(t, ps[k].c, "POST", f.ts.URL+p, v)
			codes[k] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// audited is how many audit entries record action on subject id.
func audited(t *testing.T, st watch.Store, subject string, id int64, action string) int {
	t.Helper()
	log, err := st.AuditLog(context.Background(), watch.AuditFilter{Subject: subject, SubjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestInboxDecisionRace has the scheme's coordinator and an admin act on
// the same application or thread at once. Of two deciding an application
// or closing a thread one is told 409; the decision that stood, and only
// it, is mailed and audited.
func TestInboxDecisionRace(t *testing.T) {
	onBothStores(t, func(t *testing.T, f *watchFixture) {
		ctx := context.Background()
		cc, ccsrf := f.actor(t, "coord@example.org")
		ac, acsrf := f.actor(t, "admin@example.org")
		both := []poster{{cc, ccsrf}, {ac, acsrf}}
		outbox(t, f.st)
		for round := range 6 {
			a, err := f.st.CreateApplication(ctx, watch.Application{SchemeID: f.active.ID, Name: "A", Email: "applicant@example.org",
				Address: "ME14 1AA", Consent: true, TokenHash: watch.HashToken("race-app-" + itoa(int64(round))), Created: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			base := "/watch/inbox/applications/" + itoa(a.ID)
			codes := raceAnswers(t, f, both, []string{base + "/approve", base + "/decline"}, nil)
			won := slices.Index(codes, 303)
			if sorted := slices.Sorted(slices.Values(codes)); !slices.Equal(sorted, []int{303, 409}) {
				t.Fatalf("round %d: deciding answers %v, want one 303 and one 409", round, codes)
			}
			decisions := []watch.ApplicationStatus{watch.ApplicationApproved, watch.ApplicationDeclined}
			status, refused := decisions[won], decisions[1-won]
			if got, _ := f.st.Application(ctx, a.ID); got.Status != status {
				t.Errorf("round %d: application %s, want the 303's %s", round, got.Status, status)
			}
			if m := outbox(t, f.st); len(m) != 1 || m[0].To != "applicant@example.org" {
				t.Errorf("round %d: mails %+v, want one to the applicant", round, m)
			}
			if n, other := audited(t, f.st, "application", a.ID, string(status)), audited(t, f.st, "application", a.ID, string(refused)); n != 1 || other != 0 {
				t.Errorf("round %d: %d audit entries of the decision that stood, %d of the refused one", round, n, other)
			}

			m, err := f.st.CreateMessage(ctx, watch.Message{SchemeID: f.active.ID, Name: "M", Email: "writer@example.org",
				Text: "Hello", TokenHash: watch.HashToken("race-msg-" + itoa(int64(round))), Created: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			path := "/watch/inbox/messages/" + itoa(m.ID) + "/close"
			codes = raceAnswers(t, f, both, []string{path, path}, nil)
			if sorted := slices.Sorted(slices.Values(codes)); !slices.Equal(sorted, []int{303, 409}) {
				t.Errorf("round %d: closing answers %v, want one 303 and one 409", round, codes)
			}
			if n := audited(t, f.st, "message", m.ID, "close"); n != 1 {
				t.Errorf("round %d: %d audit entries of closing, want 1", round, n)
			}
		}
	})
}

// auditDown is a store whose separate audit writes fail once down is set,
// as when the audit log alone cannot be written.
type auditDown struct {
	watch.Store
	down atomic.Bool
}

func (a *auditDown) Audit(ctx context.Context, e watch.AuditEntry) error {
	return a.AuditBatch(ctx, []watch.AuditEntry{e})
}

func (a *auditDown) AuditBatch(ctx context.Context, es []watch.AuditEntry) error {
	if a.down.Load() {
		return errors.New("audit log unavailable")
	}
	return a.Store.AuditBatch(ctx, es)
}

// TestDecisionsAuditedWithChange makes each decision of a coordinator and
// of staff while separate audit writes fail: each is recorded in the
// audit log in its own transaction, so none stands unaudited.
func TestDecisionsAuditedWithChange(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	st := &auditDown{Store: f.st}
	f.serveStaff(t, st)
	f.seedInbox(t, 1, 1)
	apps, err := f.st.ListApplications(ctx, f.active.ID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := f.st.ListMessages(ctx, f.active.ID)
	if err != nil {
		t.Fatal(err)
	}
	cc, ccsrf := f.actor(t, "coord@example.org")
	kc, kcsrf := f.actor(t, "kent@example.org")
	hc, hcsrf := f.actor(t, "hants@example.org")
	st.down.Store(true)
	lastEdit := func() int64 {
		edits, err := f.st.TeamEdits(ctx, "hampshire", "SO14")
		if err != nil || len(edits) == 0 {
			t.Fatalf("team edits: %v %v", edits, err)
		}
		return edits[len(edits)-1].ID
	}
	for _, d := range []struct {
		c               *http.Client
		csrf, path      string
		form            url.Values
		subject, action string
		id              func() int64
	}{
		{cc, ccsrf, "/watch/inbox/applications/" + itoa(apps[0].ID) + "/approve", nil, "application", "approved", func() int64 { return apps[0].ID }},
		{cc, ccsrf, "/watch/inbox/messages/" + itoa(msgs[0].ID) + "/reply", url.Values{"text": {"Tuesday."}}, "message", "reply", func() int64 { return msgs[0].ID }},
		{cc, ccsrf, "/watch/inbox/messages/" + itoa(msgs[0].ID) + "/close", nil, "message", "close", func() int64 { return msgs[0].ID }},
		{kc, kcsrf, "/watch/staff/schemes/" + itoa(f.pending.ID) + "/approve", nil, "scheme", "approved", func() int64 { return f.pending.ID }},
		{hc, hcsrf, so14, url.Values{neighbourhood.FieldPriorities: {`[{"issue": "Parking"}]`}}, "team_edit", "edit", lastEdit},
	} {
		form := url.Values{"csrf": {d.csrf}}
		for k, v := range d.form {
			form[k] = v
		}
		if resp, body := wfetch(t, d.c, "POST", f.ts.URL+d.path, form); resp.StatusCode != 303 {
			t.Errorf("%s: %d %.300s", d.path, resp.StatusCode, body)
		}
		if n := audited(t, f.st, d.subject, d.id(), d.action); n != 1 {
			t.Errorf("%s: %d audit entries %q of %s %d, want 1", d.path, n, d.action, d.subject, d.id())
		}
	}
}
