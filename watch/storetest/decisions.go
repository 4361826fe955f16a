package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"crimemap/fault"
	"crimemap/watch"
)

// race runs each of fns at the same moment and returns their errors.
func race(fns ...func() error) []error {
	start := make(chan struct{})
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for k, fn := range fns {
		wg.Go(func() {
			<-start
			errs[k] = fn()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWon fails the test unless exactly one of two racing errors is nil
// and the other a conflict; it returns the winner's index.
func oneWon(t testing.TB, round int, errs []error) int {
	t.Helper()
	won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	if won < 0 || errs[1-won] == nil || !fault.Is(errs[1-won], fault.Conflict) {
		t.Fatalf("round %d: errors %v, want one nil and one conflict", round, errs)
	}
	return won
}

// decideApplicationConcurrently has two coordinators decide each pending
// application at once: exactly one decision stands, the other is a
// conflict, and only the one that stood is mailed.
func decideApplicationConcurrently(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	for i := range 20 {
		a := must(s.CreateApplication(ctx, application(sc.ID, i)))(t)
		decide := func(to watch.ApplicationStatus) func() error {
			return func() error {
				m := mail(a.Email)
				m.Subject = string(to)
				_, err := s.DecideApplication(ctx, a.ID, to, t0, watch.AuditEntry{}, m)
				return err
			}
		}
		oneWon(t, i, race(decide(watch.ApplicationApproved), decide(watch.ApplicationDeclined)))
		st := must(s.Application(ctx, a.ID))(t).Status
		if m := due(t, s); len(m) != 1 || m[0].Subject != string(st) {
			t.Fatalf("round %d: application %s, mails %+v, want one of the decision that stood", i, st, m)
		}
	}
}

// closeConcurrently has two coordinators close each thread at once: one
// closes it, the other is told it is already closed, and the thread keeps
// the first close's time, from which its retention counts.
func closeConcurrently(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	for i := range 20 {
		m := must(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "Bob", Email: "bob@example.com",
			Text: "Hello", TokenHash: token(i), Created: t0}))(t)
		at := []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour)}
		closeAt := func(k int) func() error {
			return func() error { return s.CloseMessage(ctx, m.ID, at[k], watch.AuditEntry{}) }
		}
		won := oneWon(t, i, race(closeAt(0), closeAt(1)))
		if c := must(s.Message(ctx, m.ID))(t).Closed; !c.Equal(at[won]) {
			t.Fatalf("round %d: closed at %v, want the winner's %v", i, c, at[won])
		}
	}
}

// testDecisionsAudited makes each decision with its audit entry: the entry
// is written with it, its subject id filled in where the store makes the
// row. An invalid entry refuses the decision whole: no change, no mail.
func testDecisionsAudited(t *testing.T, s watch.Store) {
	ctx := context.Background()
	c := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	staff := user(t, s, "s@example.com", watch.RoleStaff, "leicestershire")
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	pending := pendingScheme(t, s, "square", c.ID)
	a := must(s.CreateApplication(ctx, application(sc.ID, 1)))(t)
	m := must(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "Bob", Email: "bob@example.com",
		Text: "Hello", TokenHash: token(2), Created: t0}))(t)
	edit := watch.TeamEdit{Force: "leicestershire", Neighbourhood: "NC04", Field: "priorities", New: "Parking", By: staff.ID, At: t0}
	by := func(actor int64, action, subject string, id int64) watch.AuditEntry {
		return watch.AuditEntry{At: t0, ActorID: actor, Action: action, Subject: subject, SubjectID: id, Detail: "d"}
	}
	for _, d := range []struct {
		name  string
		entry watch.AuditEntry
		do    func(watch.AuditEntry) error
		// unchanged reports whether the decision left no trace.
		unchanged func() bool
	}{
		{"scheme", by(staff.ID, "approved", "scheme", pending.ID), func(e watch.AuditEntry) error {
			return second(s.DecideScheme(ctx, pending.ID, watch.SchemeActive, t0, e, mail("c@example.com")))
		}, func() bool { return must(s.Scheme(ctx, pending.ID))(t).Status == watch.SchemePending }},
		{"application", by(c.ID, "approved", "application", a.ID), func(e watch.AuditEntry) error {
			return second(s.DecideApplication(ctx, a.ID, watch.ApplicationApproved, t0, e, mail(a.Email)))
		}, func() bool { return must(s.Application(ctx, a.ID))(t).Status == watch.ApplicationPending }},
		{"reply", by(c.ID, "reply", "message", m.ID), func(e watch.AuditEntry) error {
			return second(s.AddReply(ctx, watch.Reply{MessageID: m.ID, AuthorID: c.ID, Text: "Tuesday.", Created: t0}, e, mail("bob@example.com")))
		}, func() bool { return len(must(s.Replies(ctx, m.ID))(t)) == 0 }},
		{"close", by(c.ID, "close", "message", m.ID), func(e watch.AuditEntry) error {
			return s.CloseMessage(ctx, m.ID, t0, e)
		}, func() bool { return must(s.Message(ctx, m.ID))(t).Closed.IsZero() }},
		{"team edit", by(staff.ID, "edit", "team_edit", 0), func(e watch.AuditEntry) error {
			return second(s.RecordTeamEdit(ctx, edit, e))
		}, func() bool { return len(must(s.TeamEdits(ctx, edit.Force, edit.Neighbourhood))(t)) == 0 }},
	} {
		bad := d.entry
		bad.Action = ""
		wantKind(t, d.do(bad), fault.Invalid)
		if !d.unchanged() || len(due(t, s)) != 0 {
			t.Fatalf("%s: a decision with an invalid audit entry was made", d.name)
		}
		noErr(t, d.do(d.entry))
		if d.unchanged() {
			t.Fatalf("%s: not made", d.name)
		}
		want := d.entry
		if want.SubjectID == 0 {
			want.SubjectID = must(s.TeamEdits(ctx, edit.Force, edit.Neighbourhood))(t)[0].ID
		}
		got := must(s.AuditLog(ctx, watch.AuditFilter{ActorID: want.ActorID, Subject: want.Subject, Limit: 1}))(t)
		if len(got) != 1 {
			t.Fatalf("%s: no audit entry", d.name)
		}
		want.ID = got[0].ID
		equal(t, got[0], want)
		due(t, s)
	}
}
