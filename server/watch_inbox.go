package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"crimemap/watch"
	"crimemap/web"
)

type inboxThread struct {
	Message watch.Message
	Replies []watch.Reply
}

type inboxScheme struct {
	Scheme       watch.Scheme
	Applications []watch.Application
	Threads      []inboxThread
}

// inboxSchemes are the schemes whose personal data u may read: a
// coordinator's own, staff's force's, every one for an admin.
func inboxSchemes(ctx context.Context, st watch.Store, u *watch.User) ([]watch.Scheme, error) {
	f := watch.SchemeFilter{}
	switch u.Role {
	case watch.RoleCoordinator:
		f.CoordinatorID = u.ID
	case watch.RoleStaff:
		f.Force = u.Force
	}
	all, err := st.ListSchemes(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	var out []watch.Scheme
	for _, sc := range all {
		if watch.Can(u, watch.ReadPersonalData, watch.SchemeResource(sc)) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// handleInbox shows the applications and messages of the schemes the
// signed-in account answers for, recording each one read in the audit
// log.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	u := s.user(r)
	if u == nil {
		http.Redirect(w, r, "/account/sign-in", http.StatusSeeOther)
		return nil
	}
	ctx := r.Context()
	schemes, err := inboxSchemes(ctx, st, u)
	if err != nil {
		return err
	}
	var data []inboxScheme
	var reads []watch.AuditEntry
	now := time.Now()
	read := func(subject string, id int64) {
		reads = append(reads, watch.AuditEntry{At: now, ActorID: u.ID, Action: "read", Subject: subject, SubjectID: id})
	}
	for _, sc := range schemes {
		is := inboxScheme{Scheme: sc}
		if is.Applications, err = st.ListApplications(ctx, sc.ID); err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
		msgs, err := st.ListMessages(ctx, sc.ID)
		if err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
		for _, m := range msgs {
			rs, err := st.Replies(ctx, m.ID)
			if err != nil {
				return fmt.Errorf("inbox: %w", err)
			}
			is.Threads = append(is.Threads, inboxThread{Message: m, Replies: rs})
		}
		for _, a := range is.Applications {
			read("application", a.ID)
		}
		for _, m := range msgs {
			read("message", m.ID)
		}
		data = append(data, is)
	}
	// One transaction for the page: a durable commit per row read made a
	// full inbox cost a commit per row. A page that cannot record its
	// reads does not show them.
	if err := st.AuditBatch(ctx, reads); err != nil {
		return fmt.Errorf("audit inbox reads: %w", err)
	}
	s.render(w, r, http.StatusOK, "inbox", web.WatchPage{Title: "Inbox", Data: data})
	return nil
}

// audit records that u read or changed a row of personal data. A page
// that cannot record its reads does not show them.
func audit(ctx context.Context, st watch.Store, u *watch.User, action, subject string, id int64) error {
	if err := st.Audit(ctx, watch.AuditEntry{At: time.Now(), ActorID: u.ID, Action: action, Subject: subject, SubjectID: id}); err != nil {
		return fmt.Errorf("audit %s %s %d: %w", action, subject, id, err)
	}
	return nil
}

// authorised returns the signed-in account if it may do act to the
// scheme of schemeID. The public is refused; an account that may not is
// told the row does not exist, so ids cannot be probed.
func (s *Server) authorised(r *http.Request, st watch.Store, schemeID int64, act watch.Action) (*watch.User, watch.Scheme, error) {
	u := s.user(r)
	if u == nil {
		return nil, watch.Scheme{}, ErrSignIn
	}
	sc, err := st.Scheme(r.Context(), schemeID)
	if err != nil {
		return nil, sc, fmt.Errorf("scheme %d: %w", schemeID, err)
	}
	if !watch.Can(u, act, watch.SchemeResource(sc)) {
		return nil, sc, fmt.Errorf("scheme %d: %w", schemeID, watch.ErrNotFound)
	}
	return u, sc, nil
}

// pathID reads the path's numeric id; anything else names no row.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(pathVar(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id %q: %w", pathVar(r, "id"), watch.ErrNotFound)
	}
	return id, nil
}

