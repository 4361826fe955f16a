package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"crimemap/watch"
	"crimemap/web"
)

// NearestSchemes is how many schemes beyond those covering a place the
// Watch search lists.
const NearestSchemes = 7

// sentCookie carries a private link from the POST that made it to the
// confirmation page, for a few minutes, so the link is in no URL a proxy
// or the browser's history logs before the person keeps it.
const (
	sentCookie = "watch_sent"
	sentMaxAge = 10 * time.Minute
)

type nearRow struct {
	ID        int64
	Name      string
	DistanceM float64
}

type candidateRow struct {
	Lat, Lng float64
	Label    string
}

type findData struct {
	Q          string
	Searched   bool
	Where      string
	Schemes    []nearRow
	Candidates []candidateRow
}

// handleWatchFind answers GET /watch: the search form, and for q= (a
// postcode, street or lat,lng, resolved as /v1/locate does) or lat and lng
// the schemes covering the place and the nearest others.
func (s *Server) handleWatchFind(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	d := findData{Q: strings.TrimSpace(formValue(r, "q"))}
	page := web.WatchPage{Title: "Find a Neighbourhood Watch scheme", Data: &d}
	lat, lng, ok, err := parseLatLng(r)
	if err == nil && !ok && d.Q != "" {
		var body *locateBody
		if body, err = s.locateQuery(d.Q); err == nil {
			switch {
			case body.Ambiguous:
				for _, c := range body.Candidates {
					label := c.Street
					if c.Neighbourhood != nil {
						label += " (" + c.Neighbourhood.Name + ")"
					} else {
						label += fmt.Sprintf(" (%.4f, %.4f)", c.Point.Lat, c.Point.Lng)
					}
					d.Candidates = append(d.Candidates, candidateRow{Lat: c.Point.Lat, Lng: c.Point.Lng, Label: label})
				}
			case body.Point == nil:
				err = fmt.Errorf("%q has no location: %w", d.Q, ErrNothingMatches)
			default:
				lat, lng, ok = body.Point.Lat, body.Point.Lng, true
			}
		}
	}
	if err != nil {
		status, msg := errorStatus(w, r, err)
		page.Error = msg
		s.render(w, r, status, "find", page)
		return nil
	}
	if ok {
		near, err := s.nearest(r.Context(), st, orb.Point{lng, lat})
		if err != nil {
			return err
		}
		d.Searched, d.Where = true, d.Q
		if d.Where == "" {
			d.Where = fmt.Sprintf("%.5f, %.5f", lat, lng)
		}
		for _, n := range near {
			d.Schemes = append(d.Schemes, nearRow{ID: n.Scheme.ID, Name: n.Scheme.Name, DistanceM: n.DistanceM})
		}
	}
	s.render(w, r, http.StatusOK, "find", page)
	return nil
}

// nearest lists the active schemes covering p and the NearestSchemes
// nearest others.
func (s *Server) nearest(ctx context.Context, st watch.Store, p orb.Point) ([]watch.Nearby, error) {
	all, err := publicSchemes(ctx, st)
	if err != nil {
		return nil, err
	}
	return watch.Nearest(all, p, NearestSchemes), nil
}

// visibleScheme is the scheme of the path's id if the requester may see
// it; one they may not see is not found, so ids of pending schemes cannot
// be probed.
func (s *Server) visibleScheme(r *http.Request, st watch.Store) (watch.Scheme, error) {
	id, err := strconv.ParseInt(pathVar(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return watch.Scheme{}, fmt.Errorf("scheme %q: %w", pathVar(r, "id"), watch.ErrNotFound)
	}
	sc, err := st.Scheme(r.Context(), id)
	if err != nil {
		return sc, fmt.Errorf("scheme %d: %w", id, err)
	}
	if !watch.Can(s.user(r), watch.ViewScheme, watch.SchemeResource(sc)) {
		return watch.Scheme{}, fmt.Errorf("scheme %d: %w", id, watch.ErrNotFound)
	}
	return sc, nil
}

type schemeData struct {
	Scheme watch.Scheme
	Form   map[string]string
}

func (s *Server) handleWatchScheme(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	sc, err := s.visibleScheme(r, st)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "scheme", web.WatchPage{Title: sc.Name, Data: schemeData{Scheme: sc}})
	return nil
}

// ErrNotTaking is a form sent to a scheme that is not active.
var ErrNotTaking = fmt.Errorf("this scheme is not taking members or messages: %w", watch.ErrConflict)

