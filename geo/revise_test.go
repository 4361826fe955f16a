package geo_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"crimemap/geo"
	"crimemap/internal/testsupport"
)

// TestReviseAnswersAsOnePiece revises street files of the City of London's
// months with their crimes changed (dropped, added, moved, retyped, given
// other Crime IDs, put in another order) and checks that the dataset
// revised in place answers as the revised files loaded with the rest,
// version, outcome histories and the rows left unmatched included; on a
// base in one piece and on one whose later months were appended as parts,
// revising a month of the first part and one of an appended part.
// Revisions that would change more than the force-month are refused.
func TestReviseAnswersAsOnePiece(t *testing.T) {
	src := testsupport.Shared(t, cityMonths)
	whole := loadFiles(t, src)
	bases := map[string]*geo.Dataset{"one piece": whole, "3 months appended": appended(t, whole, 3, 1)}
	// Column numbers of a street row.
	const (
		id, lon, lat, loc, lsoaCode, lsoaName, typ, outcome = 0, 4, 5, 6, 7, 8, 9, 10
	)
	var rows [][]string // the month's rows, for edits that copy a place
	early := map[string]bool{}
	for _, row := range testsupport.ReadCSV(t, filepath.Join(src, "2016-01-city-of-london-street.csv"))[1:] {
		early[row[lon]+","+row[lat]] = true
	}
	edits := map[string]func(i int, row []string) []string{
		"a crime dropped": func(i int, row []string) []string {
			if i == 7 || i == 30 {
				return nil
			}
			return row
		},
		"types changed": func(i int, row []string) []string {
			if i%5 == 0 {
				row[typ] = map[bool]string{true: "Burglary", false: "Robbery"}[row[typ] != "Burglary"]
			}
			return row
		},
		"crimes moved to other places": func(i int, row []string) []string {
			// From places used in the first month: a place first used
			// in the month revised keeps a crime of it.
			if i%4 == 1 && early[row[lon]+","+row[lat]] {
				o := rows[(i+37)%len(rows)]
				row[lon], row[lat], row[loc], row[lsoaCode], row[lsoaName] = o[lon], o[lat], o[loc], o[lsoaCode], o[lsoaName]
			}
			return row
		},
		"LSOAs of places first used in the month changed": func(i int, row []string) []string {
			if !early[row[lon]+","+row[lat]] {
				row[lsoaCode], row[lsoaName] = "E01099999", "Nowhere 001A"
			}
			return row
		},
		"IDs changed": func(i int, row []string) []string {
			if row[id] != "" && i%3 == 0 {
				row[id] = fmt.Sprintf("%064x", i+1)
			}
			return row
		},
		"IDs swapped": func(i int, row []string) []string {
			if o := rows[len(rows)-1-i]; i%2 == 0 {
				row[id] = o[id]
			}
			return row
		},
		"rows reversed": func(i int, row []string) []string {
			return append([]string(nil), rows[len(rows)-1-i]...)
		},
		"everything at once": func(i int, row []string) []string {
			switch i % 6 {
			case 0:
				if early[row[lon]+","+row[lat]] {
					return nil
				}
			case 1:
				row[typ] = "Other theft"
			case 2:
				if !early[row[lon]+","+row[lat]] {
					break
				}
				o := rows[(i+11)%len(rows)]
				row[lon], row[lat], row[loc] = o[lon], o[lat], o[loc]
			case 3:
				if row[id] != "" {
					row[id] = fmt.Sprintf("%064x", i+7)
				}
			case 4:
				row[outcome] = "Unable to prosecute suspect"
			}
			return row
		},
	}
	mustMonth := func(s string) geo.Month {
		m, err := geo.ParseMonth(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, month := range []string{"2016-09", "2017-05"} {
		name := month + "-city-of-london-street.csv"
		rows = testsupport.ReadCSV(t, filepath.Join(src, name))[1:]
		for what, edit := range edits {
			dir := t.TempDir()
			reviseStreetFile(t, src, dir, name, edit)
			want := loadFiles(t, dir)
			rev := loadFiles(t, filepath.Join(dir, name))
			units := []geo.Unit{{Force: "city-of-london", Month: mustMonth(month)}}
			for bname, base := range bases {
				t.Run(month+"/"+what+"/"+bname, func(t *testing.T) {
					got, err := geo.Revise(base, rev, units)
					if err != nil {
						t.Fatal(err)
					}
					if got.Version() != want.Version() {
						t.Fatalf("version %s, the revised files load as %s", got.Version(), want.Version())
					}
					if got.Extends(base) || base.Extends(got) || got.Restates(base) {
						t.Fatal("a revised dataset passes for an extension or restatement of its base")
					}
					if r := got.Revises(base); r == nil || len(r.Changes) == 0 {
						t.Fatalf("Revises: %v", r)
					}
					// The months appended to the other base keep no rows.
					if w, g := geo.UnmatchedRows(want), geo.UnmatchedRows(got); bname == "one piece" && !reflect.DeepEqual(w, g) {
						t.Fatalf("%d unmatched rows, want %d", len(g), len(w))
					}
					wf, wc := want.ForceMonthCounts()
					gf, gc := got.ForceMonthCounts()
					if wf != gf || !reflect.DeepEqual(wc, gc) {
						t.Fatalf("counts by force and month from %v: %v, want from %v: %v", gf, gc, wf, wc)
					}
					sameAnswers(t, want, got)
				})
			}
		}
	}
	// Two months at once, in the first part and (on the other base) in an
	// appended one, each with a share of every edit.
	t.Run("two months", func(t *testing.T) {
		dir := t.TempDir()
		names := []string{"2016-09-city-of-london-street.csv", "2017-05-city-of-london-street.csv"}
		reviseStreetFiles(t, src, dir, names, func(name string, i int, row []string) []string {
			rows = testsupport.ReadCSV(t, filepath.Join(src, name))[1:]
			return edits["everything at once"](i, edits["IDs swapped"](i, row))
		})
		want := loadFiles(t, dir)
		rev := loadFiles(t, filepath.Join(dir, names[0]), filepath.Join(dir, names[1]))
		units := []geo.Unit{{Force: "city-of-london", Month: mustMonth("2016-09")}, {Force: "city-of-london", Month: mustMonth("2017-05")}}
		for bname, base := range bases {
			got, err := geo.Revise(base, rev, units)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version() != want.Version() {
				t.Fatalf("%s: version %s, the revised files load as %s", bname, got.Version(), want.Version())
			}
			sameAnswers(t, want, got)
		}
	})
	refused := map[string]func(i int, row []string) []string{
		"a crime at a new place": func(i int, row []string) []string {
			if i == 7 {
				row[lon], row[lat] = "-0.0900", "51.5150"
			}
			return row
		},
		"a new type": func(i int, row []string) []string {
			if i == 7 {
				row[typ] = "Jaywalking"
			}
			return row
		},
		"every crime dropped": func(i int, row []string) []string { return nil },
		"a place's first crimes moved away": func(i int, row []string) []string {
			if !early[row[lon]+","+row[lat]] {
				o := rows[0]
				row[lon], row[lat], row[loc] = o[lon], o[lat], o[loc]
			}
			return row
		},
	}
	rows = testsupport.ReadCSV(t, filepath.Join(src, "2016-09-city-of-london-street.csv"))[1:]
	for what, edit := range refused {
		t.Run("refused/"+what, func(t *testing.T) {
			dir := t.TempDir()
			name := "2016-09-city-of-london-street.csv"
			reviseStreetFile(t, src, dir, name, edit)
			rev := loadFiles(t, filepath.Join(dir, name))
			units := []geo.Unit{{Force: "city-of-london", Month: mustMonth("2016-09")}}
			if _, err := geo.Revise(whole, rev, units); !errors.Is(err, geo.ErrRestate) {
				t.Fatalf("got %v, want ErrRestate", err)
			}
		})
	}
}

// TestReviseSyntheticForceMonths revises force-months of a synthetic
// archive of many forces, whose points come and go and whose outcomes
// files name crimes of earlier months, with random edits of every kind at
// once (crimes dropped and added, retyped, moved, given other Crime IDs
// and outcomes), several force-months of different months at a time, and
// checks the dataset revised in place against the revised files loaded
// whole. Drops and moves keep to places used in the first month, so that
// no point loses its first month and nothing is refused.
func TestReviseSyntheticForceMonths(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a synthetic archive several times")
	}
	src := synthChangingDir(t)
	whole := load(t, src)
	bases := map[string]*geo.Dataset{"one piece": whole, "3 months appended": appended(t, whole, 3, 1)}
	const lon, lat, loc, typ, outcome = 4, 5, 6, 9, 10
	firstMonth, err := filepath.Glob(filepath.Join(src, "2022-06", "*-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	early := map[string][]string{} // place -> a row there
	for _, f := range firstMonth {
		for _, row := range testsupport.ReadCSV(t, f)[1:] {
			if row[lon] != "" {
				early[row[lon]+","+row[lat]+","+row[loc]] = row
			}
		}
	}
	places := slices.Sorted(maps.Keys(early))
	types := []string{"Burglary", "Robbery", "Shoplifting", "Drugs", "Vehicle crime", "Other theft"}
	outcomes := []string{"", "Under investigation", "Unable to prosecute suspect", "Offender given a caution"}
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 11))
		months := []string{"2022-11", "2023-02", "2023-06"}
		var names []string
		for _, m := range months[:1+seed%3] {
			files, err := filepath.Glob(filepath.Join(src, m, "*-street.csv"))
			if err != nil || len(files) == 0 {
				t.Fatal(err, m)
			}
			for range 2 {
				names = append(names, filepath.Join(m, filepath.Base(files[rng.IntN(len(files))])))
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		t.Run(fmt.Sprintf("seed %d, %d files", seed, len(names)), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			var units []geo.Unit
			var paths []string
			for _, name := range names {
				path := filepath.Join(dir, name)
				paths = append(paths, path)
				m, _ := geo.ParseMonth(filepath.Base(name)[:7])
				units = append(units, geo.Unit{Force: strings.TrimSuffix(filepath.Base(name)[8:], "-street.csv"), Month: m})
				rows := testsupport.ReadCSV(t, path)
				out := [][]string{rows[0]}
				for i, row := range rows[1:] {
					atEarly := early[row[lon]+","+row[lat]+","+row[loc]] != nil
					switch rng.IntN(12) {
					case 0:
						if atEarly {
							continue // dropped
						}
					case 1:
						row[typ] = types[rng.IntN(len(types))]
					case 2:
						if atEarly {
							o := early[places[rng.IntN(len(places))]]
							row[lon], row[lat], row[loc], row[7], row[8] = o[lon], o[lat], o[loc], o[7], o[8]
						}
					case 3:
						if row[0] != "" {
							row[0] = fmt.Sprintf("%064x", rng.Uint64())
						}
					case 4:
						row[outcome] = outcomes[rng.IntN(len(outcomes))]
					case 5:
						// A crime added at a place of the first month.
						o := early[places[rng.IntN(len(places))]]
						add := slices.Clone(row)
						add[0] = fmt.Sprintf("%064x", rng.Uint64())
						add[lon], add[lat], add[loc], add[7], add[8] = o[lon], o[lat], o[loc], o[7], o[8]
						out = append(out, add)
					case 6:
						if j := rng.IntN(len(rows) - 1); i != j {
							row[0] = rows[1+j][0] // an ID another crime has
						}
					}
					out = append(out, row)
				}
				writeCSV(t, path, out)
			}
			want := loadFiles(t, dir)
			rev := loadFiles(t, paths...)
			for bname, base := range bases {
				got, err := geo.Revise(base, rev, units)
				if err != nil {
					t.Fatalf("%s: %v", bname, err)
				}
				if got.Revises(base) == nil {
					t.Fatalf("%s: not revised in place", bname)
				}
				if got.Version() != want.Version() {
					t.Fatalf("%s: version %s, the revised files load as %s", bname, got.Version(), want.Version())
				}
				if w, g := geo.UnmatchedRows(want), geo.UnmatchedRows(got); bname == "one piece" && !reflect.DeepEqual(w, g) {
					t.Fatalf("%d unmatched rows, want %d", len(g), len(w))
				}
				sameAnswers(t, want, got)
			}
		})
	}
}

// writeCSV writes rows to a CSV file.
func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReviseRefusesLargeParts: a force-month whose crimes changed, in a
// part holding more than MaxRevisedShare of the crimes, is refused (the
// limit lowered to the City's months), one in a smaller part revised; one
// whose outcomes alone moved on is restated in either.
func TestReviseRefusesLargeParts(t *testing.T) {
	src := testsupport.Shared(t, cityMonths)
	whole := loadFiles(t, src)
	geo.LowerRevisedLimit(t, 1000)
	name := "2017-05-city-of-london-street.csv"
	dir := t.TempDir()
	reviseStreetFile(t, src, dir, name, func(i int, row []string) []string {
		if i%5 == 0 {
			row[9] = map[bool]string{true: "Burglary", false: "Robbery"}[row[9] != "Burglary"]
		}
		return row
	})
	rev := loadFiles(t, filepath.Join(dir, name))
	m, _ := geo.ParseMonth("2017-05")
	units := []geo.Unit{{Force: "city-of-london", Month: m}}
	if _, err := geo.Revise(whole, rev, units); !errors.Is(err, geo.ErrRestate) {
		t.Fatalf("in one piece: %v, want ErrRestate", err)
	}
	// Outcomes moved on alone are restated in a part of any size.
	outcomes := t.TempDir()
	reviseStreetFile(t, src, outcomes, name, func(i int, row []string) []string {
		if row[0] != "" && i%3 == 0 {
			row[10] = "Unable to prosecute suspect"
		}
		return row
	})
	restated, err := geo.Revise(whole, loadFiles(t, filepath.Join(outcomes, name)), units)
	if err != nil {
		t.Fatalf("outcomes moved on, in one piece: %v", err)
	}
	if want := loadFiles(t, outcomes); restated.Version() != want.Version() || !restated.Restates(whole) {
		t.Fatalf("outcomes moved on: version %s, the files load as %s; restated %v", restated.Version(), want.Version(), restated.Restates(whole))
	}
	got, err := geo.Revise(appended(t, whole, 3, 0), rev, units)
	if err != nil {
		t.Fatalf("in a part of a month: %v", err)
	}
	if want := loadFiles(t, dir); got.Version() != want.Version() {
		t.Fatalf("version %s, the revised files load as %s", got.Version(), want.Version())
	}
}

// TestRevisedCubes: the counts by cell, month and type of a part made
// again are worked out from the replaced part's, where those were built,
// and equal a count of the new part's crimes at every resolution that has
// them; the dataset answers hex queries as the revised files loaded whole.
func TestRevisedCubes(t *testing.T) {
	src := testsupport.Shared(t, cityMonths)
	name := "2017-05-city-of-london-street.csv"
	dir := t.TempDir()
	reviseStreetFile(t, src, dir, name, func(i int, row []string) []string {
		switch i % 4 {
		case 0:
			return nil
		case 1:
			row[9] = map[bool]string{true: "Burglary", false: "Robbery"}[row[9] != "Burglary"]
		}
		return row
	})
	for _, k := range []int{0, 3} {
		base := loadFiles(t, src)
		if k > 0 {
			base = appended(t, base, 3, 0)
		}
		base.PrepareHex(0, 1, 2, 3, 4, 5, 6, 7)
		m, _ := geo.ParseMonth("2017-05")
		got, err := geo.Revise(base, loadFiles(t, filepath.Join(dir, name)), []geo.Unit{{Force: "city-of-london", Month: m}})
		if err != nil {
			t.Fatal(err)
		}
		part := 0
		if k > 0 {
			part = got.NumParts() - 2 // 2017-05, the second of the months appended
		}
		for res := range 8 {
			fromOld, same := geo.RevisedCubeSame(got, res, part)
			if !fromOld || !same {
				t.Fatalf("%d parts, resolution %d: from the old cube %v, as a count %v", got.NumParts(), res, fromOld, same)
			}
		}
		sameAnswers(t, loadFiles(t, dir), got)
	}
}

// TestRevisedLetsGoOfBase: a revised dataset says what it revised without
// keeping that dataset alive, so that revision after revision does not
// hold every dataset before it.
func TestRevisedLetsGoOfBase(t *testing.T) {
	src := testsupport.Shared(t, cityMonths)
	name := "2017-05-city-of-london-street.csv"
	dir := t.TempDir()
	reviseStreetFile(t, src, dir, name, func(i int, row []string) []string {
		if i%4 == 0 {
			return nil
		}
		return row
	})
	rev := loadFiles(t, filepath.Join(dir, name))
	m, _ := geo.ParseMonth("2017-05")
	got, gone := func() (*geo.Dataset, weak.Pointer[geo.Dataset]) {
		base := loadFiles(t, src)
		got, err := geo.Revise(base, rev, []geo.Unit{{Force: "city-of-london", Month: m}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Revises(base) == nil {
			t.Fatal("Revises: nil for the dataset revised")
		}
		return got, weak.Make(base)
	}()
	for range 5 {
		runtime.GC()
	}
	if gone.Value() != nil {
		t.Fatal("the dataset revised is still alive")
	}
	runtime.KeepAlive(got)
}
