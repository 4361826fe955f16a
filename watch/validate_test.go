package watch

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/fault"
)

func TestValidate(t *testing.T) {
	okScheme := func() Scheme {
		return Scheme{Name: "Green", Force: "leicestershire", Status: SchemeActive,
			Area: Area{Centre: orb.Point{-1.13, 52.63}, RadiusM: 300}}
	}
	okApp := func() Application {
		return Application{Name: "Ada", Email: "ada@example.com", Address: "LE1 5WW", Consent: true}
	}
	square := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}
	bigRing := make(orb.Ring, MaxVertices+1)
	bigRing[len(bigRing)-1] = bigRing[0]
	for _, c := range []struct {
		name string
		err  error
		kind fault.Kind // Internal: no error
	}{
		{"scheme", call(okScheme(), nil), fault.Internal},
		{"scheme polygon", call(okScheme(), func(s *Scheme) { s.Area = Area{Polygon: square} }), fault.Internal},
		{"scheme no name", call(okScheme(), func(s *Scheme) { s.Name = " " }), fault.Invalid},
		{"scheme name too long", call(okScheme(), func(s *Scheme) { s.Name = strings.Repeat("a", MaxName+1) }), fault.TooLarge},
		{"scheme name with a newline", call(okScheme(), func(s *Scheme) { s.Name = "a\nb" }), fault.Invalid},
		{"scheme description with a NUL", call(okScheme(), func(s *Scheme) { s.Description = "a\x00" }), fault.Invalid},
		{"scheme bad status", call(okScheme(), func(s *Scheme) { s.Status = "open" }), fault.Invalid},
		{"scheme no force", call(okScheme(), func(s *Scheme) { s.Force = "" }), fault.Invalid},
		{"radius too small", call(okScheme(), func(s *Scheme) { s.Area.RadiusM = 1 }), fault.Invalid},
		{"radius too large", call(okScheme(), func(s *Scheme) { s.Area.RadiusM = MaxRadiusM + 1 }), fault.Invalid},
		{"centre off the globe", call(okScheme(), func(s *Scheme) { s.Area.Centre = orb.Point{200, 0} }), fault.Invalid},
		{"polygon and radius", call(okScheme(), func(s *Scheme) { s.Area.Polygon = square }), fault.Invalid},
		{"open ring", call(okScheme(), func(s *Scheme) {
			s.Area = Area{Polygon: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}}
		}), fault.Invalid},
		{"too many vertices", call(okScheme(), func(s *Scheme) { s.Area = Area{Polygon: orb.MultiPolygon{{bigRing}}} }), fault.TooLarge},
		{"application", call(okApp(), nil), fault.Internal},
		{"application no consent", call(okApp(), func(a *Application) { a.Consent = false }), fault.Invalid},
		{"application display-name email", call(okApp(), func(a *Application) { a.Email = "Ada <ada@example.com>" }), fault.Invalid},
		{"application header injection", call(okApp(), func(a *Application) { a.Email = "a@example.com\nBcc: b@example.com" }), fault.Invalid},
		{"application message too long", call(okApp(), func(a *Application) { a.Message = strings.Repeat("a", MaxText+1) }), fault.TooLarge},
		{"application bad UTF-8", call(okApp(), func(a *Application) { a.Name = "\xff" }), fault.Invalid},
		{"staff without force", call(User{Email: "s@example.com", Role: RoleStaff}, nil), fault.Invalid},
		{"admin with force", call(User{Email: "s@example.com", Role: RoleAdmin, Force: "x"}, nil), fault.Invalid},
	} {
		if c.kind == fault.Internal {
			if c.err != nil {
				t.Errorf("%s: %v", c.name, c.err)
			}
			continue
		}
		if !fault.Is(c.err, c.kind) {
			t.Errorf("%s: %v (kind %v), want %v", c.name, c.err, fault.KindOf(c.err), c.kind)
		}
	}
}

type validator interface{ Validate() error }

// call applies edit to a copy of v and validates it.
func call[T any, P interface {
	*T
	validator
}](v T, edit func(*T)) error {
	if edit != nil {
		edit(&v)
	}
	return P(&v).Validate()
}

func TestCheckContact(t *testing.T) {
	coords := []User{{Email: "Coord@Example.com"}, {}}
	for contact, ok := range map[string]bool{
		"":                            true,
		"https://example.org/green":   true,
		"green-watch@example.org":     true,
		"coord@example.com":           false,
		"mailto:COORD@example.com":    false,
		"Write to coord@example.com.": false,
	} {
		if err := CheckContact(contact, coords); (err == nil) != ok {
			t.Errorf("%q: %v", contact, err)
		}
	}
}
