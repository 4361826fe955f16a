package watch_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"crimemap/store/sqlite"
	"crimemap/watch"
)

// TestSweepEvery checks that the loop sweeps at once, reports, and ends
// with its context.
func TestSweepEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, watch.User{Email: "c@example.org", Role: watch.RoleCoordinator, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := s.CreateSession(ctx, watch.Session{TokenHash: watch.HashToken("t"), UserID: u.ID, Created: old, Expires: old.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got := make(chan watch.SweepResult, 4)
	done := make(chan struct{})
	go func() {
		watch.SweepEvery(ctx, s, time.Hour, watch.DefaultRetention, func(r watch.SweepResult, err error) {
			if err != nil {
				t.Error(err)
			}
			got <- r
		})
		close(done)
	}()
	select {
	case r := <-got:
		if r.Sessions != 1 {
			t.Errorf("swept %d sessions, want 1", r.Sessions)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no sweep")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SweepEvery did not end with its context")
	}
}
