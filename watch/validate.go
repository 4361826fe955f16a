package watch

import (
	"fmt"
	"math"
	"net/mail"
	"strings"
	"unicode/utf8"

	"crimemap/fault"
)

// Field size limits, in bytes of UTF-8 unless said otherwise. They bound
// what one form or import row can make the store keep.
const (
	MaxName        = 200
	MaxDescription = 5000
	MaxContact     = 500
	MaxEmail       = 254 // RFC 5321's path limit
	MaxAddress     = 200
	MaxText        = 5000 // a message, an application's note or a reply
	MaxForce       = 64
	MaxField       = 64
	MaxFieldValue  = 20000 // one neighbourhood team field, e.g. its events as JSON
	MaxVertices    = 10000
	MinRadiusM     = 50
	MaxRadiusM     = 20000
	MaxPassword    = 1024
	MinPassword    = 12 // characters
)

// Validation errors.
var (
	ErrInvalid  = fault.New(fault.Invalid, "invalid")
	ErrTooLarge = fault.New(fault.TooLarge, "too large")
)

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid)
}

// text checks a free-text field: valid UTF-8, no control characters other
// than newlines and tabs, within max bytes, and present when required.
func text(field, v string, max int, required bool) error {
	if len(v) > max {
		return fmt.Errorf("%s: %d bytes, at most %d: %w", field, len(v), max, ErrTooLarge)
	}
	if required && strings.TrimSpace(v) == "" {
		return invalid(field, "required")
	}
	if !utf8.ValidString(v) {
		return invalid(field, "not UTF-8")
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return invalid(field, "control character %U", r)
		}
	}
	return nil
}

// line is text that must hold on one line.
func line(field, v string, max int, required bool) error {
	if err := text(field, v, max, required); err != nil {
		return err
	}
	if strings.ContainsAny(v, "\r\n") {
		return invalid(field, "line break")
	}
	return nil
}

// CheckEmail accepts one bare address, as a form would give it.
func CheckEmail(field, v string) error {
	if err := line(field, v, MaxEmail, true); err != nil {
		return err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return invalid(field, "not an email address")
	}
	return nil
}

// NormaliseEmail gives the form under which an account's address is
// stored and looked up.
func NormaliseEmail(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// Validate checks an area: a polygon of closed rings within MaxVertices,
// or a centre with a radius in range, in lon/lat.
func (a Area) Validate() error {
	if err := line("neighbourhood", a.Neighbourhood, MaxForce, false); err != nil {
		return err
	}
	if a.IsCircle() {
		if !lonLat(a.Centre[0], a.Centre[1]) {
			return invalid("centre", "not a lon/lat pair")
		}
		if !(a.RadiusM >= MinRadiusM && a.RadiusM <= MaxRadiusM) {
			return invalid("radius_m", "%v not within %d..%d", a.RadiusM, MinRadiusM, MaxRadiusM)
		}
		return nil
	}
	if a.RadiusM != 0 {
		return invalid("area", "both a polygon and a radius")
	}
	n := 0
	for _, p := range a.Polygon {
		if len(p) == 0 {
			return invalid("wkt", "empty polygon")
		}
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return invalid("wkt", "a ring needs 4 points, the last equal to the first")
			}
			n += len(r)
			if n > MaxVertices {
				return fmt.Errorf("wkt: more than %d vertices: %w", MaxVertices, ErrTooLarge)
			}
			for _, pt := range r {
				if !lonLat(pt[0], pt[1]) {
					return invalid("wkt", "vertex %v not lon/lat", pt)
				}
			}
		}
	}
	return nil
}

func lonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// Validate checks a scheme before it is stored.
func (s *Scheme) Validate() error {
	if err := line("name", s.Name, MaxName, true); err != nil {
		return err
	}
	if err := text("description", s.Description, MaxDescription, false); err != nil {
		return err
	}
	if err := line("force", s.Force, MaxForce, true); err != nil {
		return err
	}
	if err := line("contact", s.Contact, MaxContact, false); err != nil {
		return err
	}
	switch s.Status {
	case SchemePending, SchemeActive, SchemeClosed:
	default:
		return invalid("status", "%q is not pending, active or closed", s.Status)
	}
	return s.Area.Validate()
}

// CheckContact refuses a public contact route that is one of the
// coordinators' own addresses: the route is published, theirs are not.
func CheckContact(contact string, coordinators []User) error {
	c := NormaliseEmail(contact)
	for _, u := range coordinators {
		e := NormaliseEmail(u.Email)
		if c != "" && e != "" && strings.Contains(c, e) {
			return invalid("contact", "is a coordinator's own address")
		}
	}
	return nil
}

// sender checks who wrote an application or a message.
func sender(name, email string) error {
	if err := line("name", name, MaxName, true); err != nil {
		return err
	}
	return CheckEmail("email", email)
}

// Validate checks an application to join.
func (a *Application) Validate() error {
	if err := sender(a.Name, a.Email); err != nil {
		return err
	}
	if err := line("address", a.Address, MaxAddress, true); err != nil {
		return err
	}
	if err := text("message", a.Message, MaxText, false); err != nil {
		return err
	}
	if !a.Consent {
		return invalid("consent", "required")
	}
	return nil
}

// Validate checks a message to a scheme.
func (m *Message) Validate() error {
	if err := sender(m.Name, m.Email); err != nil {
		return err
	}
	return text("text", m.Text, MaxText, true)
}

// Validate checks a reply.
func (r *Reply) Validate() error { return text("text", r.Text, MaxText, true) }

// Validate checks an account.
func (u *User) Validate() error {
	if err := CheckEmail("email", u.Email); err != nil {
		return err
	}
	switch u.Role {
	case RoleAdmin, RoleCoordinator:
		if u.Force != "" {
			return invalid("force", "only staff belong to a force")
		}
	case RoleStaff:
		if err := line("force", u.Force, MaxForce, true); err != nil {
			return err
		}
	default:
		return invalid("role", "%q is not admin, staff or coordinator", u.Role)
	}
	return nil
}

// Validate checks a team edit.
func (e *TeamEdit) Validate() error {
	if err := line("force", e.Force, MaxForce, true); err != nil {
		return err
	}
	if err := line("neighbourhood", e.Neighbourhood, MaxForce, true); err != nil {
		return err
	}
	if err := line("field", e.Field, MaxField, true); err != nil {
		return err
	}
	if err := text("old", e.Old, MaxFieldValue, false); err != nil {
		return err
	}
	return text("new", e.New, MaxFieldValue, false)
}

// Validate checks a mail before it is queued.
func (m *OutboxMail) Validate() error {
	if err := CheckEmail("to", m.To); err != nil {
		return err
	}
	if err := line("subject", m.Subject, MaxName, true); err != nil {
		return err
	}
	return text("body", m.Body, MaxText*4, true)
}

// Validate checks an audit entry.
func (e *AuditEntry) Validate() error {
	if err := line("action", e.Action, MaxField, true); err != nil {
		return err
	}
	if err := line("subject", e.Subject, MaxField, true); err != nil {
		return err
	}
	return text("detail", e.Detail, MaxText, false)
}
