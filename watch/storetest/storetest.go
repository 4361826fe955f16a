// Package storetest is the contract every watch.Store implementation
// passes: Run from each back end's tests, with a fresh, empty store per
// subtest.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/fault"
	"crimemap/watch"
)

// NewStore returns a fresh, empty store, closed by the test's cleanup.
type NewStore func(t testing.TB) watch.Store

// t0 is a fixed time with microsecond precision, as stores keep it.
var t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

// Run runs the contract against stores from newStore.
func Run(t *testing.T, newStore NewStore) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, watch.Store)
	}{
		{"Schemes", testSchemes},
		{"Coordinators", testCoordinators},
		{"DecideScheme", testDecideScheme},
		{"DecideSchemeConcurrently", decideConcurrently},
		{"DecideApplicationConcurrently", decideApplicationConcurrently},
		{"CloseConcurrently", closeConcurrently},
		{"DecisionsAudited", testDecisionsAudited},
		{"RegisterScheme", testRegisterScheme},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"SignInFailures", testSignInFailures},
		{"Applications", testApplications},
		{"Messages", testMessages},
		{"Outbox", testOutbox},
		{"ClaimConcurrently", claimConcurrently},
		{"Audit", testAudit},
		{"AuditBatch", testAuditBatch},
		{"TeamEdits", testTeamEdits},
		{"Sweep", testSweep},
		{"Validation", testValidation},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

// must fails the test on err, else gives v: must(call())(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantKind(t testing.TB, err error, k fault.Kind) {
	t.Helper()
	if !fault.Is(err, k) {
		t.Fatalf("error %v: kind %v, want %v", err, fault.KindOf(err), k)
	}
}

// Fixtures, each valid.

func scheme(name string) watch.Scheme {
	return watch.Scheme{
		Name: name, Description: "Streets around the green.\nMeets monthly.", Force: "leicestershire",
		Contact: "https://example.org/watch/" + name, Status: watch.SchemeActive,
		Area:    watch.Area{Centre: orb.Point{-1.1333, 52.6333}, RadiusM: 400, Neighbourhood: "NC04"},
		Created: t0, Updated: t0,
	}
}

func user(t testing.TB, s watch.Store, email string, role watch.Role, force string) watch.User {
	t.Helper()
	return must(s.CreateUser(context.Background(), watch.User{
		Email: email, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", Role: role, Force: force, Created: t0,
	}))(t)
}

// Token returns a distinct token hash for fixture n.
func token(n int) []byte { return watch.HashToken(fmt.Sprintf("token-%d", n)) }

func application(schemeID int64, n int) watch.Application {
	return watch.Application{
		SchemeID: schemeID, Name: "Ada Lovelace", Email: fmt.Sprintf("ada%d@example.com", n), Address: "LE1 5WW",
		Message: "I live on the corner.", Consent: true, TokenHash: token(n), Created: t0,
	}
}

func mail(to string) watch.OutboxMail {
	return watch.OutboxMail{To: to, Subject: "New application", Body: "Someone asked to join.", Created: t0, NextAttempt: t0}
}

func testSchemes(t *testing.T, s watch.Store) {
	ctx := context.Background()
	circle := must(s.CreateScheme(ctx, scheme("green")))(t)
	poly := scheme("square")
	poly.Area = watch.Area{Polygon: orb.MultiPolygon{{{{-1.14, 52.63}, {-1.13, 52.63}, {-1.13, 52.64}, {-1.14, 52.63}}}}}
	poly.Force, poly.Status = "metropolitan", watch.SchemePending
	poly = must(s.CreateScheme(ctx, poly))(t)
	if circle.ID == 0 || poly.ID == circle.ID {
		t.Fatalf("ids %d, %d", circle.ID, poly.ID)
	}
	for _, want := range []watch.Scheme{circle, poly} {
		got := must(s.Scheme(ctx, want.ID))(t)
		equal(t, got, want)
	}
	got := must(s.ListSchemes(ctx, watch.SchemeFilter{}))(t)
	if len(got) != 2 || got[0].ID != circle.ID {
		t.Fatalf("list all: %+v", got)
	}
	got = must(s.ListSchemes(ctx, watch.SchemeFilter{Force: "metropolitan", Status: watch.SchemePending}))(t)
	if len(got) != 1 || got[0].ID != poly.ID {
		t.Fatalf("list by force and status: %+v", got)
	}
	if got = must(s.ListSchemes(ctx, watch.SchemeFilter{Status: watch.SchemeClosed}))(t); len(got) != 0 {
		t.Fatalf("list closed: %+v", got)
	}

	circle.Status, circle.Name, circle.Updated = watch.SchemeClosed, "green (closed)", t0.Add(time.Hour)
	circle.Created = time.Time{} // kept from the store
	updated := must(s.UpdateScheme(ctx, circle))(t)
	if !updated.Created.Equal(t0) {
		t.Fatalf("update lost created: %v", updated.Created)
	}
	equal(t, must(s.Scheme(ctx, circle.ID))(t), updated)

	_, err := s.Scheme(ctx, 9999)
	wantKind(t, err, fault.NotFound)
	missing := scheme("gone")
	missing.ID = 9999
	_, err = s.UpdateScheme(ctx, missing)
	wantKind(t, err, fault.NotFound)
}