// schemeForm is a public form POST to a scheme: it finds the scheme,
// answers a robot that filled the honeypot as if its form were stored,
// and re-shows the scheme page with the person's values when the form is
// refused. store stores the form under a fresh private link's hash.
func (s *Server) schemeForm(kind string, store func(ctx context.Context, sc watch.Scheme, hash []byte) error) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return func(w http.ResponseWriter, r *http.Request, st watch.Store) error {
		sc, err := s.visibleScheme(r, st)
		if err != nil {
			return err
		}
		if sc.Status != watch.SchemeActive {
			return ErrNotTaking
		}
		token, hash, err := watch.NewToken()
		if err != nil {
			return err
		}
		if !honeypot(r) {
			err = store(r.Context(), sc, hash)
		}
		if errors.Is(err, watch.ErrInvalid) || errors.Is(err, watch.ErrTooLarge) {
			status, msg := errorStatus(w, r, err)
			form := map[string]string{}
			for _, k := range []string{"name", "email", "address", "message", "text"} {
				form[k] = formValue(r, k)
			}
			s.render(w, r, status, "scheme", web.WatchPage{Title: sc.Name, Error: msg, Data: schemeData{Scheme: sc, Form: form}})
			return nil
		}
		if err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{
			Name: sentCookie, Value: kind + "/" + token, Path: "/watch/sent", MaxAge: int(sentMaxAge.Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
		})
		http.Redirect(w, r, "/watch/sent", http.StatusSeeOther)
		return nil
	}
}

// coordinatorMail tells a scheme's coordinators that something waits in
// their inbox. It names no one: the personal data stays in the store,
// behind sign-in and the audit log.
func coordinatorMail(ctx context.Context, st watch.Store, sc watch.Scheme, what string) ([]watch.OutboxMail, error) {
	var out []watch.OutboxMail
	for _, id := range sc.Coordinators {
		u, err := st.User(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("coordinator %d: %w", id, err)
		}
		out = append(out, watch.OutboxMail{
			To: u.Email, Subject: subject(what+": ", sc.Name),
			Body: what + " for " + sc.Name + " is waiting in your Neighbourhood Watch inbox.\n",
		})
	}
	return out, nil
}

func (s *Server) storeApplication(r *http.Request, st watch.Store) func(context.Context, watch.Scheme, []byte) error {
	return func(ctx context.Context, sc watch.Scheme, hash []byte) error {
		a := watch.Application{
			SchemeID: sc.ID, Name: strings.TrimSpace(formValue(r, "name")), Email: strings.TrimSpace(formValue(r, "email")),
			Address: strings.TrimSpace(formValue(r, "address")), Message: formValue(r, "message"),
			Consent: formValue(r, "consent") != "", TokenHash: hash, Created: time.Now(),
		}
		if err := a.Validate(); err != nil {
			return err
		}
		mail, err := coordinatorMail(ctx, st, sc, "A new application to join")
		if err != nil {
			return err
		}
		_, err = st.CreateApplication(ctx, a, mail...)
		return err
	}
}

func (s *Server) storeMessage(r *http.Request, st watch.Store) func(context.Context, watch.Scheme, []byte) error {
	return func(ctx context.Context, sc watch.Scheme, hash []byte) error {
		m := watch.Message{
			SchemeID: sc.ID, Name: strings.TrimSpace(formValue(r, "name")), Email: strings.TrimSpace(formValue(r, "email")),
			Text: formValue(r, "text"), TokenHash: hash, Created: time.Now(),
		}
		if err := m.Validate(); err != nil {
			return err
		}
		mail, err := coordinatorMail(ctx, st, sc, "A new message")
		if err != nil {
			return err
		}
		_, err = st.CreateMessage(ctx, m, mail...)
		return err
	}
}

func (s *Server) handleWatchApply(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	return s.schemeForm(kindApplication, s.storeApplication(r, st))(w, r, st)
}

func (s *Server) handleWatchMessage(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	return s.schemeForm(kindMessage, s.storeMessage(r, st))(w, r, st)
}

// The kinds of private link, as their paths name them.
const (
	kindApplication = "applications"
	kindMessage     = "messages"
)

type sentData struct{ What, Kind, Link string }

