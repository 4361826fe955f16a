package neighbourhood_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"crimemap/neighbourhood"
)

func TestParseEdit(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		ok           bool
		errHas       string
	}{
		{neighbourhood.FieldTeam, `[{"name": "Ann Lee", "rank": "PCSO", "bio": "<p>Hi</p>"}]`, true, ""},
		{neighbourhood.FieldTeam, `[]`, true, ""},
		{neighbourhood.FieldTeam, `[{"name": "Ann"}, {"rank": "PC"}]`, false, "$[1]"},
		{neighbourhood.FieldTeam, `{"name": "Ann"}`, false, "want array"},
		{neighbourhood.FieldTeam, `[{"name": "Ann"}] trailing`, false, "not JSON"},
		{neighbourhood.FieldContactDetails, `{"email": "team@example.org", "telephone": "101"}`, true, ""},
		{neighbourhood.FieldContactDetails, `null`, false, "want object"},
		{neighbourhood.FieldContactDetails, `{"email": 5}`, false, "contact_details.email"},
		{neighbourhood.FieldEvents, `[{"title": "Surgery", "start_date": "2030-01-02T10:00:00"}]`, true, ""},
		{neighbourhood.FieldEvents, `[{"title": "Surgery", "start_date": "next tuesday"}]`, false, "start_date"},
		{neighbourhood.FieldPriorities, `[{"issue": "<p>Parking</p>", "action": "Patrols"}]`, true, ""},
		{"population", `"5"`, false, "population"},
	} {
		_, err := neighbourhood.ParseEdit(tc.field, tc.value)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s %s: %v", tc.field, tc.value, err)
		}
	}
}

func TestWithEdits(t *testing.T) {
	set, _, err := neighbourhood.LoadDir(context.Background(), "testdata/api")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := set.People("hampshire", "SO14")
	edited, err := set.WithEdits("hampshire", "SO14", map[string]string{
		neighbourhood.FieldTeam:           `[{"name": "New Person", "rank": "PC"}]`,
		neighbourhood.FieldContactDetails: `{"email": "new@example.org"}`,
		neighbourhood.FieldEvents:         "", // keeps the loaded events
	})
	if err != nil {
		t.Fatal(err)
	}
	people, err := edited.People("hampshire", "SO14")
	if err != nil || len(people) != 1 || people[0].Name != "New Person" {
		t.Errorf("edited people: %+v %v", people, err)
	}
	d, err := edited.Get("hampshire", "SO14")
	if err != nil || d.ContactDetails.Email.String() != "new@example.org" {
		t.Errorf("edited contact details: %+v %v", d, err)
	}
	if ev, _ := set.Events("hampshire", "SO14"); len(ev) == 0 {
		t.Fatal("fixture has no events")
	} else if got, _ := edited.Events("hampshire", "SO14"); len(got) != len(ev) {
		t.Errorf("unedited events: %d, want %d", len(got), len(ev))
	}
	// The loaded set and its shared objects are untouched, and so are the
	// other neighbourhoods of the edited set.
	if p, _ := set.People("hampshire", "SO14"); len(p) != len(before) || p[0].Name != before[0].Name {
		t.Errorf("loaded people changed: %+v", p)
	}
	if d, _ := set.Get("hampshire", "SO14"); d.ContactDetails != nil && d.ContactDetails.Email.String() == "new@example.org" {
		t.Error("loaded detail changed")
	}
	a, _ := set.People("hampshire", "Bargate Ward")
	b, _ := edited.People("hampshire", "Bargate Ward")
	if len(a) != len(b) {
		t.Errorf("another neighbourhood changed: %d people, want %d", len(b), len(a))
	}
	if _, err := set.WithEdits("hampshire", "SO14", map[string]string{neighbourhood.FieldTeam: `[{}]`}); err == nil {
		t.Error("a bad stored edit was applied")
	}
	// A neighbourhood only the boundaries know gets its edited fields.
	extra, err := set.WithEdits("hampshire", "SO99", map[string]string{neighbourhood.FieldTeam: `[{"name": "Solo"}]`})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := extra.People("hampshire", "SO99"); err != nil || len(p) != 1 {
		t.Errorf("new neighbourhood's people: %+v %v", p, err)
	}
	if _, err := extra.Get("hampshire", "SO99"); !errors.Is(err, neighbourhood.ErrNoDetail) {
		t.Errorf("new neighbourhood's detail: %v, want ErrNoDetail", err)
	}
}

func FuzzParseEdit(f *testing.F) {
	f.Add(neighbourhood.FieldTeam, `[{"name": "Ann", "bio": "<p>x</p>"}]`)
	f.Add(neighbourhood.FieldContactDetails, `{"email": "a@example.org", "x": "y"}`)
	f.Add(neighbourhood.FieldEvents, `[{"start_date": "2030-01-01T00:00:00"}]`)
	f.Add(neighbourhood.FieldPriorities, `[{"issue-date": "2024-01-01T00:00:00"}]`)
	f.Fuzz(func(t *testing.T, field, value string) {
		e, err := neighbourhood.ParseEdit(field, value)
		if err != nil {
			return
		}
		// What is accepted encodes, and reads back to the same value.
		b, err := neighbourhood.Marshal(e)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", value, err)
		}
		again, err := neighbourhood.ParseEdit(field, string(b))
		if err != nil {
			t.Fatalf("re-encoded %s does not parse: %v", b, err)
		}
		if b2, _ := neighbourhood.Marshal(again); string(b2) != string(b) {
			t.Fatalf("round trip: %s then %s", b, b2)
		}
	})
}