func testCoordinators(t *testing.T, s watch.Store) {
	ctx := context.Background()
	a := user(t, s, "a@example.com", watch.RoleCoordinator, "")
	b := user(t, s, "b@example.com", watch.RoleCoordinator, "")
	staff := user(t, s, "staff@example.com", watch.RoleStaff, "leicestershire")
	sc := scheme("green")
	sc.Coordinators = []int64{b.ID, a.ID, b.ID}
	sc = must(s.CreateScheme(ctx, sc))(t)
	if !slices.Equal(sc.Coordinators, []int64{a.ID, b.ID}) {
		t.Fatalf("create: coordinators %v", sc.Coordinators)
	}
	if got := must(s.Scheme(ctx, sc.ID))(t).Coordinators; !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Fatalf("read: coordinators %v", got)
	}
	if err := s.SetCoordinators(ctx, sc.ID, []int64{b.ID}); err != nil {
		t.Fatal(err)
	}
	mine := must(s.ListSchemes(ctx, watch.SchemeFilter{CoordinatorID: a.ID}))(t)
	if len(mine) != 0 {
		t.Fatalf("a still coordinates %v", mine)
	}
	mine = must(s.ListSchemes(ctx, watch.SchemeFilter{CoordinatorID: b.ID}))(t)
	if len(mine) != 1 || !slices.Equal(mine[0].Coordinators, []int64{b.ID}) {
		t.Fatalf("b's schemes %+v", mine)
	}
	wantKind(t, s.SetCoordinators(ctx, sc.ID, []int64{staff.ID}), fault.Conflict)
	wantKind(t, s.SetCoordinators(ctx, sc.ID, []int64{9999}), fault.NotFound)
	wantKind(t, s.SetCoordinators(ctx, 9999, []int64{a.ID}), fault.NotFound)
	// A failed change leaves the coordinators as they were.
	if got := must(s.Scheme(ctx, sc.ID))(t).Coordinators; !slices.Equal(got, []int64{b.ID}) {
		t.Fatalf("after failed changes: %v", got)
	}

	// The public contact route may not be a coordinator's own address.
	leak := scheme("leak")
	leak.Contact = "mailto:A@example.com"
	leak.Coordinators = []int64{a.ID}
	_, err := s.CreateScheme(ctx, leak)
	wantKind(t, err, fault.Invalid)
	if n := len(must(s.ListSchemes(ctx, watch.SchemeFilter{}))(t)); n != 1 {
		t.Fatalf("a refused scheme was stored: %d schemes", n)
	}
}

