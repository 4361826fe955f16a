package neighbourhood

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"crimemap/fault"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func load(t testing.TB, dir string) (*Set, *Summary) {
	t.Helper()
	s, sum, err := LoadDir(context.Background(), filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	return s, sum
}

// TestSummaryGolden pins what LoadDir reports for the clean folder and for
// one full of bad input, so a change in what is counted, dropped or how an
// error reads is reviewed. Regenerate with:
// go test ./neighbourhood -run SummaryGolden -update
func TestSummaryGolden(t *testing.T) {
	for _, dir := range []string{"api", "broken"} {
		t.Run(dir, func(t *testing.T) {
			_, sum := load(t, dir)
			got := []byte(sum.String())
			golden := filepath.Join("testdata", dir+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("summary differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	s, _ := load(t, "api")
	if got, want := s.Forces(), []ForceRef{{"hampshire", "Hampshire Constabulary"}, {"leicestershire", "Leicestershire Police"}}; !slices.Equal(got, want) {
		t.Errorf("Forces() = %v, want %v", got, want)
	}
	refs, err := s.Neighbourhoods("hampshire")
	if err != nil {
		t.Fatal(err)
	}
	// The list's order, then the unlisted SO15.
	want := []NeighbourhoodRef{{"SO14", "Southampton City Centre"}, {"Bargate Ward", "Bargate"}, {"SO17", "Portswood"}, {"SO15", "Shirley"}}
	if !slices.Equal(refs, want) {
		t.Errorf("Neighbourhoods = %v, want %v", refs, want)
	}
	n, err := s.Get("hampshire", "Bargate Ward")
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "Bargate" || n.WelcomeMessage.String() == "" || n.ContactDetails.Other[0].Key != "website" {
		t.Errorf("Bargate Ward = %+v", n)
	}
	lat, ok := n.Centre.Latitude.Float()
	if !ok || lat != 50.904 {
		t.Errorf("centre latitude %v %v", lat, ok)
	}
	people, err := s.People("hampshire", "SO14")
	if err != nil || len(people) != 2 || people[1].Bio.IsNull() != true {
		t.Errorf("People = %+v, %v", people, err)
	}
	b, err := s.Boundary("hampshire", "SO14")
	if err != nil || len(b) != 5 {
		t.Errorf("Boundary = %v, %v", b, err)
	}
	if p, err := s.Priorities("hampshire", "Bargate Ward"); err != nil || p == nil || len(p) != 0 {
		t.Errorf("Priorities without a file = %#v, %v; want []", p, err)
	}
	f, err := s.Force("hampshire")
	if err != nil || f.Telephone.String() != "101" {
		t.Errorf("Force = %+v, %v", f, err)
	}
	if _, err := s.Neighbourhoods("leicestershire"); err != nil {
		t.Error(err)
	}
}

func TestNotFound(t *testing.T) {
	s, _ := load(t, "api")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"unknown force", second(s.Neighbourhoods("kent")), ErrNoForce},
		{"unknown force detail", second(s.Force("leicestershire")), ErrNoForce},
		{"unknown neighbourhood", second(s.Get("hampshire", "SO99")), ErrNoNeighbourhood},
		{"same id, other force", second(s.Get("leicestershire", "SO14")), ErrNoNeighbourhood},
		{"listed without detail", second(s.Get("hampshire", "SO17")), ErrNoDetail},
		{"people of unknown", second(s.People("hampshire", "SO99")), ErrNoNeighbourhood},
		{"events of unknown force", second(s.Events("kent", "SO14")), ErrNoForce},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || !fault.Is(tc.err, fault.NotFound) {
				t.Errorf("error %v, want %v of kind not found", tc.err, tc.want)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

// TestBrokenKeepsTheRest checks that bad values drop only what holds them.
func TestBrokenKeepsTheRest(t *testing.T) {
	s, sum := load(t, "broken")
	refs, _ := s.Neighbourhoods("hampshire")
	if want := []NeighbourhoodRef{{"SO14", "Southampton City Centre"}, {"SO16", "Bitterne"}}; !slices.Equal(refs, want) {
		t.Errorf("Neighbourhoods = %v, want %v", refs, want)
	}
	// SO14's detail has a bad centre: the neighbourhood stays, its detail goes.
	if _, err := s.Get("hampshire", "SO14"); !errors.Is(err, ErrNoDetail) {
		t.Errorf("Get SO14: %v, want ErrNoDetail", err)
	}
	people, _ := s.People("hampshire", "SO14")
	if len(people) != 1 || people[0].Name != "Aisha Khan" {
		t.Errorf("people = %+v, want only Aisha Khan", people)
	}
	if b, _ := s.Boundary("hampshire", "SO14"); len(b) != 0 {
		t.Errorf("boundary with a bad vertex kept: %v", b)
	}
	n, err := s.Get("hampshire", "SO16")
	if err != nil || len(n.Links) != 1 || len(n.Locations) != 0 {
		t.Errorf("SO16 = %+v, %v; want one link, no location", n, err)
	}
	if got := sum.Rejected()["not a number"]; got != 3 {
		t.Errorf("rejected as not a number: %d, want 3", got)
	}
	var fe *FileError
	if !errors.As(sum.Errors[0], &fe) || fe.File == "" {
		t.Errorf("first error %v is not a FileError", sum.Errors[0])
	}
}

func TestLoadDirMissing(t *testing.T) {
	if _, _, err := LoadDir(context.Background(), filepath.Join("testdata", "nowhere")); err == nil {
		t.Error("no error for a missing folder")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := LoadDir(ctx, filepath.Join("testdata", "api")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled load: %v", err)
	}
}

func TestUpcoming(t *testing.T) {
	s, _ := load(t, "api")
	events, _ := s.Events("hampshire", "SO14")
	titles := func(es []Event) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Title.String())
		}
		return out
	}
	at := func(s string) time.Time { t, _ := parseDate(s); return t }
	tests := []struct {
		now  time.Time
		want []string
	}{
		{at("2016-09-01T00:00:00"), []string{"Bargate beat surgery", "Drop-in at the library", "Bike marking"}},
		{at("2016-09-17T11:00:00"), []string{"Bargate beat surgery", "Drop-in at the library", "Bike marking"}}, // under way
		{at("2016-09-17T12:00:01"), []string{"Drop-in at the library", "Bike marking"}},
		{at("2099-04-11T18:30:00"), []string{"Drop-in at the library", "Bike marking"}}, // no end: ends as it starts
		{at("2099-04-11T18:30:01"), []string{"Bike marking"}},
		{at("2100-01-01T00:00:00"), nil},
	}
	for _, tc := range tests {
		if got := titles(Upcoming(events, tc.now)); !slices.Equal(got, tc.want) {
			t.Errorf("Upcoming(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
	// The dates are UK time: 10:00 in September is 09:00 UTC.
	start, _ := events[0].StartDate.Time()
	if got := start.UTC().Format(time.RFC3339); got != "2016-09-17T09:00:00Z" {
		t.Errorf("start in UTC = %s", got)
	}
}

func TestEscapeID(t *testing.T) {
	tests := []struct{ id, name string }{
		{"SO14", "SO14"},
		{"Bargate Ward", "Bargate%20Ward"},
		{"a/b", "a%2Fb"},
		{"50%", "50%25"},
		{"..", "%2E."},
		{".hidden", "%2Ehidden"},
		{"Leake & Keyworth", "Leake%20&%20Keyworth"},
		{"Ynys Môn", "Ynys%20M%C3%B4n"},
	}
	for _, tc := range tests {
		if got := EscapeID(tc.id); got != tc.name {
			t.Errorf("EscapeID(%q) = %q, want %q", tc.id, got, tc.name)
		}
		if got, err := UnescapeID(tc.name); err != nil || got != tc.id {
			t.Errorf("UnescapeID(%q) = %q, %v", tc.name, got, err)
		}
	}
	for _, name := range []string{"a%41", "..", ".x", "%zz", "", "a b"} {
		if id, err := UnescapeID(name); err == nil {
			t.Errorf("UnescapeID(%q) = %q, want an error", name, id)
		}
	}
}

// TestWriteDirRoundTrip checks LoadDir(WriteDir(x)) == x, for the clean
// folder and for what survives of the broken one.
func TestWriteDirRoundTrip(t *testing.T) {
	for _, dir := range []string{"api", "broken"} {
		t.Run(dir, func(t *testing.T) {
			s, _ := load(t, dir)
			out := t.TempDir()
			if err := WriteDir(out, s); err != nil {
				t.Fatal(err)
			}
			again, sum, err := LoadDir(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Errors) > 0 || len(sum.Skipped) > 0 {
				t.Errorf("reloading what WriteDir wrote:\n%s", sum)
			}
			if !reflect.DeepEqual(again, s) {
				t.Errorf("reloaded Set differs")
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	rel := DetailPath("hampshire", "Bargate Ward")
	if err := WriteFile(dir, rel, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, rel, []byte(`{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "hampshire", "Bargate%20Ward.json"))
	if err != nil || string(got) != `{"a":2}` {
		t.Errorf("file = %q, %v", got, err)
	}
	// No temporary file is left beside it.
	entries, _ := os.ReadDir(filepath.Join(dir, "hampshire"))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(entries))
	}
	// A file where a folder must go fails with the path named.
	if err := WriteFile(dir, "hampshire/Bargate%20Ward.json/people.json", nil); err == nil {
		t.Error("no error writing under a file")
	}
}

func TestMarshalKeepsHTML(t *testing.T) {
	s, _ := load(t, "api")
	n, _ := s.Get("hampshire", "SO14")
	b, err := Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"<p>The city centre team`)) {
		t.Errorf("HTML escaped in %s", b)
	}
}
