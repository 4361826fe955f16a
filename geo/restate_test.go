package geo_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
)

// cityMonths is the City of London's 18 months of street, outcomes and
// stop-and-search files.
const cityMonths = "city-of-london-2016-01_2017-06-street-outcomes-stopsearch"

// reviseStreetFile writes the street file name of the folder src into dst
// with edit applied to each row (the header left alone), and links every
// other file of src into dst.
func reviseStreetFile(t *testing.T, src, dst, name string, edit func(i int, row []string) []string) {
	t.Helper()
	reviseStreetFiles(t, src, dst, []string{name}, func(_ string, i int, row []string) []string { return edit(i, row) })
}

// reviseStreetFiles is reviseStreetFile for several files.
func reviseStreetFiles(t *testing.T, src, dst string, names []string, edit func(name string, i int, row []string) []string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if slices.Contains(names, e.Name()) {
			continue
		}
		if err := os.Link(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		rewriteStreetFile(t, filepath.Join(src, name), filepath.Join(dst, name), func(i int, row []string) []string { return edit(name, i, row) })
	}
}

// rewriteStreetFile writes the CSV file from to to with edit applied to
// each row but the header.
func rewriteStreetFile(t *testing.T, from, to string, edit func(i int, row []string) []string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rows, err := csv.NewReader(in).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.Write(rows[0]); err != nil {
		t.Fatal(err)
	}
	for i, row := range rows[1:] {
		if row = edit(i, row); row != nil {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), out.Close()); err != nil {
		t.Fatal(err)
	}
}

// loadFiles reads the named files as the server does.
func loadFiles(t *testing.T, paths ...string) *geo.Dataset {
	t.Helper()
	ds, sum, err := ingest.Load(context.Background(), paths, ingest.Options{})
	if err != nil || sum.HasFailures() {
		t.Fatal(err, sum.Failed)
	}
	return ds
}

// TestRestateAnswersAsOnePiece revises street files of the City of
// London's months as data.police.uk does, their crimes' last outcomes
// moved on, and checks that the dataset restated with them answers as the
// revised files loaded with the rest, version included; on a base in one
// piece and on one whose later months were appended as parts, revising a
// month of the first part and one of an appended part. Revisions that
// change more than outcomes are refused.
func TestRestateAnswersAsOnePiece(t *testing.T) {
	src := testsupport.Shared(t, cityMonths)
	// Outcomes the files use, to move crimes' outcomes on to.
	later := []string{"Investigation complete; no suspect identified", "Offender given a caution", "Unable to prosecute suspect"}
	moveOn := func(i int, row []string) []string {
		if row[0] != "" && i%3 == 0 {
			row[10] = later[i%len(later)]
			if row[10] == "" {
				row[10] = later[0]
			}
		}
		return row
	}
	whole := loadFiles(t, src)
	bases := map[string]*geo.Dataset{"one piece": whole, "3 months appended": appended(t, whole, 3, 1)}
	for _, month := range []string{"2016-09", "2017-05"} {
		name := month + "-city-of-london-street.csv"
		dir := t.TempDir()
		reviseStreetFile(t, src, dir, name, moveOn)
		want := loadFiles(t, dir)
		rev := loadFiles(t, filepath.Join(dir, name))
		for bname, base := range bases {
			t.Run(month+"/"+bname, func(t *testing.T) {
				got, err := geo.Restate(base, rev)
				if err != nil {
					t.Fatal(err)
				}
				if got.Version() == base.Version() {
					t.Fatal("the version did not change")
				}
				if got.Version() != want.Version() {
					t.Fatalf("version %s, the revised files load as %s", got.Version(), want.Version())
				}
				if got.Extends(base) || base.Extends(got) {
					t.Fatal("a restated dataset passes for an extension of its base")
				}
				sameAnswers(t, want, got)
			})
		}
	}
	t.Run("unchanged", func(t *testing.T) {
		got, err := geo.Restate(whole, loadFiles(t, filepath.Join(src, "2016-09-city-of-london-street.csv")))
		if err != nil || got != whole {
			t.Fatalf("got %p, %v; want the base itself", got, err)
		}
	})
	refused := map[string]func(i int, row []string) []string{
		"a crime dropped": func(i int, row []string) []string {
			if i == 7 {
				return nil
			}
			return row
		},
		"a type changed": func(i int, row []string) []string {
			if i == 7 {
				row[9] = map[bool]string{true: "Burglary", false: "Robbery"}[row[9] != "Burglary"]
			}
			return row
		},
		"a crime moved": func(i int, row []string) []string {
			if i == 7 {
				row[4], row[5] = "-0.0900", "51.5150"
			}
			return row
		},
		"an ID changed": func(i int, row []string) []string {
			if i == 1 {
				row[0] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
			}
			return row
		},
	}
	for what, edit := range refused {
		t.Run(what, func(t *testing.T) {
			dir := t.TempDir()
			name := "2016-09-city-of-london-street.csv"
			reviseStreetFile(t, src, dir, name, edit)
			if _, err := geo.Restate(whole, loadFiles(t, filepath.Join(dir, name))); !errors.Is(err, geo.ErrRestate) {
				t.Fatalf("got %v, want ErrRestate", err)
			}
		})
	}
}