// handleWatchSent is the confirmation after a form: it shows the private
// link the form's POST left in a short-lived cookie.
func (s *Server) handleWatchSent(w http.ResponseWriter, r *http.Request, _ watch.Store) error {
	c, err := r.Cookie(sentCookie)
	if err != nil {
		return fmt.Errorf("no form was sent from this browser in the last %s: %w", sentMaxAge, watch.ErrNotFound)
	}
	kind, token, _ := strings.Cut(c.Value, "/")
	d := sentData{What: "Your application", Kind: "application", Link: "/watch/" + kindApplication + "/" + token}
	switch kind {
	case kindApplication:
	case kindMessage:
		d = sentData{What: "Your message", Kind: "message", Link: "/watch/" + kindMessage + "/" + token}
	default:
		return fmt.Errorf("confirmation: %w", watch.ErrNotFound)
	}
	d.Link = s.publicLink(d.Link)
	s.render(w, r, http.StatusOK, "sent", web.WatchPage{Title: "Sent", Data: d})
	return nil
}

type applicationData struct {
	Scheme  watch.Scheme
	Created string
	Status  watch.ApplicationStatus
	Link    string
}

// schemeName is the scheme a private link's row belongs to, by id and
// name only: the scheme may have closed since.
func schemeName(ctx context.Context, st watch.Store, id int64) watch.Scheme {
	sc := schemeOf(ctx, st, id)
	if sc.Name == "" {
		sc.Name = "the scheme"
	}
	return watch.Scheme{ID: sc.ID, Name: sc.Name}
}

const dateLayout = "2 January 2006"

func (s *Server) handleWatchApplication(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	a, err := st.ApplicationByToken(r.Context(), watch.HashToken(pathVar(r, "token")))
	if err != nil {
		return fmt.Errorf("application: %w", err)
	}
	s.render(w, r, http.StatusOK, "application", web.WatchPage{Title: "Your application", Data: applicationData{
		Scheme: schemeName(r.Context(), st, a.SchemeID), Created: a.Created.Format(dateLayout), Status: a.Status, Link: r.URL.Path,
	}})
	return nil
}

type replyRow struct {
	FromScheme bool
	Created    string
	Text       string
}

type messageData struct {
	Scheme  watch.Scheme
	Created string
	Closed  bool
	Text    string
	Replies []replyRow
	Link    string
}

func (s *Server) handleWatchThread(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	m, err := st.MessageByToken(r.Context(), watch.HashToken(pathVar(r, "token")))
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	replies, err := st.Replies(r.Context(), m.ID)
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	d := messageData{Scheme: schemeName(r.Context(), st, m.SchemeID), Created: m.Created.Format(dateLayout), Closed: !m.Closed.IsZero(), Text: m.Text, Link: r.URL.Path}
	for _, rp := range replies {
		d.Replies = append(d.Replies, replyRow{FromScheme: rp.AuthorID != 0, Created: rp.Created.Format(dateLayout), Text: rp.Text})
	}
	s.render(w, r, http.StatusOK, "message", web.WatchPage{Title: "Your message", Data: d})
	return nil
}

// withdraw deletes what a private link opens, and with it the personal
// data sent.
func (s *Server) withdraw(del func(watch.Store) func(context.Context, []byte) error) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return func(w http.ResponseWriter, r *http.Request, st watch.Store) error {
		if err := del(st)(r.Context(), watch.HashToken(pathVar(r, "token"))); err != nil {
			return fmt.Errorf("withdraw: %w", err)
		}
		s.render(w, r, http.StatusOK, "withdrawn", web.WatchPage{Title: "Withdrawn"})
		return nil
	}
}

// handleThreadReply adds the writer's answer to their open thread, through
// their private link, and tells the coordinators.
func (s *Server) handleThreadReply(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	ctx := r.Context()
	m, err := st.MessageByToken(ctx, watch.HashToken(pathVar(r, "token")))
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if !honeypot(r) {
		mail, err := coordinatorMail(ctx, st, schemeOf(ctx, st, m.SchemeID), "A reply to a message")
		if err != nil {
			return err
		}
		if _, err := st.AddReply(ctx, watch.Reply{MessageID: m.ID, Text: strings.TrimSpace(formValue(r, "text")), Created: time.Now()}, watch.AuditEntry{}, mail...); err != nil {
			return fmt.Errorf("message %d: %w", m.ID, err)
		}
	}
	http.Redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/reply")], http.StatusSeeOther)
	return nil
}

// schemeOf is the scheme of id with its coordinators, or one with none
// when it has gone: a reply to its thread then tells no one.
func schemeOf(ctx context.Context, st watch.Store, id int64) watch.Scheme {
	sc, err := st.Scheme(ctx, id)
	if err != nil {
		return watch.Scheme{ID: id}
	}
	return sc
}
