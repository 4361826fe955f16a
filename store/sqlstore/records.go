package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"crimemap/watch"
)

func (s *DB) insertMail(ctx context.Context, e execer, m watch.OutboxMail) (watch.OutboxMail, error) {
	m.Created, m.NextAttempt, m.Sent, m.Attempts, m.LastError = Truncate(m.Created), Truncate(m.NextAttempt), time.Time{}, 0, ""
	id, err := s.insertID(ctx, e, `INSERT INTO outbox (recipient, subject, body, next_attempt, created) VALUES (?, ?, ?, ?, ?)`,
		m.To, m.Subject, m.Body, us(m.NextAttempt), us(m.Created))
	m.ID = id
	return m, err
}

// EnqueueMail queues one mail on its own.
func (s *DB) EnqueueMail(ctx context.Context, m watch.OutboxMail) (watch.OutboxMail, error) {
	if err := m.Validate(); err != nil {
		return watch.OutboxMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	m, err := s.insertMail(ctx, s.w, m)
	if err != nil {
		return watch.OutboxMail{}, s.classify("enqueue mail", err)
	}
	return m, nil
}

// ClaimMail takes due mail for one sender. The outer condition on
// next_attempt is checked again against a row another transaction has
// just claimed, so two replicas never both take a mail.
func (s *DB) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]watch.OutboxMail, error) {
	out, err := queryAll(ctx, s, s.w, func(r rowScanner) (watch.OutboxMail, error) {
		var m watch.OutboxMail
		var next, created int64
		err := r.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Attempts, &next, &m.LastError, &created)
		m.NextAttempt, m.Created = tm(next), tm(created)
		return m, err
	}, `UPDATE outbox SET next_attempt = ?
		WHERE sent = 0 AND next_attempt <= ? AND id IN (
			SELECT id FROM outbox WHERE sent = 0 AND next_attempt <= ? ORDER BY id LIMIT ?)
		RETURNING id, recipient, subject, body, attempts, next_attempt, last_error, created`,
		us(now.Add(lease)), us(now), us(now), limit)
	if err != nil {
		return nil, s.classify("claim mail", err)
	}
	slices.SortFunc(out, func(a, b watch.OutboxMail) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MarkSent records a mail as sent.
func (s *DB) MarkSent(ctx context.Context, id int64, at time.Time) error {
	err := affected(s.w.ExecContext(ctx, s.q(`UPDATE outbox SET sent = ? WHERE id = ?`), us(at), id))
	return s.classify(fmt.Sprintf("mail %d sent", id), err)
}

// MarkFailed counts a failed attempt and schedules the next.
func (s *DB) MarkFailed(ctx context.Context, id int64, reason string, next time.Time) error {
	if len(reason) > watch.MaxText {
		reason = reason[:watch.MaxText]
	}
	reason = strings.ToValidUTF8(reason, "?")
	err := affected(s.w.ExecContext(ctx, s.q(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ? AND sent = 0`),
		reason, us(next), id))
	return s.classify(fmt.Sprintf("mail %d failed", id), err)
}

// Audit appends to the audit log.
func (s *DB) Audit(ctx context.Context, e watch.AuditEntry) error {
	return s.AuditBatch(ctx, []watch.AuditEntry{e})
}

// auditRowsPerInsert keeps a multi-row INSERT's parameters (six a row)
// well under both back ends' limits (SQLite 32,766, PostgreSQL 65,535).
const auditRowsPerInsert = 500

// AuditBatch appends entries in one transaction, a multi-row INSERT per
// auditRowsPerInsert entries, so a page of reads costs one commit (one
// fsync) and, on PostgreSQL, a round trip per chunk rather than per row.
func (s *DB) AuditBatch(ctx context.Context, entries []watch.AuditEntry) error {
	for i := range entries {
		if err := entries[i].Validate(); err != nil {
			return fmt.Errorf("audit entry %d: %w", i, err)
		}
	}
	if len(entries) == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error { return s.insertAudit(ctx, tx, entries) })
	return s.classify("audit", err)
}

// checkAudit checks a decision's audit entry before its transaction; the
// zero entry, which writes none, passes.
func checkAudit(e watch.AuditEntry) error {
	if e == (watch.AuditEntry{}) {
		return nil
	}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	return nil
}

// auditIn writes a decision's checked audit entry within its transaction,
// with subjectID when the entry has none, and nothing for the zero entry.
func (s *DB) auditIn(ctx context.Context, e execer, a watch.AuditEntry, subjectID int64) error {
	if a == (watch.AuditEntry{}) {
		return nil
	}
	if a.SubjectID == 0 {
		a.SubjectID = subjectID
	}
	return s.insertAudit(ctx, e, []watch.AuditEntry{a})
}

// insertAudit writes checked entries within a transaction.
func (s *DB) insertAudit(ctx context.Context, tx execer, entries []watch.AuditEntry) error {
	for chunk := range slices.Chunk(entries, auditRowsPerInsert) {
		query := `INSERT INTO audit_log (at, actor_id, action, subject, subject_id, detail) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		args := make([]any, 0, 6*len(chunk))
		for _, e := range chunk {
			args = append(args, us(e.At), e.ActorID, e.Action, e.Subject, e.SubjectID, e.Detail)
		}
		if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
			return err
		}
	}
	return nil
}

// AuditLog returns the entries f matches, newest first.
func (s *DB) AuditLog(ctx context.Context, f watch.AuditFilter) ([]watch.AuditEntry, error) {
	var where []string
	var args []any
	if f.ActorID != 0 {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	if f.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, f.Subject)
	}
	if f.SubjectID != 0 {
		where, args = append(where, "subject_id = ?"), append(args, f.SubjectID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	query := `SELECT id, at, actor_id, action, subject, subject_id, detail FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	out, err := queryAll(ctx, s, s.r, func(r rowScanner) (watch.AuditEntry, error) {
		var e watch.AuditEntry
		var at int64
		err := r.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.Subject, &e.SubjectID, &e.Detail)
		e.At = tm(at)
		return e, err
	}, query+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	return out, s.classify("audit log", err)
}

// RecordTeamEdit stores an edit of a neighbourhood's field.
func (s *DB) RecordTeamEdit(ctx context.Context, e watch.TeamEdit, audit watch.AuditEntry) (watch.TeamEdit, error) {
	if err := e.Validate(); err != nil {
		return watch.TeamEdit{}, fmt.Errorf("team edit: %w", err)
	}
	if err := checkAudit(audit); err != nil {
		return watch.TeamEdit{}, fmt.Errorf("team edit: %w", err)
	}
	e.At = Truncate(e.At)
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.insertID(ctx, tx, `INSERT INTO team_edits (force, neighbourhood, field, old, new, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.Force, e.Neighbourhood, e.Field, e.Old, e.New, e.By, us(e.At))
		if err != nil {
			return err
		}
		return s.auditIn(ctx, tx, audit, id)
	})
	if err != nil {
		return watch.TeamEdit{}, s.classify("team edit", err)
	}
	e.ID = id
	return e, nil
}

// TeamEdits returns a neighbourhood's edits, oldest first.
func (s *DB) TeamEdits(ctx context.Context, force, neighbourhood string) ([]watch.TeamEdit, error) {
	out, err := queryAll(ctx, s, s.r, func(r rowScanner) (watch.TeamEdit, error) {
		var e watch.TeamEdit
		var at int64
		err := r.Scan(&e.ID, &e.Force, &e.Neighbourhood, &e.Field, &e.Old, &e.New, &e.By, &at)
		e.At = tm(at)
		return e, err
	}, `SELECT id, force, neighbourhood, field, old, new, by_user, at FROM team_edits
		WHERE force = ? AND neighbourhood = ? ORDER BY id`, force, neighbourhood)
	return out, s.classify("team edits", err)
}

// TeamOverrides returns each edited field's latest value.
func (s *DB) TeamOverrides(ctx context.Context, force, neighbourhood string) (map[string]string, error) {
	edits, err := s.TeamEdits(ctx, force, neighbourhood)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(edits))
	for _, e := range edits {
		out[e.Field] = e.New
	}
	return out, nil
}

// Sweep deletes what the retention policy no longer lets the store keep.
func (s *DB) Sweep(ctx context.Context, closedBefore, now, failuresBefore time.Time) (watch.SweepResult, error) {
	var r watch.SweepResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, st := range []struct {
			n     *int
			query string
			arg   int64
		}{
			{&r.Applications, `DELETE FROM applications WHERE decided <> 0 AND decided < ?`, us(closedBefore)},
			{&r.Messages, `DELETE FROM messages WHERE closed <> 0 AND closed < ?`, us(closedBefore)},
			{&r.Sessions, `DELETE FROM sessions WHERE expires <= ?`, us(now)},
			{&r.SignIns, `DELETE FROM sign_in_failures WHERE at < ?`, us(failuresBefore)},
		} {
			res, err := tx.ExecContext(ctx, s.q(st.query), st.arg)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*st.n = int(n)
		}
		return nil
	})
	return r, s.classify("retention sweep", err)
}
