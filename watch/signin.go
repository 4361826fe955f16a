package watch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"crimemap/fault"
)

// Sign-in throttling: past these many attempts in SignInWindow, an account
// or an address is refused until its attempts age out.
const (
	SignInWindow       = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressAttempts = 20
	// SessionTTL is how long a session lasts from sign-in.
	SessionTTL = 12 * time.Hour
)

// Sign-in errors.
var (
	ErrBadCredentials = fault.New(fault.Unauthenticated, "email or password is wrong")
	ErrSignInLocked   = fault.New(fault.RateLimited, "too many sign-in attempts; try again later")
)

// dummyHash is verified against when no account has the email, so an
// unknown address costs the same time as a wrong password and the answer's
// timing does not say which accounts exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password anyone has")
	return h
})

// SignIn checks email and password, sent from addr, and opens a session.
// Every attempt counts against addr, and every failure against the
// account; the store's failure counter is the only one it reads, because
// it has no way to count without recording: an attempt is recorded before
// the password is checked and, for the account, forgotten when it
// succeeds. It returns the account and the session's token, to be given to
// the browser once.
func SignIn(ctx context.Context, st Store, email, password, addr string, now time.Time) (User, string, error) {
	since := now.Add(-SignInWindow)
	n, err := st.RecordSignInFailure(ctx, "addr:"+addr, now, since)
	if err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	if n > MaxAddressAttempts {
		return User{}, "", ErrSignInLocked
	}
	// The key is stored; a form may send an email of any length.
	accountKey := "account:" + NormaliseEmail(email)
	if len(accountKey) > MaxField+MaxEmail {
		accountKey = accountKey[:MaxField+MaxEmail]
	}
	if n, err = st.RecordSignInFailure(ctx, accountKey, now, since); err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	if n > MaxAccountFailures {
		return User{}, "", ErrSignInLocked
	}
	u, err := st.UserByEmail(ctx, NormaliseEmail(email))
	hash := u.PasswordHash
	if errors.Is(err, ErrNotFound) {
		hash = dummyHash()
	} else if err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil && u.ID != 0 {
		return User{}, "", fmt.Errorf("sign in %d: %w", u.ID, err)
	}
	if !ok || u.ID == 0 {
		return User{}, "", ErrBadCredentials
	}
	if err := st.ClearSignInFailures(ctx, accountKey); err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	token, hashed, err := NewToken()
	if err != nil {
		return User{}, "", err
	}
	if err := st.CreateSession(ctx, Session{TokenHash: hashed, UserID: u.ID, Created: now, Expires: now.Add(SessionTTL)}); err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	return u, token, nil
}
