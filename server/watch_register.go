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
// so not listed, until its force's staff approve it; they are mailed in
// the registration's transaction. The area is a circle around a place
// resolved as /watch resolves it, or the whole of that place's
// neighbourhood, which names the force either way.
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
		if k := fault.KindOf(err); k == fault.Internal || k == fault.Unavailable {
			return err
		}
		status, msg := errorStatus(w, r, err)
		s.render(w, r, status, "register", web.WatchPage{Title: "Register a scheme", Error: msg, Data: registerData{SignedIn: u != nil, Form: form}})
		return nil
	}
	done := registeredPath
	if u != nil {
		done = "/watch/inbox"
	}
	if honeypot(r) {
		http.Redirect(w, r, done, http.StatusSeeOther)
		return nil
	}
	now := time.Now()
	sc, err := s.schemeOfForm(form, now)
	if err != nil {
		return refuse(err)
	}
	reg := watch.Registration{Scheme: sc, StaffNotice: s.staffNotice(sc, now)}
	if u != nil {
		if err := watch.CheckContact(sc.Contact, []watch.User{*u}); err != nil {
			return refuse(err)
		}
		reg.CoordinatorID = u.ID
		if _, err := st.RegisterScheme(r.Context(), reg); err != nil {
			return fmt.Errorf("register: %w", err)
		}
	} else {
		if reg.Account, err = newCoordinator(form["email"], formValue(r, "password"), sc.Contact, now); err != nil {
			return refuse(err)
		}
		if err := s.registerWithAccount(r.Context(), st, reg, now); err != nil {
			return refuse(err)
		}
	}
	http.Redirect(w, r, done, http.StatusSeeOther)
	return nil
}

// registeredPath is the confirmation of a registration with a new
// account. It is the same whether or not the address already had one, and
// the browser is not signed in, so the answer tells no one which addresses
// have accounts; the mail to the address says which it was.
const registeredPath = "/watch/register/sent"

func (s *Server) handleRegistered(w http.ResponseWriter, r *http.Request, _ watch.Store) error {
	s.render(w, r, http.StatusOK, "registered", web.WatchPage{Title: "Registration sent"})
	return nil
}

// registerWithAccount stores reg with its new account and mails the
// address; if the address already has an account nothing is stored, and
// its owner is mailed instead.
func (s *Server) registerWithAccount(ctx context.Context, st watch.Store, reg watch.Registration, now time.Time) error {
	to := reg.Account.Email
	welcome := watch.OutboxMail{To: to, Subject: subject("Your scheme: ", reg.Scheme.Name), Created: now, NextAttempt: now,
		Body: "Your Neighbourhood Watch scheme " + reg.Scheme.Name + " is registered, with a coordinator account for this address. " +
			"Force staff check every new scheme before it is listed, and we will mail you when they have.\n\n" +
			"Sign in with this address and the password you chose to follow it: " + s.publicLink("/account/sign-in") + "\n"}
	_, err := st.RegisterScheme(ctx, reg, welcome)
	if !errors.Is(err, watch.ErrConflict) {
		return err
	}
	if _, uerr := st.UserByEmail(ctx, to); uerr != nil {
		return err // a conflict other than the account's
	}
	// The registrant's text stays out of a mail to someone else's address.
	_, err = st.EnqueueMail(ctx, watch.OutboxMail{To: to, Subject: "Registering a Neighbourhood Watch scheme", Created: now, NextAttempt: now,
		Body: "Someone tried to register a Neighbourhood Watch scheme with this address, which already has an account, " +
			"so nothing was registered.\n\nIf it was you, sign in first and register the scheme from your account: " +
			s.publicLink("/account/sign-in") + "\n\nIf it was not you, there is nothing to do: your account is unchanged.\n"})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	return nil
}

// staffNotice is the mail each of the force's staff and every admin gets
// of a new scheme: its name and where to review it, nothing of who
// registered it.
func (s *Server) staffNotice(sc watch.Scheme, now time.Time) watch.OutboxMail {
	return watch.OutboxMail{Subject: subject("New scheme to review: ", sc.Name), Created: now, NextAttempt: now,
		Body: "A new Neighbourhood Watch scheme, " + sc.Name + ", is waiting for force staff to approve or reject it:\n\n" +
			s.publicLink("/watch/staff") + "\n"}
}

// publicLink is path under --public-url, for links that leave the
// request: in a mail or a page to be kept. Without --public-url it is the
// path alone, never built from the request's Host, which whoever sends the
// request chooses.
func (s *Server) publicLink(path string) string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + path
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

// newCoordinator is the account of someone registering a scheme, checked
// and its password hashed, to be stored with the scheme. The hash is made
// whether or not the address has an account, so the time taken tells no
// one which.
func newCoordinator(email, password, contact string, now time.Time) (watch.User, error) {
	nu := watch.User{Email: watch.NormaliseEmail(email), Role: watch.RoleCoordinator, Created: now}
	if err := nu.Validate(); err != nil {
		return nu, err
	}
	if err := watch.CheckPassword(password); err != nil {
		return nu, err
	}
	if err := watch.CheckContact(contact, []watch.User{nu}); err != nil {
		return nu, err
	}
	hash, err := watch.HashPassword(password)
	nu.PasswordHash = hash
	return nu, err
}
