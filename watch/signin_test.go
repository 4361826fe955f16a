package watch_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crimemap/store/sqlite"
	"crimemap/watch"
)

func TestSignInThrottles(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hash, err := watch.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, watch.User{Email: "c@example.org", PasswordHash: hash, Role: watch.RoleCoordinator})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, err := watch.SignIn(ctx, s, "nobody@example.org", "correct horse battery", "a1", now); !errors.Is(err, watch.ErrBadCredentials) {
		t.Errorf("unknown account: %v", err)
	}
	if _, _, err := watch.SignIn(ctx, s, strings.Repeat("x", 50000)+"@example.org", "whatever password", "a1", now); !errors.Is(err, watch.ErrBadCredentials) {
		t.Errorf("huge email: %v", err)
	}
	got, token, err := watch.SignIn(ctx, s, "C@example.org ", "correct horse battery", "a1", now)
	if err != nil || got.ID != u.ID {
		t.Fatalf("right password: %v", err)
	}
	se, err := s.Session(ctx, watch.HashToken(token), now)
	if err != nil || se.UserID != u.ID || !se.Expires.After(now) {
		t.Errorf("session %+v, %v", se, err)
	}
	// Failures from many addresses lock the account, right password or not.
	for i := 0; i < watch.MaxAccountFailures; i++ {
		if _, _, err := watch.SignIn(ctx, s, "c@example.org", "wrong password!!", "b"+string(rune('a'+i)), now); !errors.Is(err, watch.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, _, err := watch.SignIn(ctx, s, "c@example.org", "correct horse battery", "c1", now); !errors.Is(err, watch.ErrSignInLocked) {
		t.Errorf("locked account: %v", err)
	}
	if _, _, err := watch.SignIn(ctx, s, "c@example.org", "correct horse battery", "c1", now.Add(watch.SignInWindow+time.Second)); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// Attempts from one address on many accounts lock the address.
	later := now.Add(time.Hour)
	for i := 0; i < watch.MaxAddressAttempts; i++ {
		watch.SignIn(ctx, s, "x"+string(rune('a'+i))+"@example.org", "whatever password", "d1", later)
	}
	if _, _, err := watch.SignIn(ctx, s, "c@example.org", "correct horse battery", "d1", later); !errors.Is(err, watch.ErrSignInLocked) {
		t.Errorf("locked address: %v", err)
	}
}
