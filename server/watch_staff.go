package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"crimemap/fault"
	"crimemap/neighbourhood"
	"crimemap/watch"
	"crimemap/web"
)

// MaxTeamEditBodyBytes bounds the body of a team edit: its four fields of
// watch.MaxFieldValue bytes of JSON, which percent encoding can triple.
const MaxTeamEditBodyBytes = 256 << 10

// ErrStaffOnly is a staff page asked for by a coordinator.
var ErrStaffOnly = fault.New(fault.Forbidden, "this page is for force staff")

// editedTeams is the team data with force staff's edits of force/id in
// place of the imported fields. Without a store, or for a force-wide
// lookup, it is the imported data. A stored edit that no longer parses is
// logged and left out rather than taking the page down.
func (s *Server) editedTeams(ctx context.Context, force, id string) (*neighbourhood.Set, error) {
	teams := s.teams()
	if s.deps.Watch == nil || force == "" || id == "" {
		return teams, nil
	}
	ov, err := s.deps.Watch.TeamOverrides(ctx, force, id)
	if err != nil {
		return nil, fmt.Errorf("neighbourhood %s/%s edits: %w", force, id, err)
	}
	if len(ov) == 0 {
		return teams, nil
	}
	edited, err := teams.WithEdits(force, id, ov)
	if err != nil {
		s.log.Error("team edit unreadable", "force", force, "neighbourhood", id, "err", err)
		return teams, nil
	}
	return edited, nil
}

// staffUser is the signed-in account if it is staff or an admin.
func (s *Server) staffUser(r *http.Request) (*watch.User, error) {
	u := s.user(r)
	if u == nil {
		return nil, ErrSignIn
	}
	if u.Role != watch.RoleStaff && u.Role != watch.RoleAdmin {
		return nil, ErrStaffOnly
	}
	return u, nil
}

type pendingScheme struct {
	Scheme       watch.Scheme
	Coordinators []string
	Created      string
}

type staffData struct {
	Pending        []pendingScheme
	Force          string
	Forces         []web.PageLink
	Neighbourhoods []web.PageLink
}

// handleStaff shows staff the schemes of their force waiting for approval
// (every force's to an admin) and the neighbourhoods whose team they may
// edit. The coordinators' addresses shown are personal data, so each
// scheme shown is audited.
func (s *Server) handleStaff(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	if s.user(r) == nil {
		http.Redirect(w, r, "/account/sign-in", http.StatusSeeOther)
		return nil
	}
	u, err := s.staffUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	pending, err := st.ListSchemes(ctx, watch.SchemeFilter{Force: u.Force, Status: watch.SchemePending})
	if err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	d := staffData{Force: u.Force}
	for _, sc := range pending {
		if !watch.Can(u, watch.ReviewScheme, watch.SchemeResource(sc)) {
			continue
		}
		ps := pendingScheme{Scheme: sc, Created: sc.Created.Format(dateLayout)}
		for _, id := range sc.Coordinators {
			if c, err := st.User(ctx, id); err == nil {
				ps.Coordinators = append(ps.Coordinators, c.Email)
			}
		}
		if err := audit(ctx, st, u, "read", "scheme", sc.ID); err != nil {
			return err
		}
		d.Pending = append(d.Pending, ps)
	}
	if u.Role == watch.RoleAdmin {
		d.Force = formValue(r, "force")
		for _, f := range s.teamForces() {
			d.Forces = append(d.Forces, web.PageLink{Href: "/watch/staff?force=" + url.QueryEscape(f), Text: f})
		}
	}
	for _, n := range s.forceHoods(d.Force) {
		d.Neighbourhoods = append(d.Neighbourhoods, web.PageLink{Href: "/watch/staff" + hoodPath(d.Force, n.ID), Text: n.Name})
	}
	s.render(w, r, http.StatusOK, "staff", web.WatchPage{Title: "Force staff", Data: d})
	return nil
}

