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

	"crimemap/fault"
	"crimemap/watch"
	"crimemap/web"
)

// DefaultSchemeRadiusM is the radius a registration form starts with:
// a few streets around the place given.
const DefaultSchemeRadiusM = 400

// Reasons a registration is refused.
var (
	ErrRegisterRole = fault.New(fault.Forbidden, "staff and admins do not register schemes: sign out, or add one with crimemap watch import")
	ErrAccountTaken = fmt.Errorf("an account with this email already exists: sign in first, then register the scheme: %w", watch.ErrConflict)
	ErrNoForce      = fault.New(fault.Invalid, "place: outside every neighbourhood we know, so no force can approve it; give a postcode or point inside the scheme's area")
	ErrAmbiguous    = fault.New(fault.Invalid, "place: more than one street has that name; give a postcode or lat,lng")
)

type registerData struct {
	SignedIn bool
	Form     map[string]string
}

var registerFields = []string{"name", "description", "contact", "place", "area", "radius_m", "email"}

// areaNeighbourhood is the form's choice of the place's whole
// neighbourhood as the scheme's area, rather than a circle around it.
const areaNeighbourhood = "neighbourhood"

func (s *Server) handleRegisterForm(w http.ResponseWriter, r *http.Request, _ watch.Store) error {
	u := s.user(r)
	if u != nil && u.Role != watch.RoleCoordinator {
		return ErrRegisterRole
	}
	d := registerData{SignedIn: u != nil, Form: map[string]string{"radius_m": strconv.Itoa(DefaultSchemeRadiusM)}}
	s.render(w, r, http.StatusOK, "register", web.WatchPage{Title: "Register a scheme", Data: d})
	return nil
}

// handleRegister takes a new scheme from a coordinator, or from someone
// who makes their coordinator account with it. The scheme is pending, and
// so not listed, until its force's staff approve it. The area is a circle
// around a place resolved as /watch resolves it, or the whole of that
// place's neighbourhood, which names the force either way.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request, st watch.Store) error {
	u := s.user(r)
	if u != nil && u.Role != watch.RoleCoordinator {
		return ErrRegisterRole
	}
	form := map[string]string{}
	for _, k := range registerFields {
		form[k] = strings.TrimSpace(formValue(r, k))
	}
	refuse := func(err error) error {
		status, msg := errorStatus(w, r, err)
		s.render(w, r, status, "register", web.WatchPage{Title: "Register a scheme", Error: msg, Data: registerData{SignedIn: u != nil, Form: form}})
		return nil
	}
	if honeypot(r) {
		http.Redirect(w, r, "/watch/inbox", http.StatusSeeOther)
		return nil
	}
	now := time.Now()
	sc, err := s.schemeOfForm(form, now)
	if err != nil {
		return refuse(err)
	}
	var token string
	if u == nil {
		nu, tok, err := s.newCoordinator(r.Context(), st, form["email"], formValue(r, "password"), sc.Contact, now)
		if err != nil {
			if fault.KindOf(err) == fault.Internal || fault.KindOf(err) == fault.Unavailable {
				return err
			}
			return refuse(err)
		}
		u, token = &nu, tok
	} else if err := watch.CheckContact(sc.Contact, []watch.User{*u}); err != nil {
		return refuse(err)
	}
	ctx := r.Context()
	created, err := st.CreateScheme(ctx, sc)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if err := st.SetCoordinators(ctx, created.ID, []int64{u.ID}); err != nil {
		return fmt.Errorf("register scheme %d: %w", created.ID, err)
	}
	if token != "" {
		s.setSession(w, r, token)
	}
	http.Redirect(w, r, "/watch/inbox", http.StatusSeeOther)
	return nil
}

// schemeOfForm builds the pending scheme a registration form describes.
func (s *Server) schemeOfForm(form map[string]string, now time.Time) (watch.Scheme, error) {
	sc := watch.Scheme{Name: form["name"], Description: form["description"], Contact: form["contact"],
		Status: watch.SchemePending, Created: now, Updated: now}
	radius, err := strconv.ParseFloat(form["radius_m"], 64)
	if err != nil && form["area"] != areaNeighbourhood {
		return sc, fmt.Errorf("radius_m: %q is not a number of metres: %w", form["radius_m"], watch.ErrInvalid)
	}
	if form["place"] == "" {
		return sc, fmt.Errorf("place: required: %w", watch.ErrInvalid)
	}
	body, err := s.locateQuery(form["place"])
	switch {
	case err != nil:
		return sc, fmt.Errorf("place: %w", err)
	case body.Ambiguous:
		return sc, ErrAmbiguous
	case body.Point == nil || body.Force == nil || body.Neighbourhood == nil:
		return sc, ErrNoForce
	}
	sc.Force = *body.Force
	sc.Area = watch.Area{Centre: orb.Point{body.Point.Lng, body.Point.Lat}, RadiusM: radius, Neighbourhood: body.Neighbourhood.ID}
	if form["area"] == areaNeighbourhood {
		reg, _, ok := s.hoods.region(sc.Force, body.Neighbourhood.ID)
		if !ok {
			return sc, fmt.Errorf("area: no boundary of %s to cover: %w", body.Neighbourhood.Name, watch.ErrInvalid)
		}
		sc.Area = watch.Area{Polygon: reg.Area.MultiPolygon(), Neighbourhood: reg.ID}
	}
	return sc, sc.Validate()
}

// newCoordinator makes the account of someone registering a scheme and
// signs it in, returning the session's token for the browser.
func (s *Server) newCoordinator(ctx context.Context, st watch.Store, email, password, contact string, now time.Time) (watch.User, string, error) {
	nu := watch.User{Email: watch.NormaliseEmail(email), Role: watch.RoleCoordinator, Created: now}
	if err := nu.Validate(); err != nil {
		return nu, "", err
	}
	if err := watch.CheckPassword(password); err != nil {
		return nu, "", err
	}
	if err := watch.CheckContact(contact, []watch.User{nu}); err != nil {
		return nu, "", err
	}
	hash, err := watch.HashPassword(password)
	if err != nil {
		return nu, "", err
	}
	nu.PasswordHash = hash
	nu, err = st.CreateUser(ctx, nu)
	if errors.Is(err, watch.ErrConflict) {
		return nu, "", ErrAccountTaken
	}
	if err != nil {
		return nu, "", fmt.Errorf("register: %w", err)
	}
	token, hashed, err := watch.NewToken()
	if err != nil {
		return nu, "", err
	}
	if err := st.CreateSession(ctx, watch.Session{TokenHash: hashed, UserID: nu.ID, Created: now, Expires: now.Add(watch.SessionTTL)}); err != nil {
		return nu, "", fmt.Errorf("register: %w", err)
	}
	return nu, token, nil
}