func testUsers(t *testing.T, s watch.Store) {
	ctx := context.Background()
	u := user(t, s, "Admin@Example.com", watch.RoleAdmin, "")
	if u.Email != "admin@example.com" {
		t.Fatalf("email not normalised: %q", u.Email)
	}
	equal(t, must(s.User(ctx, u.ID))(t), u)
	equal(t, must(s.UserByEmail(ctx, " ADMIN@example.com"))(t), u)
	_, err := s.CreateUser(ctx, watch.User{Email: "admin@example.com", PasswordHash: "x", Role: watch.RoleCoordinator})
	wantKind(t, err, fault.Conflict)
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantKind(t, err, fault.NotFound)
	_, err = s.User(ctx, 9999)
	wantKind(t, err, fault.NotFound)

	noErr(t, s.CreateSession(ctx, watch.Session{TokenHash: token(1), UserID: u.ID, Created: t0, Expires: t0.Add(time.Hour)}))
	noErr(t, s.SetPassword(ctx, u.ID, "$argon2id$new"))
	if got := must(s.User(ctx, u.ID))(t).PasswordHash; got != "$argon2id$new" {
		t.Fatalf("password hash %q", got)
	}
	_, err = s.Session(ctx, token(1), t0)
	wantKind(t, err, fault.NotFound) // a new password signs out everywhere
	wantKind(t, s.SetPassword(ctx, 9999, "x"), fault.NotFound)
}

func testSessions(t *testing.T, s watch.Store) {
	ctx := context.Background()
	u := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	se := watch.Session{TokenHash: token(1), UserID: u.ID, Created: t0, Expires: t0.Add(time.Hour)}
	noErr(t, s.CreateSession(ctx, se))
	equal(t, must(s.Session(ctx, token(1), t0.Add(time.Minute)))(t), se)
	_, err := s.Session(ctx, token(1), t0.Add(time.Hour))
	wantKind(t, err, fault.NotFound) // expired
	_, err = s.Session(ctx, token(2), t0)
	wantKind(t, err, fault.NotFound)
	wantKind(t, s.CreateSession(ctx, se), fault.Conflict)
	wantKind(t, s.CreateSession(ctx, watch.Session{TokenHash: token(3), UserID: 9999, Expires: t0}), fault.NotFound)
	noErr(t, s.DeleteSession(ctx, token(1)))
	_, err = s.Session(ctx, token(1), t0)
	wantKind(t, err, fault.NotFound)
	noErr(t, s.DeleteSession(ctx, token(1)))
}

func testSignInFailures(t *testing.T, s watch.Store) {
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if n := must(s.RecordSignInFailure(ctx, "account:a@example.com", t0.Add(time.Duration(i)*time.Minute), t0))(t); n != i {
			t.Fatalf("failure %d counted %d", i, n)
		}
	}
	if n := must(s.RecordSignInFailure(ctx, "account:a@example.com", t0.Add(10*time.Minute), t0.Add(150*time.Second)))(t); n != 2 {
		t.Fatalf("window: %d failures, want 2", n)
	}
	if n := must(s.RecordSignInFailure(ctx, "addr:192.0.2.1", t0, t0))(t); n != 1 {
		t.Fatalf("other key: %d", n)
	}
	noErr(t, s.ClearSignInFailures(ctx, "account:a@example.com"))
	if n := must(s.RecordSignInFailure(ctx, "account:a@example.com", t0, t0))(t); n != 1 {
		t.Fatalf("after clear: %d", n)
	}
}

