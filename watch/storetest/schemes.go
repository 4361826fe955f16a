package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"crimemap/fault"
	"crimemap/watch"
)

// due is every mail due by far in the future, taken so the next call sees
// only newer ones.
func due(t testing.TB, s watch.Store) []watch.OutboxMail {
	t.Helper()
	return must(s.ClaimMail(context.Background(), t0.Add(1000*time.Hour), time.Hour, 1000))(t)
}

func pendingScheme(t testing.TB, s watch.Store, name string, coordinators ...int64) watch.Scheme {
	t.Helper()
	sc := pendingSchemeOf(name)
	sc.Coordinators = coordinators
	return must(s.CreateScheme(context.Background(), sc))(t)
}

func testDecideScheme(t *testing.T, s watch.Store) {
	ctx := context.Background()
	c := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	sc := pendingScheme(t, s, "green", c.ID)
	at := t0.Add(time.Hour)
	got := must(s.DecideScheme(ctx, sc.ID, watch.SchemeActive, at, watch.AuditEntry{}, mail("c@example.com")))(t)
	want := sc
	want.Status, want.Updated = watch.SchemeActive, at
	equal(t, got, want)
	equal(t, must(s.Scheme(ctx, sc.ID))(t), want)
	if m := due(t, s); len(m) != 1 || m[0].To != "c@example.com" {
		t.Fatalf("the decision's mail: %+v", m)
	}

	_, err := s.DecideScheme(ctx, sc.ID, watch.SchemeClosed, at, watch.AuditEntry{}, mail("c@example.com"))
	wantKind(t, err, fault.Conflict)
	_, err = s.DecideScheme(ctx, 9999, watch.SchemeActive, at, watch.AuditEntry{})
	wantKind(t, err, fault.NotFound)
	other := pendingScheme(t, s, "square", c.ID)
	_, err = s.DecideScheme(ctx, other.ID, watch.SchemePending, at, watch.AuditEntry{})
	wantKind(t, err, fault.Invalid)
	_, err = s.DecideScheme(ctx, other.ID, watch.SchemeActive, at, watch.AuditEntry{}, watch.OutboxMail{To: "not an address", Subject: "s", Body: "b"})
	wantKind(t, err, fault.Invalid)
	if st := must(s.Scheme(ctx, other.ID))(t).Status; st != watch.SchemePending {
		t.Fatalf("a refused decision changed the status to %s", st)
	}
	if m := due(t, s); len(m) != 0 {
		t.Fatalf("refused decisions queued %+v", m)
	}
}

// decideConcurrently has two staff decide each pending scheme at once:
// exactly one decision stands, the other is a conflict, and only the one
// that stood is mailed.
func decideConcurrently(t *testing.T, s watch.Store) {
	ctx := context.Background()
	const rounds = 20
	c := user(t, s, "c@example.com", watch.RoleCoordinator, "")
	for i := range rounds {
		sc := pendingScheme(t, s, "green", c.ID)
		decide := func(to watch.SchemeStatus) func() error {
			return func() error {
				m := mail("c@example.com")
				m.Subject = string(to)
				return second(s.DecideScheme(ctx, sc.ID, to, t0, watch.AuditEntry{}, m))
			}
		}
		oneWon(t, i, race(decide(watch.SchemeActive), decide(watch.SchemeClosed)))
		st := must(s.Scheme(ctx, sc.ID))(t).Status
		m := due(t, s)
		if len(m) != 1 || m[0].Subject != string(st) {
			t.Fatalf("round %d: scheme %s, mails %+v, want one of the decision that stood", i, st, m)
		}
	}
}

