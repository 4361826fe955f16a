package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"crimemap/watch"
)

const userCols = `id, email, password_hash, role, force, created`

func scanUser(r rowScanner) (watch.User, error) {
	var u watch.User
	var created int64
	err := r.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.Force, &created)
	u.Created = tm(created)
	return u, err
}

// CreateUser stores an account; its email, normalised, must be new.
func (s *DB) CreateUser(ctx context.Context, u watch.User) (watch.User, error) {
	u, err := checkUser(u)
	if err != nil {
		return watch.User{}, fmt.Errorf("create user: %w", err)
	}
	if u, err = s.insertUser(ctx, s.w, u); err != nil {
		return watch.User{}, s.classify("create user "+u.Email, err)
	}
	return u, nil
}

// checkUser normalises and checks an account before it is stored.
func checkUser(u watch.User) (watch.User, error) {
	u.Email = watch.NormaliseEmail(u.Email)
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.PasswordHash == "" {
		return u, fmt.Errorf("no password hash: %w", watch.ErrInvalid)
	}
	return u, nil
}

func (s *DB) insertUser(ctx context.Context, e execer, u watch.User) (watch.User, error) {
	u.Created = Truncate(u.Created)
	id, err := s.insertID(ctx, e, `INSERT INTO users (email, password_hash, role, force, created) VALUES (?, ?, ?, ?, ?)`,
		u.Email, u.PasswordHash, string(u.Role), u.Force, us(u.Created))
	u.ID = id
	return u, err
}

// User returns one account.
func (s *DB) User(ctx context.Context, id int64) (watch.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
	if err != nil {
		return watch.User{}, s.classify(fmt.Sprintf("user %d", id), err)
	}
	return u, nil
}

// UserByEmail returns the account of an address, compared normalised.
func (s *DB) UserByEmail(ctx context.Context, email string) (watch.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE email = ?`), watch.NormaliseEmail(email)))
	if err != nil {
		return watch.User{}, s.classify("user by email", err)
	}
	return u, nil
}

// SetPassword replaces an account's password hash and signs it out
// everywhere: a changed password must end the sessions of whoever knew
// the old one.
func (s *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := affected(tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), userID)
		return err
	})
	return s.classify(fmt.Sprintf("user %d password", userID), err)
}

// CreateSession stores a session under its token's hash.
func (s *DB) CreateSession(ctx context.Context, se watch.Session) error {
	if len(se.TokenHash) == 0 {
		return fmt.Errorf("create session: no token hash: %w", watch.ErrInvalid)
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO sessions (token_hash, user_id, created, expires) VALUES (?, ?, ?, ?)`),
		se.TokenHash, se.UserID, us(se.Created), us(se.Expires))
	return s.classify("create session", err)
}

// Session returns a session that has not expired by now.
func (s *DB) Session(ctx context.Context, tokenHash []byte, now time.Time) (watch.Session, error) {
	var se watch.Session
	var created, expires int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT token_hash, user_id, created, expires FROM sessions WHERE token_hash = ? AND expires > ?`),
		tokenHash, us(now)).Scan(&se.TokenHash, &se.UserID, &created, &expires)
	if err != nil {
		return watch.Session{}, s.classify("session", err)
	}
	se.Created, se.Expires = tm(created), tm(expires)
	return se, nil
}

// DeleteSession signs a session out; an unknown one is not an error.
func (s *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE token_hash = ?`), tokenHash)
	return s.classify("delete session", err)
}

// RecordSignInFailure notes a failure under key and counts key's failures
// since since, this one included.
func (s *DB) RecordSignInFailure(ctx context.Context, key string, at, since time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sign_in_failures (key, at) VALUES (?, ?)`), key, us(at)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND at >= ?`), key, us(since)).Scan(&n)
	})
	return n, s.classify("sign-in failure", err)
}

// ClearSignInFailures forgets key's failures, after a sign-in succeeds.
func (s *DB) ClearSignInFailures(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sign_in_failures WHERE key = ?`), key)
	return s.classify("clear sign-in failures", err)
}