func testApplications(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	a := must(s.CreateApplication(ctx, application(sc.ID, 1), mail("coordinator@example.org")))(t)
	if a.ID == 0 || a.Status != watch.ApplicationPending {
		t.Fatalf("created %+v", a)
	}
	b := must(s.CreateApplication(ctx, application(sc.ID, 2)))(t)
	equal(t, must(s.Application(ctx, a.ID))(t), a)
	equal(t, must(s.ApplicationByToken(ctx, token(1)))(t), a)
	list := must(s.ListApplications(ctx, sc.ID))(t)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("list %+v", list)
	}
	if due := must(s.ClaimMail(ctx, t0, 0, 10))(t); len(due) != 1 || due[0].To != "coordinator@example.org" {
		t.Fatalf("the application's notification: %+v", due)
	}

	_, err := s.CreateApplication(ctx, application(sc.ID, 1))
	wantKind(t, err, fault.Conflict) // the same token twice
	_, err = s.CreateApplication(ctx, application(9999, 3))
	wantKind(t, err, fault.NotFound)
	bad := application(sc.ID, 4)
	_, err = s.CreateApplication(ctx, bad, watch.OutboxMail{To: "not an address"})
	wantKind(t, err, fault.Invalid)
	_, err = s.ApplicationByToken(ctx, token(4))
	wantKind(t, err, fault.NotFound) // nothing of a refused write remains

	d := must(s.DecideApplication(ctx, a.ID, watch.ApplicationApproved, t0.Add(time.Hour), watch.AuditEntry{}, mail("ada1@example.com")))(t)
	if d.Status != watch.ApplicationApproved || !d.Decided.Equal(t0.Add(time.Hour)) {
		t.Fatalf("decided %+v", d)
	}
	equal(t, must(s.Application(ctx, a.ID))(t), d)
	_, err = s.DecideApplication(ctx, a.ID, watch.ApplicationDeclined, t0, watch.AuditEntry{})
	wantKind(t, err, fault.Conflict)
	_, err = s.DecideApplication(ctx, b.ID, watch.ApplicationPending, t0, watch.AuditEntry{})
	wantKind(t, err, fault.Invalid)
	_, err = s.DecideApplication(ctx, 9999, watch.ApplicationDeclined, t0, watch.AuditEntry{})
	wantKind(t, err, fault.NotFound)
	if due := must(s.ClaimMail(ctx, t0, 0, 10))(t); len(due) != 2 {
		t.Fatalf("after deciding, %d mails due, want 2", len(due))
	}

	noErr(t, s.WithdrawApplication(ctx, token(2)))
	_, err = s.Application(ctx, b.ID)
	wantKind(t, err, fault.NotFound)
	wantKind(t, s.WithdrawApplication(ctx, token(2)), fault.NotFound)
}

func testMessages(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	coord := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	m := must(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "Bob", Email: "bob@example.com",
		Text: "Is there a meeting?", TokenHash: token(1), Created: t0}, mail("c@example.com")))(t)
	equal(t, must(s.Message(ctx, m.ID))(t), m)
	equal(t, must(s.MessageByToken(ctx, token(1)))(t), m)
	if list := must(s.ListMessages(ctx, sc.ID))(t); len(list) != 1 || list[0].ID != m.ID {
		t.Fatalf("list %+v", list)
	}
	r1 := must(s.AddReply(ctx, watch.Reply{MessageID: m.ID, AuthorID: coord.ID, Text: "Tuesday.", Created: t0.Add(time.Minute)}, watch.AuditEntry{},
		mail("bob@example.com")))(t)
	r2 := must(s.AddReply(ctx, watch.Reply{MessageID: m.ID, Text: "Thanks!", Created: t0.Add(2 * time.Minute)}, watch.AuditEntry{}))(t)
	got := must(s.Replies(ctx, m.ID))(t)
	if len(got) != 2 {
		t.Fatalf("replies %+v", got)
	}
	equal(t, got[0], r1)
	equal(t, got[1], r2)
	_, err := s.AddReply(ctx, watch.Reply{MessageID: 9999, Text: "x"}, watch.AuditEntry{})
	wantKind(t, err, fault.NotFound)

	noErr(t, s.CloseMessage(ctx, m.ID, t0.Add(time.Hour), watch.AuditEntry{}))
	wantKind(t, s.CloseMessage(ctx, m.ID, t0.Add(2*time.Hour), watch.AuditEntry{}), fault.Conflict)
	if c := must(s.Message(ctx, m.ID))(t).Closed; !c.Equal(t0.Add(time.Hour)) {
		t.Fatalf("closed at %v", c)
	}
	_, err = s.AddReply(ctx, watch.Reply{MessageID: m.ID, Text: "late"}, watch.AuditEntry{})
	wantKind(t, err, fault.Conflict)
	wantKind(t, s.CloseMessage(ctx, 9999, t0, watch.AuditEntry{}), fault.NotFound)

	noErr(t, s.WithdrawMessage(ctx, token(1)))
	_, err = s.Message(ctx, m.ID)
	wantKind(t, err, fault.NotFound)
	if got := must(s.Replies(ctx, m.ID))(t); len(got) != 0 {
		t.Fatalf("replies outlived their thread: %+v", got)
	}
	wantKind(t, s.WithdrawMessage(ctx, token(1)), fault.NotFound)
}

