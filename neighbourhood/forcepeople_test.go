package neighbourhood

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"

	"crimemap/internal/testsupport"
)

// TestForcePeople loads forces/<force>/people.json, data.police.uk's
// senior officers, beside the force's file: the shared fixture's officer
// comes back with every field, survives a write and a reload, a force
// without the file has none, and an unknown force is ErrNoForce.
func TestForcePeople(t *testing.T) {
	officer, err := os.ReadFile(testsupport.Shared(t, "api-json-fixtures", "police-data-kit", "police-officer.json"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"forces.json":                       {Data: []byte(`[{"id":"leicestershire","name":"Leicestershire Police"},{"id":"hampshire","name":"Hampshire Constabulary"}]`)},
		"forces/leicestershire.json":        {Data: []byte(`{"id":"leicestershire","name":"Leicestershire Police"}`)},
		"forces/hampshire.json":             {Data: []byte(`{"id":"hampshire","name":"Hampshire Constabulary"}`)},
		"forces/leicestershire/people.json": {Data: append(append([]byte("["), officer...), ']')},
	}
	s, sum, err := LoadFS(context.Background(), fsys)
	if err != nil || len(sum.Errors) > 0 {
		t.Fatalf("load: %v %v", err, sum.Errors)
	}
	for round := range 2 {
		people, err := s.ForcePeople("leicestershire")
		if err != nil || len(people) != 1 {
			t.Fatalf("round %d: %v, %v", round, people, err)
		}
		p := people[0]
		if p.Name != "Roger Bannister" || p.Rank.String() != "Assistant Chief Officer (Crime)" || len(p.Bio.String()) < 100 ||
			p.ContactDetails == nil {
			t.Errorf("round %d: officer %+v", round, p)
		}
		if none, err := s.ForcePeople("hampshire"); err != nil || none == nil || len(none) != 0 {
			t.Errorf("round %d: hampshire %v, %v; want [] and no error", round, none, err)
		}
		if _, err := s.ForcePeople("nowhere"); !errors.Is(err, ErrNoForce) {
			t.Errorf("round %d: unknown force: %v", round, err)
		}
		if s, sum, err = LoadFS(context.Background(), written(t, s)); err != nil || len(sum.Errors) > 0 {
			t.Fatalf("reload: %v %v", err, sum.Errors)
		}
	}
}
