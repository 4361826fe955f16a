package ingest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"crimemap/internal/testsupport"
)

// TestReviseRefuses checks that files Revise cannot apply say so with
// ErrCannotExtend, which sends the caller to read every file: an outcomes
// file, a stop-and-search file and a street file of a month the dataset
// does not hold. A street file as it was applies and changes nothing.
func TestReviseRefuses(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	base, _, err := Load(context.Background(), []string{filepath.Join(dir, "2016-09-city-of-london-street.csv"), filepath.Join(dir, "2016-10-city-of-london-street.csv")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"2016-09-city-of-london-outcomes.csv", "2016-09-city-of-london-stop-and-search.csv", "2016-11-city-of-london-street.csv"} {
		if _, _, err := Revise(context.Background(), base, []string{filepath.Join(dir, name)}, Options{}); !errors.Is(err, ErrCannotExtend) {
			t.Errorf("%s: got %v, want ErrCannotExtend", name, err)
		}
	}
	same, _, err := Revise(context.Background(), base, []string{filepath.Join(dir, "2016-10-city-of-london-street.csv")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if same.Version() != base.Version() {
		t.Fatalf("a street file as it was: version %s, want %s", same.Version(), base.Version())
	}
}