func testOutbox(t *testing.T, s watch.Store) {
	ctx := context.Background()
	a := must(s.EnqueueMail(ctx, mail("a@example.com")))(t)
	later := mail("b@example.com")
	later.NextAttempt = t0.Add(time.Hour)
	b := must(s.EnqueueMail(ctx, later))(t)
	due := must(s.ClaimMail(ctx, t0, 0, 10))(t)
	if len(due) != 1 {
		t.Fatalf("due %+v", due)
	}
	equal(t, due[0], a)
	noErr(t, s.MarkFailed(ctx, a.ID, "421 try later", t0.Add(time.Minute)))
	if due := must(s.ClaimMail(ctx, t0, 0, 10))(t); len(due) != 0 {
		t.Fatalf("a failed mail is due before its retry: %+v", due)
	}
	due = must(s.ClaimMail(ctx, t0.Add(time.Hour), 0, 10))(t)
	if len(due) != 2 || due[0].ID != a.ID || due[0].Attempts != 1 || due[0].LastError != "421 try later" || due[1].ID != b.ID {
		t.Fatalf("due later %+v", due)
	}

	// A claim hides the mail from other senders for the lease, then it is
	// due again.
	at := t0.Add(2 * time.Hour)
	claimed := must(s.ClaimMail(ctx, at, time.Minute, 1))(t)
	if len(claimed) != 1 || claimed[0].ID != a.ID || !claimed[0].NextAttempt.Equal(at.Add(time.Minute)) {
		t.Fatalf("claim 1: %+v", claimed)
	}
	if rest := must(s.ClaimMail(ctx, at, time.Minute, 10))(t); len(rest) != 1 || rest[0].ID != b.ID {
		t.Fatalf("a second sender took %+v", rest)
	}
	if again := must(s.ClaimMail(ctx, at.Add(time.Minute), 0, 10))(t); len(again) != 2 {
		t.Fatalf("after the lease: %+v", again)
	}

	noErr(t, s.MarkSent(ctx, a.ID, at))
	if due := must(s.ClaimMail(ctx, at.Add(time.Hour), 0, 10))(t); len(due) != 1 || due[0].ID != b.ID {
		t.Fatalf("after sending: %+v", due)
	}
	wantKind(t, s.MarkFailed(ctx, a.ID, "x", t0), fault.NotFound) // already sent
	wantKind(t, s.MarkSent(ctx, 9999, t0), fault.NotFound)
	_, err := s.EnqueueMail(ctx, watch.OutboxMail{To: "a@example.com", Subject: "x\ny", Body: "b"})
	wantKind(t, err, fault.Invalid)
}

// claimConcurrently checks that senders claiming at once never take the
// same mail: the contract for replicas sharing one store.
func claimConcurrently(t *testing.T, s watch.Store) {
	ctx := context.Background()
	const mails, senders = 200, 4
	for range mails {
		must(s.EnqueueMail(ctx, mail("a@example.com")))(t)
	}
	seen := make(chan int64, mails*senders)
	errs := make(chan error, senders)
	for range senders {
		go func() {
			for {
				got, err := s.ClaimMail(ctx, t0, time.Hour, 7)
				if err != nil || len(got) == 0 {
					errs <- err
					return
				}
				for _, m := range got {
					seen <- m.ID
				}
			}
		}()
	}
	for range senders {
		noErr(t, <-errs)
	}
	close(seen)
	taken := map[int64]bool{}
	for id := range seen {
		if taken[id] {
			t.Fatalf("mail %d claimed twice", id)
		}
		taken[id] = true
	}
	if len(taken) != mails {
		t.Fatalf("%d of %d mails claimed", len(taken), mails)
	}
}

