package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"crimemap/watch"
)

// decided writes what goes with a decision into its transaction: its
// audit entry, given subjectID when it has none, and its notifications.
func (s *DB) decided(ctx context.Context, tx *sql.Tx, audit watch.AuditEntry, subjectID int64, notify []watch.OutboxMail) error {
	if err := s.auditIn(ctx, tx, audit, subjectID); err != nil {
		return err
	}
	return s.enqueue(ctx, tx, notify)
}

// enqueue writes notifications within the transaction of the change they
// announce.
func (s *DB) enqueue(ctx context.Context, tx *sql.Tx, mails []watch.OutboxMail) error {
	for _, m := range mails {
		if _, err := s.insertMail(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

func checkMails(mails []watch.OutboxMail) error {
	for i := range mails {
		if err := mails[i].Validate(); err != nil {
			return fmt.Errorf("notification %d: %w", i, err)
		}
	}
	return nil
}

const applicationCols = `id, scheme_id, name, email, address, message, consent, status, token_hash, created, decided`

func scanApplication(r rowScanner) (watch.Application, error) {
	var a watch.Application
	var created, decided int64
	err := r.Scan(&a.ID, &a.SchemeID, &a.Name, &a.Email, &a.Address, &a.Message, &a.Consent, &a.Status, &a.TokenHash, &created, &decided)
	a.Created, a.Decided = tm(created), tm(decided)
	return a, err
}

// CreateApplication stores a pending application and its notifications.
func (s *DB) CreateApplication(ctx context.Context, a watch.Application, notify ...watch.OutboxMail) (watch.Application, error) {
	if err := a.Validate(); err != nil {
		return watch.Application{}, fmt.Errorf("create application: %w", err)
	}
	a.Status, a.Created, a.Decided = watch.ApplicationPending, Truncate(a.Created), time.Time{}
	id, err := s.insertWithLink(ctx, "create application", a.TokenHash, notify, `INSERT INTO applications (scheme_id, name,
		email, address, message, consent, status, token_hash, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.SchemeID, a.Name, a.Email, a.Address, a.Message, a.Consent, string(a.Status), a.TokenHash, us(a.Created))
	if err != nil {
		return watch.Application{}, err
	}
	a.ID = id
	return a, nil
}

// insertWithLink inserts a row that a private link opens, with the
// notifications it sends, in one transaction.
func (s *DB) insertWithLink(ctx context.Context, what string, tokenHash []byte, notify []watch.OutboxMail, query string, args ...any) (int64, error) {
	if len(tokenHash) == 0 {
		return 0, fmt.Errorf("%s: no token hash: %w", what, watch.ErrInvalid)
	}
	if err := checkMails(notify); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = s.insertID(ctx, tx, query, args...); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, notify)
	})
	return id, s.classify(what, err)
}

// Application returns one application.
func (s *DB) Application(ctx context.Context, id int64) (watch.Application, error) {
	a, err := scanApplication(s.r.QueryRowContext(ctx, s.q(`SELECT `+applicationCols+` FROM applications WHERE id = ?`), id))
	return a, s.classify(fmt.Sprintf("application %d", id), err)
}

// ApplicationByToken returns the application behind a private link.
func (s *DB) ApplicationByToken(ctx context.Context, tokenHash []byte) (watch.Application, error) {
	a, err := scanApplication(s.r.QueryRowContext(ctx, s.q(`SELECT `+applicationCols+` FROM applications WHERE token_hash = ?`), tokenHash))
	return a, s.classify("application by link", err)
}

// ListApplications returns a scheme's applications, oldest first.
func (s *DB) ListApplications(ctx context.Context, schemeID int64) ([]watch.Application, error) {
	out, err := queryAll(ctx, s, s.r, scanApplication, `SELECT `+applicationCols+` FROM applications WHERE scheme_id = ? ORDER BY id`, schemeID)
	return out, s.classify(fmt.Sprintf("scheme %d applications", schemeID), err)
}

// DecideApplication approves or declines a pending application.
func (s *DB) DecideApplication(ctx context.Context, id int64, st watch.ApplicationStatus, at time.Time, audit watch.AuditEntry, notify ...watch.OutboxMail) (watch.Application, error) {
	if st != watch.ApplicationApproved && st != watch.ApplicationDeclined {
		return watch.Application{}, fmt.Errorf("decide application %d: %q is not approved or declined: %w", id, st, watch.ErrInvalid)
	}
	if err := errors.Join(checkMails(notify), checkAudit(audit)); err != nil {
		return watch.Application{}, fmt.Errorf("decide application %d: %w", id, err)
	}
	var a watch.Application
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := s.transition(ctx, tx, `SELECT status FROM applications WHERE id = ?`, id,
			`UPDATE applications SET status = ?, decided = ? WHERE id = ? AND status = ?`,
			string(st), us(at), id, string(watch.ApplicationPending))
		if err != nil {
			return err
		}
		if a, err = scanApplication(tx.QueryRowContext(ctx, s.q(`SELECT `+applicationCols+` FROM applications WHERE id = ?`), id)); err != nil {
			return err
		}
		return s.decided(ctx, tx, audit, id, notify)
	})
	if err != nil {
		return watch.Application{}, s.classify(fmt.Sprintf("decide application %d", id), err)
	}
	return a, nil
}

// WithdrawApplication deletes the application behind a private link.
func (s *DB) WithdrawApplication(ctx context.Context, tokenHash []byte) error {
	err := affected(s.w.ExecContext(ctx, s.q(`DELETE FROM applications WHERE token_hash = ?`), tokenHash))
	return s.classify("withdraw application", err)
}

const messageCols = `id, scheme_id, name, email, text, token_hash, created, closed`

func scanMessage(r rowScanner) (watch.Message, error) {
	var m watch.Message
	var created, closed int64
	err := r.Scan(&m.ID, &m.SchemeID, &m.Name, &m.Email, &m.Text, &m.TokenHash, &created, &closed)
	m.Created, m.Closed = tm(created), tm(closed)
	return m, err
}

// CreateMessage opens a thread and stores its notifications.
func (s *DB) CreateMessage(ctx context.Context, m watch.Message, notify ...watch.OutboxMail) (watch.Message, error) {
	if err := m.Validate(); err != nil {
		return watch.Message{}, fmt.Errorf("create message: %w", err)
	}
	m.Created, m.Closed = Truncate(m.Created), time.Time{}
	id, err := s.insertWithLink(ctx, "create message", m.TokenHash, notify,
		`INSERT INTO messages (scheme_id, name, email, text, token_hash, created) VALUES (?, ?, ?, ?, ?, ?)`,
		m.SchemeID, m.Name, m.Email, m.Text, m.TokenHash, us(m.Created))
	if err != nil {
		return watch.Message{}, err
	}
	m.ID = id
	return m, nil
}

// Message returns one thread's opening message.
func (s *DB) Message(ctx context.Context, id int64) (watch.Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, s.q(`SELECT `+messageCols+` FROM messages WHERE id = ?`), id))
	return m, s.classify(fmt.Sprintf("message %d", id), err)
}

// MessageByToken returns the thread behind a private link.
func (s *DB) MessageByToken(ctx context.Context, tokenHash []byte) (watch.Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, s.q(`SELECT `+messageCols+` FROM messages WHERE token_hash = ?`), tokenHash))
	return m, s.classify("message by link", err)
}

// ListMessages returns a scheme's threads, oldest first.
func (s *DB) ListMessages(ctx context.Context, schemeID int64) ([]watch.Message, error) {
	out, err := queryAll(ctx, s, s.r, scanMessage, `SELECT `+messageCols+` FROM messages WHERE scheme_id = ? ORDER BY id`, schemeID)
	return out, s.classify(fmt.Sprintf("scheme %d messages", schemeID), err)
}

// AddReply adds a reply to an open thread.
func (s *DB) AddReply(ctx context.Context, r watch.Reply, audit watch.AuditEntry, notify ...watch.OutboxMail) (watch.Reply, error) {
	if err := r.Validate(); err != nil {
		return watch.Reply{}, fmt.Errorf("add reply: %w", err)
	}
	if err := errors.Join(checkMails(notify), checkAudit(audit)); err != nil {
		return watch.Reply{}, fmt.Errorf("add reply: %w", err)
	}
	r.Created = Truncate(r.Created)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// An update that changes nothing, to hold the thread's row until
		// the reply commits: a close racing it waits, then closes after
		// it; a close that committed first fails the condition.
		err := s.transition(ctx, tx, closedState, r.MessageID, `UPDATE messages SET closed = 0 WHERE id = ? AND closed = 0`, r.MessageID)
		if err != nil {
			return err
		}
		id, err := s.insertID(ctx, tx, `INSERT INTO replies (message_id, author_id, text, created) VALUES (?, ?, ?, ?)`,
			r.MessageID, r.AuthorID, r.Text, us(r.Created))
		r.ID = id
		if err != nil {
			return err
		}
		return s.decided(ctx, tx, audit, r.MessageID, notify)
	})
	if err != nil {
		return watch.Reply{}, s.classify(fmt.Sprintf("reply to message %d", r.MessageID), err)
	}
	return r, nil
}

// Replies returns a thread's replies, oldest first.
func (s *DB) Replies(ctx context.Context, messageID int64) ([]watch.Reply, error) {
	out, err := queryAll(ctx, s, s.r, func(r rowScanner) (watch.Reply, error) {
		var rp watch.Reply
		var created int64
		err := r.Scan(&rp.ID, &rp.MessageID, &rp.AuthorID, &rp.Text, &created)
		rp.Created = tm(created)
		return rp, err
	}, `SELECT id, message_id, author_id, text, created FROM replies WHERE message_id = ? ORDER BY id`, messageID)
	return out, s.classify(fmt.Sprintf("message %d replies", messageID), err)
}

// closedState names a thread's state for a refused change.
const closedState = `SELECT CASE WHEN closed = 0 THEN 'open' ELSE 'closed' END FROM messages WHERE id = ?`

// CloseMessage closes an open thread. A closed one gives ErrConflict and
// keeps its first close, from which its retention counts.
func (s *DB) CloseMessage(ctx context.Context, id int64, at time.Time, audit watch.AuditEntry) error {
	if err := checkAudit(audit); err != nil {
		return fmt.Errorf("close message %d: %w", id, err)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.transition(ctx, tx, closedState, id, `UPDATE messages SET closed = ? WHERE id = ? AND closed = 0`, us(at), id); err != nil {
			return err
		}
		return s.auditIn(ctx, tx, audit, id)
	})
	return s.classify(fmt.Sprintf("close message %d", id), err)
}

// WithdrawMessage deletes the thread behind a private link, its replies
// by cascade.
func (s *DB) WithdrawMessage(ctx context.Context, tokenHash []byte) error {
	err := affected(s.w.ExecContext(ctx, s.q(`DELETE FROM messages WHERE token_hash = ?`), tokenHash))
	return s.classify("withdraw message", err)
}
