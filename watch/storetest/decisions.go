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
				_, err := s.DecideApplication(ctx, a.ID, to, t0, m)
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
		closeAt := func(k int) func() error { return func() error { return s.CloseMessage(ctx, m.ID, at[k]) } }
		won := oneWon(t, i, race(closeAt(0), closeAt(1)))
		if c := must(s.Message(ctx, m.ID))(t).Closed; !c.Equal(at[won]) {
			t.Fatalf("round %d: closed at %v, want the winner's %v", i, c, at[won])
		}
	}
}