func testAudit(t *testing.T, s watch.Store) {
	ctx := context.Background()
	staff := user(t, s, "s@example.com", watch.RoleStaff, "leicestershire")
	entries := []watch.AuditEntry{
		{At: t0, ActorID: staff.ID, Action: "read", Subject: "application", SubjectID: 1},
		{At: t0.Add(time.Second), ActorID: staff.ID, Action: "approve", Subject: "application", SubjectID: 1, Detail: "approved"},
		{At: t0.Add(2 * time.Second), ActorID: staff.ID + 1, Action: "read", Subject: "message", SubjectID: 7},
	}
	for _, e := range entries {
		noErr(t, s.Audit(ctx, e))
	}
	got := must(s.AuditLog(ctx, watch.AuditFilter{Subject: "application", SubjectID: 1}))(t)
	if len(got) != 2 || got[0].Action != "approve" || got[1].Action != "read" || !got[0].At.Equal(entries[1].At) {
		t.Fatalf("by subject, newest first: %+v", got)
	}
	if got := must(s.AuditLog(ctx, watch.AuditFilter{ActorID: staff.ID + 1}))(t); len(got) != 1 || got[0].SubjectID != 7 {
		t.Fatalf("by actor: %+v", got)
	}
	if got := must(s.AuditLog(ctx, watch.AuditFilter{Limit: 1}))(t); len(got) != 1 || got[0].Subject != "message" {
		t.Fatalf("limit: %+v", got)
	}
}

func testAuditBatch(t *testing.T, s watch.Store) {
	ctx := context.Background()
	noErr(t, s.AuditBatch(ctx, nil))
	// More rows than one INSERT takes, so a batch spans statements.
	const n = 1203
	batch := make([]watch.AuditEntry, n)
	for i := range batch {
		batch[i] = watch.AuditEntry{At: t0.Add(time.Duration(i) * time.Microsecond), ActorID: 5, Action: "read", Subject: "application", SubjectID: int64(i + 1)}
	}
	noErr(t, s.AuditBatch(ctx, batch))
	got := must(s.AuditLog(ctx, watch.AuditFilter{ActorID: 5, Limit: n + 1}))(t)
	if len(got) != n {
		t.Fatalf("%d entries, want %d", len(got), n)
	}
	for i, e := range got { // newest first
		want := batch[n-1-i]
		if e.SubjectID != want.SubjectID || !e.At.Equal(want.At) || e.Action != "read" || e.Subject != "application" {
			t.Fatalf("entry %d: %+v, want %+v", i, e, want)
		}
	}
	// One invalid entry refuses the whole batch.
	bad := []watch.AuditEntry{
		{At: t0, ActorID: 6, Action: "read", Subject: "message", SubjectID: 1},
		{At: t0, ActorID: 6, Subject: "message", SubjectID: 2},
	}
	wantKind(t, s.AuditBatch(ctx, bad), fault.Invalid)
	if got := must(s.AuditLog(ctx, watch.AuditFilter{ActorID: 6}))(t); len(got) != 0 {
		t.Fatalf("a refused batch wrote %d entries", len(got))
	}
	// A cancelled context writes nothing either.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.AuditBatch(cctx, bad[:1]); err == nil {
		t.Fatal("a cancelled batch succeeded")
	}
	if got := must(s.AuditLog(ctx, watch.AuditFilter{ActorID: 6}))(t); len(got) != 0 {
		t.Fatalf("a cancelled batch wrote %d entries", len(got))
	}
}

func testTeamEdits(t *testing.T, s watch.Store) {
	ctx := context.Background()
	staff := user(t, s, "s@example.com", watch.RoleStaff, "leicestershire")
	e1 := must(s.RecordTeamEdit(ctx, watch.TeamEdit{Force: "leicestershire", Neighbourhood: "NC04", Field: "priorities",
		Old: "", New: "Parking", By: staff.ID, At: t0}, watch.AuditEntry{}))(t)
	e2 := must(s.RecordTeamEdit(ctx, watch.TeamEdit{Force: "leicestershire", Neighbourhood: "NC04", Field: "priorities",
		Old: "Parking", New: "Speeding", By: staff.ID, At: t0.Add(time.Hour)}, watch.AuditEntry{}))(t)
	must(s.RecordTeamEdit(ctx, watch.TeamEdit{Force: "leicestershire", Neighbourhood: "NC05", Field: "team",
		New: "[]", By: staff.ID, At: t0}, watch.AuditEntry{}))(t)
	got := must(s.TeamEdits(ctx, "leicestershire", "NC04"))(t)
	if len(got) != 2 {
		t.Fatalf("edits %+v", got)
	}
	equal(t, got[0], e1)
	equal(t, got[1], e2)
	ov := must(s.TeamOverrides(ctx, "leicestershire", "NC04"))(t)
	if len(ov) != 1 || ov["priorities"] != "Speeding" {
		t.Fatalf("overrides %v", ov)
	}
	_, err := s.RecordTeamEdit(ctx, watch.TeamEdit{Force: "leicestershire", Neighbourhood: "NC04", Field: "team", By: 9999, At: t0}, watch.AuditEntry{})
	wantKind(t, err, fault.NotFound)
}