func testRegisterScheme(t *testing.T, s watch.Store) {
	ctx := context.Background()
	user(t, s, "staff.b@example.com", watch.RoleStaff, "leicestershire")
	user(t, s, "staff.a@example.com", watch.RoleStaff, "leicestershire")
	user(t, s, "met@example.com", watch.RoleStaff, "metropolitan")
	user(t, s, "admin@example.com", watch.RoleAdmin, "")
	old := user(t, s, "old@example.com", watch.RoleCoordinator, "")
	reviewers := []string{"admin@example.com", "staff.a@example.com", "staff.b@example.com"}
	if got := must(s.StaffEmails(ctx, "leicestershire"))(t); !slices.Equal(got, reviewers) {
		t.Fatalf("staff emails %v, want %v", got, reviewers)
	}
	if got := must(s.StaffEmails(ctx, "nowhere"))(t); !slices.Equal(got, []string{"admin@example.com"}) {
		t.Fatalf("staff emails of a force without staff %v", got)
	}

	notice := watch.OutboxMail{Subject: "New scheme to review", Body: "See the staff page.", Created: t0, NextAttempt: t0}
	account := watch.User{Email: "New@Example.com", PasswordHash: "$argon2id$x", Role: watch.RoleCoordinator, Created: t0}
	reg := watch.Registration{Scheme: pendingSchemeOf("green"), Account: account, StaffNotice: notice}
	sc := must(s.RegisterScheme(ctx, reg, mail("new@example.com")))(t)
	u := must(s.UserByEmail(ctx, "new@example.com"))(t)
	if u.Role != watch.RoleCoordinator || !slices.Equal(sc.Coordinators, []int64{u.ID}) || sc.ID == 0 {
		t.Fatalf("registered %+v by %+v", sc, u)
	}
	equal(t, must(s.Scheme(ctx, sc.ID))(t), sc)
	var to []string
	for _, m := range due(t, s) {
		to = append(to, m.To)
		if m.To != "new@example.com" && (m.Subject != notice.Subject || m.Body != notice.Body) {
			t.Errorf("staff notice %+v", m)
		}
	}
	if want := append([]string{"new@example.com"}, reviewers...); !slices.Equal(to, want) {
		t.Fatalf("mailed %v, want %v", to, want)
	}

	// An existing coordinator registers under their account, without a
	// staff notice.
	reg = watch.Registration{Scheme: pendingSchemeOf("square"), CoordinatorID: old.ID}
	sc = must(s.RegisterScheme(ctx, reg))(t)
	if !slices.Equal(sc.Coordinators, []int64{old.ID}) {
		t.Fatalf("coordinators %v", sc.Coordinators)
	}
	if m := due(t, s); len(m) != 0 {
		t.Fatalf("mailed %+v", m)
	}

	// A registration that fails stores nothing: no scheme, no account, no
	// mail.
	before := len(must(s.ListSchemes(ctx, watch.SchemeFilter{}))(t))
	leak := pendingSchemeOf("leak")
	leak.Contact = "mailto:fresh@example.com" // the new coordinator's own address
	fresh := account
	fresh.Email = "fresh@example.com"
	for _, c := range []struct {
		name string
		reg  watch.Registration
		kind fault.Kind
	}{
		{"contact is the coordinator's own", watch.Registration{Scheme: leak, Account: fresh, StaffNotice: notice}, fault.Invalid},
		{"account exists", watch.Registration{Scheme: pendingSchemeOf("dup"), Account: func() watch.User {
			a := account
			a.Email = "OLD@example.com"
			return a
		}(), StaffNotice: notice}, fault.Conflict},
		{"no coordinator", watch.Registration{Scheme: pendingSchemeOf("none"), CoordinatorID: 9999, StaffNotice: notice}, fault.NotFound},
		{"staff as coordinator", watch.Registration{Scheme: pendingSchemeOf("staff"), CoordinatorID: must(s.UserByEmail(ctx, "met@example.com"))(t).ID}, fault.Conflict},
		{"bad notice", watch.Registration{Scheme: pendingSchemeOf("bad"), Account: fresh, StaffNotice: watch.OutboxMail{Subject: "x\ny", Body: "b"}}, fault.Invalid},
		{"bad scheme", watch.Registration{Scheme: watch.Scheme{Name: "x"}, Account: fresh}, fault.Invalid},
	} {
		_, err := s.RegisterScheme(ctx, c.reg, mail("fresh@example.com"))
		if !fault.Is(err, c.kind) {
			t.Errorf("%s: %v (kind %v), want %v", c.name, err, fault.KindOf(err), c.kind)
		}
	}
	if n := len(must(s.ListSchemes(ctx, watch.SchemeFilter{}))(t)); n != before {
		t.Errorf("failed registrations stored %d schemes", n-before)
	}
	_, err := s.UserByEmail(ctx, "fresh@example.com")
	wantKind(t, err, fault.NotFound)
	if m := due(t, s); len(m) != 0 {
		t.Errorf("failed registrations mailed %+v", m)
	}
}

func pendingSchemeOf(name string) watch.Scheme {
	sc := scheme(name)
	sc.Status = watch.SchemePending
	return sc
}