// teamForces are the forces of the team data and of the boundaries.
func (s *Server) teamForces() []string {
	var out []string
	for _, f := range s.teams().Forces() {
		out = append(out, f.ID)
	}
	for _, reg := range s.hoods.regions {
		out = append(out, reg.Force)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// forceHoods are force's neighbourhoods: the team data's, then those only
// the boundaries know, by name.
func (s *Server) forceHoods(force string) []neighbourhood.NeighbourhoodRef {
	if force == "" {
		return nil
	}
	refs, _ := s.teams().Neighbourhoods(force)
	var extra []neighbourhood.NeighbourhoodRef
	for _, reg := range s.hoods.regions {
		if reg.Force == force && !slices.ContainsFunc(refs, func(n neighbourhood.NeighbourhoodRef) bool { return n.ID == reg.ID }) {
			extra = append(extra, neighbourhood.NeighbourhoodRef{ID: reg.ID, Name: reg.Name})
		}
	}
	slices.SortFunc(extra, func(a, b neighbourhood.NeighbourhoodRef) int { return cmp.Compare(a.Name, b.Name) })
	return append(refs, extra...)
}

// review approves a pending scheme (it is listed from then on) or rejects
// it (closed), tells its coordinators and audits the decision. The store
// decides only a scheme still pending, with the mail in the same
// transaction, so of two staff deciding at once the second is told 409,
// and its audit entry too, so a decision never stands unaudited.
func (s *Server) review(to watch.SchemeStatus, action string) func(http.ResponseWriter, *http.Request, watch.Store) error {
	return func(w http.ResponseWriter, r *http.Request, st watch.Store) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		u, sc, err := s.authorised(r, st, id, watch.ReviewScheme)
		if err != nil {
			return err
		}
		ctx := r.Context()
		now := time.Now()
		var mails []watch.OutboxMail
		for _, c := range sc.Coordinators {
			cu, err := st.User(ctx, c)
			if fault.KindOf(err) == fault.NotFound {
				continue // an account gone since the scheme was read has no one to tell
			}
			if err != nil {
				return fmt.Errorf("scheme %d coordinator %d: %w", id, c, err)
			}
			mails = append(mails, watch.OutboxMail{To: cu.Email, Subject: subject("Your scheme: ", sc.Name),
				Body: "Your Neighbourhood Watch scheme " + sc.Name + " has been " + action + " by force staff.\n", Created: now, NextAttempt: now})
		}
		if _, err := st.DecideScheme(ctx, id, to, now, decision(u, action, "scheme", id), mails...); err != nil {
			return fmt.Errorf("scheme %d: %w", id, err)
		}
		http.Redirect(w, r, "/watch/staff", http.StatusSeeOther)
		return nil
	}
}

type teamField struct {
	Name, Label, Example, Value string
}

// teamExamples show the shape each field takes, beside its box.
var teamExamples = map[string]string{
	neighbourhood.FieldTeam:           `[{"name": "Jane Doe", "rank": "PCSO", "bio": "<p>Covers the High Street.</p>", "contact_details": {"email": "jane.doe@example.police.uk"}}]`,
	neighbourhood.FieldContactDetails: `{"email": "team@example.police.uk", "telephone": "101", "web": "https://example.police.uk/team"}`,
	neighbourhood.FieldEvents:         `[{"title": "Beat surgery", "type": "meeting", "address": "Central Library", "start_date": "2030-03-01T10:00:00", "end_date": "2030-03-01T12:00:00", "description": "<p>Drop in.</p>"}]`,
	neighbourhood.FieldPriorities:     `[{"issue": "<p>Cycle theft</p>", "issue-date": "2030-01-15T00:00:00", "action": "<p>Patrols at the station.</p>", "action-date": "2030-02-01T00:00:00"}]`,
}

type teamEditRow struct {
	Field, By, At string
}

type teamData struct {
	Force, ID, Name, Page string
	Fields                []teamField
	History               []teamEditRow
}

var teamLabels = map[string]string{
	neighbourhood.FieldTeam:           "Team (people: name, rank, bio, contact_details)",
	neighbourhood.FieldContactDetails: "Contact details (email, telephone, web, ...)",
	neighbourhood.FieldEvents:         "Events (title, description, address, type, start_date, end_date)",
	neighbourhood.FieldPriorities:     "Priorities (issue, issue-date, action, action-date)",
}

// teamHood checks that the signed-in account may edit the path's
// neighbourhood's team, and that the neighbourhood exists. Another force's
// neighbourhood is not found, as a scheme of theirs would be.
func (s *Server) teamHood(r *http.Request) (u *watch.User, force, id, name string, err error) {
	if u, err = s.staffUser(r); err != nil {
		return nil, "", "", "", err
	}
	force, id = pathVar(r, "force"), pathVar(r, "id")
	if !watch.Can(u, watch.EditTeam, watch.Resource{Force: force}) {
		return nil, "", "", "", fmt.Errorf("neighbourhood %s/%s: %w", force, id, watch.ErrNotFound)
	}
	for _, n := range s.forceHoods(force) {
		if n.ID == id {
			return u, force, id, n.Name, nil
		}
	}
	return nil, "", "", "", fmt.Errorf("neighbourhood %s/%s: %w", force, id, watch.ErrNotFound)
}

// currentTeam is each editable field as the public sees it now, as
// indented JSON.
func (s *Server) currentTeam(ctx context.Context, force, id string) (map[string]string, error) {
	teams, err := s.editedTeams(ctx, force, id)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range neighbourhood.EditableFields {
		v, err := teams.Field(force, id, f)
		if errors.Is(err, neighbourhood.ErrNoNeighbourhood) || errors.Is(err, neighbourhood.ErrNoForce) {
			v = []any{}
			if f == neighbourhood.FieldContactDetails {
				v = map[string]any{}
			}
		} else if err != nil {
			return nil, err
		}
		b, err := neighbourhood.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("neighbourhood %s/%s %s: %w", force, id, f, err)
		}
		var ind bytes.Buffer
		_ = json.Indent(&ind, b, "", "  ")
		out[f] = ind.String()
	}
	return out, nil
}

