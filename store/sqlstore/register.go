package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"crimemap/watch"
)

// RegisterScheme stores a registered scheme, the coordinator's new
// account when there is one, the notifications and the staff notice in
// one transaction, so a scheme that cannot be saved leaves no account
// behind and a saved one is never left unannounced.
func (s *DB) RegisterScheme(ctx context.Context, r watch.Registration, notify ...watch.OutboxMail) (watch.Scheme, error) {
	sc := r.Scheme
	if err := sc.Validate(); err != nil {
		return watch.Scheme{}, fmt.Errorf("register scheme: %w", err)
	}
	newAccount := r.Account.Email != ""
	if newAccount {
		var err error
		if r.Account, err = checkUser(r.Account); err != nil {
			return watch.Scheme{}, fmt.Errorf("register scheme: account: %w", err)
		}
		if r.Account.Role != watch.RoleCoordinator {
			return watch.Scheme{}, fmt.Errorf("register scheme: account is %s, not a coordinator: %w", r.Account.Role, watch.ErrInvalid)
		}
	}
	if err := checkMails(notify); err != nil {
		return watch.Scheme{}, fmt.Errorf("register scheme: %w", err)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		coordinator := r.CoordinatorID
		if newAccount {
			u, err := s.insertUser(ctx, tx, r.Account)
			if err != nil {
				return s.classify("coordinator account", err)
			}
			coordinator = u.ID
		}
		sc.Coordinators = []int64{coordinator}
		var err error
		if sc, err = s.insertScheme(ctx, tx, sc); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, notify); err != nil {
			return err
		}
		if r.StaffNotice.Subject == "" {
			return nil
		}
		staff, err := s.staffEmails(ctx, tx, sc.Force)
		if err != nil {
			return err
		}
		notice := r.StaffNotice
		for _, to := range staff {
			notice.To = to
			if err := notice.Validate(); err != nil {
				return fmt.Errorf("staff notice: %w", err)
			}
			if _, err := s.insertMail(ctx, tx, notice); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return watch.Scheme{}, s.classify("register scheme", err)
	}
	return sc, nil
}

// DecideScheme changes a scheme's status only while it is pending, so
// two deciders cannot both see it pending; see transition.
func (s *DB) DecideScheme(ctx context.Context, id int64, to watch.SchemeStatus, at time.Time, audit watch.AuditEntry, notify ...watch.OutboxMail) (watch.Scheme, error) {
	if to != watch.SchemeActive && to != watch.SchemeClosed {
		return watch.Scheme{}, fmt.Errorf("decide scheme %d: %q is not active or closed: %w", id, to, watch.ErrInvalid)
	}
	if err := errors.Join(checkMails(notify), checkAudit(audit)); err != nil {
		return watch.Scheme{}, fmt.Errorf("decide scheme %d: %w", id, err)
	}
	var sc watch.Scheme
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := s.transition(ctx, tx, `SELECT status FROM schemes WHERE id = ?`, id,
			`UPDATE schemes SET status = ?, updated = ? WHERE id = ? AND status = ?`,
			string(to), us(at), id, string(watch.SchemePending))
		if err != nil {
			return err
		}
		if sc, err = scanScheme(tx.QueryRowContext(ctx, s.q(`SELECT `+schemeCols+` FROM schemes WHERE id = ?`), id)); err != nil {
			return err
		}
		if err := s.coordinators(ctx, tx, &sc); err != nil {
			return err
		}
		return s.decided(ctx, tx, audit, id, notify)
	})
	if err != nil {
		return watch.Scheme{}, s.classify(fmt.Sprintf("decide scheme %d", id), err)
	}
	return sc, nil
}

// StaffEmails returns who reviews force's schemes: its staff and every
// admin.
func (s *DB) StaffEmails(ctx context.Context, force string) ([]string, error) {
	out, err := s.staffEmails(ctx, s.r, force)
	return out, s.classify("staff of "+force, err)
}

func (s *DB) staffEmails(ctx context.Context, e execer, force string) ([]string, error) {
	return queryAll(ctx, s, e, func(r rowScanner) (string, error) {
		var email string
		return email, r.Scan(&email)
	}, `SELECT email FROM users WHERE (role = ? AND force = ?) OR role = ? ORDER BY email`,
		string(watch.RoleStaff), force, string(watch.RoleAdmin))
}

// transition runs update, a change conditional on the row's state, within
// tx. The condition is in the UPDATE itself, which PostgreSQL re-checks
// against a row another transaction has just changed, where a SELECT
// before the UPDATE would let two transactions both see the old state.
// When update changes nothing, the row is missing (sql.ErrNoRows), or in
// a state it may not leave: a conflict naming the state, which the query
// state gives for id.
func (s *DB) transition(ctx context.Context, tx *sql.Tx, state string, id int64, update string, args ...any) error {
	err := affected(tx.ExecContext(ctx, s.q(update), args...))
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var now string
	if err := tx.QueryRowContext(ctx, s.q(state), id).Scan(&now); err != nil {
		return err
	}
	return fmt.Errorf("already %s: %w", now, watch.ErrConflict)
}