// decision is the audit entry of u's action on a row of subject, which
// the store writes in the action's transaction.
func decision(u *watch.User, action, subject string, id int64) watch.AuditEntry {
	return watch.AuditEntry{At: time.Now(), ActorID: u.ID, Action: action, Subject: subject, SubjectID: id}
}

// inboxAction answers a POST acting on the row of the path's id: it loads
// the row and its scheme's id with load, checks that the signed-in account
// may do act for that scheme, runs do with the audit entry of action,
// for the store to write with the change, and returns to the inbox.
func inboxAction[T any](s *Server, subject, action string, act watch.Action,
	load func(ctx context.Context, st watch.Store, id int64) (T, int64, error),
	do func(r *http.Request, st watch.Store, u *watch.User, row T, sc watch.Scheme, audit watch.AuditEntry) error,
) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return func(w http.ResponseWriter, r *http.Request, st watch.Store) error {
		if s.user(r) == nil {
			return ErrSignIn
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		row, schemeID, err := load(ctx, st, id)
		if err != nil {
			return fmt.Errorf("%s %d: %w", subject, id, err)
		}
		u, sc, err := s.authorised(r, st, schemeID, act)
		if err != nil {
			return err
		}
		if err := do(r, st, u, row, sc, decision(u, action, subject, id)); err != nil {
			return fmt.Errorf("%s %d: %w", subject, id, err)
		}
		http.Redirect(w, r, "/watch/inbox", http.StatusSeeOther)
		return nil
	}
}

func loadApplication(ctx context.Context, st watch.Store, id int64) (watch.Application, int64, error) {
	a, err := st.Application(ctx, id)
	return a, a.SchemeID, err
}

func loadMessage(ctx context.Context, st watch.Store, id int64) (watch.Message, int64, error) {
	m, err := st.Message(ctx, id)
	return m, m.SchemeID, err
}

// decide approves or declines an application and tells the applicant.
func (s *Server) decide(status watch.ApplicationStatus) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return inboxAction(s, "application", string(status), watch.HandleApplication, loadApplication,
		func(r *http.Request, st watch.Store, _ *watch.User, a watch.Application, sc watch.Scheme, audit watch.AuditEntry) error {
			mail := watch.OutboxMail{To: a.Email, Subject: subject("Your application to ", sc.Name),
				Body: "Your application to join " + sc.Name + " has been " + string(status) + ".\n"}
			_, err := st.DecideApplication(r.Context(), a.ID, status, time.Now(), audit, mail)
			return err
		})
}

// thread acts on a message thread the signed-in account answers for.
func (s *Server) thread(action string, act func(r *http.Request, st watch.Store, u *watch.User, m watch.Message, sc watch.Scheme, audit watch.AuditEntry) error) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return inboxAction(s, "message", action, watch.HandleMessage, loadMessage, act)
}

// replyThread adds the form's reply and mails it to the writer.
func replyThread(r *http.Request, st watch.Store, u *watch.User, m watch.Message, sc watch.Scheme, audit watch.AuditEntry) error {
	text := strings.TrimSpace(formValue(r, "text"))
	mail := watch.OutboxMail{To: m.Email, Subject: subject("A reply from ", sc.Name),
		Body: sc.Name + " has replied to your message:\n\n" + text + "\n"}
	_, err := st.AddReply(r.Context(), watch.Reply{MessageID: m.ID, AuthorID: u.ID, Text: text, Created: time.Now()}, audit, mail)
	return err
}

func closeThread(r *http.Request, st watch.Store, _ *watch.User, m watch.Message, _ watch.Scheme, audit watch.AuditEntry) error {
	return st.CloseMessage(r.Context(), m.ID, time.Now(), audit)
}

// subject is a mail subject naming a scheme, cut to the limit a subject
// line has, at a character's boundary.
func subject(prefix, name string) string {
	s := prefix + name
	for len(s) > watch.MaxName {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
