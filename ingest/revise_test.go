package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestReviseUnnamedFiles: a street file whose name gives no force-month is
// paired with the dataset's crimes as they are: its outcomes moved on are
// taken in, its crimes changed are refused with ErrCannotExtend.
func TestReviseUnnamedFiles(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	base, _, err := Load(context.Background(), []string{filepath.Join(dir, "2016-09-city-of-london-street.csv")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := testsupport.ReadCSV(t, filepath.Join(dir, "2016-09-city-of-london-street.csv"))
	write := func(rows [][]string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "revised.csv")
		var b strings.Builder
		if err := csv.NewWriter(&b).WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	moved := slices.Clone(rows)
	for i, row := range moved[1:] {
		if row[0] != "" && i%3 == 0 {
			moved[1+i] = append(slices.Clone(row[:10]), "Unable to prosecute suspect", row[11])
		}
	}
	ds, _, err := Revise(context.Background(), base, []string{write(moved)}, Options{})
	if err != nil || ds.Version() == base.Version() || !ds.Restates(base) {
		t.Fatalf("outcomes moved on: %v, version %s (base %s)", err, ds.Version(), base.Version())
	}
	if _, _, err := Revise(context.Background(), base, []string{write(rows[:len(rows)-1])}, Options{}); !errors.Is(err, ErrCannotExtend) {
		t.Fatalf("a crime dropped: got %v, want ErrCannotExtend", err)
	}
}