func testSweep(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	u := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	old := must(s.CreateApplication(ctx, application(sc.ID, 1)))(t)
	recent := must(s.CreateApplication(ctx, application(sc.ID, 2)))(t)
	pending := must(s.CreateApplication(ctx, application(sc.ID, 3)))(t)
	must(s.DecideApplication(ctx, old.ID, watch.ApplicationDeclined, t0, watch.AuditEntry{}))(t)
	must(s.DecideApplication(ctx, recent.ID, watch.ApplicationApproved, t0.Add(48*time.Hour), watch.AuditEntry{}))(t)
	closed := must(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "B", Email: "b@example.com", Text: "x", TokenHash: token(10), Created: t0}))(t)
	open := must(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "B", Email: "b@example.com", Text: "y", TokenHash: token(11), Created: t0}))(t)
	noErr(t, s.CloseMessage(ctx, closed.ID, t0, watch.AuditEntry{}))
	noErr(t, s.CreateSession(ctx, watch.Session{TokenHash: token(20), UserID: u.ID, Created: t0, Expires: t0.Add(time.Hour)}))
	noErr(t, s.CreateSession(ctx, watch.Session{TokenHash: token(21), UserID: u.ID, Created: t0, Expires: t0.Add(100 * time.Hour)}))
	must(s.RecordSignInFailure(ctx, "k", t0, t0))(t)

	r := must(s.Sweep(ctx, t0.Add(24*time.Hour), t0.Add(2*time.Hour), t0.Add(time.Minute)))(t)
	if r != (watch.SweepResult{Applications: 1, Messages: 1, Sessions: 1, SignIns: 1}) {
		t.Fatalf("sweep %+v", r)
	}
	_, err := s.Application(ctx, old.ID)
	wantKind(t, err, fault.NotFound)
	_, err = s.Message(ctx, closed.ID)
	wantKind(t, err, fault.NotFound)
	for _, id := range []int64{recent.ID, pending.ID} {
		must(s.Application(ctx, id))(t)
	}
	must(s.Message(ctx, open.ID))(t)
	must(s.Session(ctx, token(21), t0))(t)
	if r := must(s.Sweep(ctx, t0.Add(24*time.Hour), t0.Add(2*time.Hour), t0.Add(time.Minute)))(t); r != (watch.SweepResult{}) {
		t.Fatalf("second sweep %+v", r)
	}
}

func testValidation(t *testing.T, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("green")))(t)
	long := string(make([]byte, watch.MaxText+1))
	for _, c := range []struct {
		name string
		err  error
		kind fault.Kind
	}{
		{"scheme without a name", second(s.CreateScheme(ctx, watch.Scheme{Force: "x", Status: watch.SchemeActive})), fault.Invalid},
		{"application without consent", second(s.CreateApplication(ctx, func() watch.Application {
			a := application(sc.ID, 1)
			a.Consent = false
			return a
		}())), fault.Invalid},
		{"message too long", second(s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "B", Email: "b@example.com",
			Text: long, TokenHash: token(2)})), fault.TooLarge},
		{"user with a bad role", second(s.CreateUser(ctx, watch.User{Email: "x@example.com", PasswordHash: "h", Role: "root"})), fault.Invalid},
		{"reply empty", second(s.AddReply(ctx, watch.Reply{MessageID: 1}, watch.AuditEntry{})), fault.Invalid},
		{"audit without an action", s.Audit(ctx, watch.AuditEntry{Subject: "application"}), fault.Invalid},
	} {
		if !fault.Is(c.err, c.kind) {
			t.Errorf("%s: %v (kind %v), want %v", c.name, c.err, fault.KindOf(c.err), c.kind)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// equal compares two values field by field, times by instant.
func equal[T any](t testing.TB, got, want T) {
	t.Helper()
	if !equalValues(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

var errUnequal = errors.New("unequal")

func equalValues(a, b any) bool { return compare(a, b) == nil }