// renderTeam shows the team edit form with values and the edits so far.
func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, st watch.Store, status int, msg, force, id, name string, values map[string]string) error {
	d := teamData{Force: force, ID: id, Name: name, Page: hoodPath(force, id)}
	for _, f := range neighbourhood.EditableFields {
		d.Fields = append(d.Fields, teamField{Name: f, Label: teamLabels[f], Example: teamExamples[f], Value: values[f]})
	}
	edits, err := st.TeamEdits(r.Context(), force, id)
	if err != nil {
		return fmt.Errorf("neighbourhood %s/%s: %w", force, id, err)
	}
	who := map[int64]string{}
	for _, e := range slices.Backward(edits) {
		if _, ok := who[e.By]; !ok {
			who[e.By] = fmt.Sprintf("account %d", e.By)
			if u, err := st.User(r.Context(), e.By); err == nil {
				who[e.By] = u.Email
			}
		}
		field := e.Field
		if e.New == "" {
			field += " (back to the imported data)"
		}
		d.History = append(d.History, teamEditRow{Field: field, By: who[e.By], At: e.At.Format("2 January 2006 15:04")})
	}
	s.render(w, r, status, "team", web.WatchPage{Title: "Edit " + name, Error: msg, Data: d})
	return nil
}

func (s *Server) handleTeamForm(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	if s.user(r) == nil {
		http.Redirect(w, r, "/account/sign-in", http.StatusSeeOther)
		return nil
	}
	_, force, id, name, err := s.teamHood(r)
	if err != nil {
		return err
	}
	cur, err := s.currentTeam(r.Context(), force, id)
	if err != nil {
		return err
	}
	return s.renderTeam(w, r, st, http.StatusOK, "", force, id, name, cur)
}

// handleTeamEdit records each field the form changed as a team edit,
// after checking every one: a form with a bad field changes nothing and
// comes back with the values sent. An emptied field goes back to the
// imported data; a field the form leaves out stays as it is.
func (s *Server) handleTeamEdit(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	u, force, id, name, err := s.teamHood(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.currentTeam(ctx, force, id)
	if err != nil {
		return err
	}
	sent := map[string]string{}
	var changes []watch.TeamEdit
	now := time.Now()
	_ = formValue(r, csrfField) // parses the form
	for _, f := range neighbourhood.EditableFields {
		sent[f] = cur[f]
		if _, ok := r.PostForm[f]; !ok {
			continue // a form without the field leaves it as it is
		}
		v := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get(f), "\r\n", "\n"))
		sent[f] = v
		if v == strings.TrimSpace(cur[f]) {
			continue
		}
		e := watch.TeamEdit{Force: force, Neighbourhood: id, Field: f, Old: cur[f], New: v, By: u.ID, At: now}
		if len(e.Old) > watch.MaxFieldValue {
			e.Old = "" // an imported value too large to keep beside the edit
		}
		if err = e.Validate(); err == nil && v != "" {
			_, err = neighbourhood.ParseEdit(f, v)
		}
		if err != nil {
			status, msg := errorStatus(w, r, err)
			return s.renderTeam(w, r, st, status, msg, force, id, name, sent)
		}
		changes = append(changes, e)
	}
	if honeypot(r) {
		changes = nil
	}
	for _, e := range changes {
		// The store gives the entry the edit's id as it records both.
		audit := decision(u, "edit", "team_edit", 0)
		audit.Detail = e.Force + "/" + e.Neighbourhood + " " + e.Field
		if _, err := st.RecordTeamEdit(ctx, e, audit); err != nil {
			return fmt.Errorf("neighbourhood %s/%s: %w", force, id, err)
		}
	}
	http.Redirect(w, r, "/watch/staff"+hoodPath(force, id), http.StatusSeeOther)
	return nil
}
