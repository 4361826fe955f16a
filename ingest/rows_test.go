package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"crimemap/geo"
)

const streetHeader = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"

// row builds a street row with the given month, coordinates and type.
func row(month, lon, lat, location, crimeType string) string {
	return ",\"" + month + "\",Hampshire Constabulary,Hampshire Constabulary," + lon + "," + lat + "," + location + ",E01,Name," + crimeType + ",,\n"
}

type rejection struct {
	line   int
	column string
	err    error
}

// loadString writes files into a temporary folder and loads it, collecting
// every rejected row.
func loadString(t *testing.T, files map[string]string) (*geo.Dataset, *Summary, []rejection) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var rej []rejection
	ds, sum, err := Load(context.Background(), []string{dir}, Options{Logger: quietLogger(), OnReject: func(pe *ParseError) {
		mu.Lock()
		defer mu.Unlock()
		if !strings.HasPrefix(pe.File, dir) {
			t.Errorf("ParseError.File = %q, want a path under %q", pe.File, dir)
		}
		rej = append(rej, rejection{pe.Line, pe.Column, pe.Err})
	}})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rej, func(a, b rejection) int { return a.line - b.line })
	return ds, sum, rej
}

func TestRejectedRows(t *testing.T) {
	good := row("2017-02", "-1.1", "50.8", "On or near A", "Burglary")
	tests := []struct {
		name string
		rows string // after the header, which is line 1
		want []rejection
	}{
		{"all good", good + good, nil},
		{"month 13", row("2017-13", "-1", "50", "x", "Drugs"), []rejection{{2, "Month", ErrBadMonth}}},
		{"month short", good + row("17-02", "-1", "50", "x", "Drugs"), []rejection{{3, "Month", ErrBadMonth}}},
		{"month empty", row("", "-1", "50", "x", "Drugs"), []rejection{{2, "Month", ErrBadMonth}}},
		{"lon not a number", row("2017-02", "abc", "50", "x", "Drugs"), []rejection{{2, "Longitude", ErrBadCoordinate}}},
		{"lat over 90", row("2017-02", "-1", "90.5", "x", "Drugs"), []rejection{{2, "Latitude", ErrBadCoordinate}}},
		{"lon under -180", row("2017-02", "-180.01", "50", "x", "Drugs"), []rejection{{2, "Longitude", ErrBadCoordinate}}},
		{"only lon", row("2017-02", "-1", "", "x", "Drugs"), []rejection{{2, "Latitude", ErrBadCoordinate}}},
		{"only lat", row("2017-02", "", "50", "x", "Drugs"), []rejection{{2, "Longitude", ErrBadCoordinate}}},
		{"NaN", row("2017-02", "NaN", "50", "x", "Drugs"), []rejection{{2, "Longitude", ErrBadCoordinate}}},
		{"Inf", row("2017-02", "-1", "Inf", "x", "Drugs"), []rejection{{2, "Latitude", ErrBadCoordinate}}},
		{"hex float", row("2017-02", "0x1p-2", "50", "x", "Drugs"), []rejection{{2, "Longitude", ErrBadCoordinate}}},
		{"empty crime type", good + good + row("2017-02", "-1", "50", "x", ""), []rejection{{4, "Crime type", ErrEmptyField}}},
		{"too many fields", strings.TrimSuffix(good, "\n") + ",extra\n" + good, []rejection{{2, "", ErrColumnCount}}},
		{"too few fields", ",2017-02,a,b,-1,50,x,E01\n", []rejection{{2, "", ErrColumnCount}}},
		{"invalid UTF-8", good + row("2017-02", "-1", "50", "On or near \xff", "Drugs"), []rejection{{3, "", ErrInvalidUTF8}}},
		{"bare quote", row("2017-02", "-1", "50", `On "x"`, "Drugs") + good, []rejection{{2, "", ErrBareQuote}}},
		{"text after quote", row("2017-02", "-1", "50", `"On"x`, "Drugs") + good, []rejection{{2, "", ErrQuote}}},
		{"unclosed quote", good + row("2017-02", "-1", "50", `"On`, "Drugs"), []rejection{{3, "", ErrQuote}}},
		{"stray quote costs one row", row("2017-02", "-1", "50", `"On`, "Drugs") + good + good, []rejection{{2, "", ErrQuote}}},
		{"quote open to the end", strings.ReplaceAll(good, `"`, "") + `"` + strings.ReplaceAll(good+good, `"`, ""), []rejection{{3, "", ErrQuote}}},
		{"quoted field over the line cap", row("2017-02", "-1", "50", `"On`+strings.Repeat("\n", maxRecordLines+1)+`x"`, "Drugs") + good,
			[]rejection{{2, "", ErrQuote}, {maxRecordLines + 3, "", ErrBareQuote}}},
		{"future month", good + row("2999-12", "-1", "50", "x", "Drugs"), []rejection{{3, "Month", ErrFutureMonth}}},
		{"month of another file", row("2017-03", "-1", "50", "x", "Drugs") + good, []rejection{{2, "Month", ErrMonthMismatch}}},
		{"NUL in crime type", good + row("2017-02", "-1", "50", "x", "Burglary\x00"), []rejection{{3, "Crime type", ErrControl}}},
		{"control in outcome", ",2017-02,H,Hampshire Constabulary,-1,50,x,E01,N,Drugs,Under\x1finvestigation,\n", []rejection{{2, "Last outcome category", ErrControl}}},
		{"control in force", ",2017-02,H,Hampshire\x00 Constabulary,-1,50,x,E01,N,Drugs,,\n" + good, []rejection{{2, "Falls within", ErrControl}}},
		{
			"line numbers after a quoted line break",
			row("2017-02", "-1", "50", "\"On\nnear\r\nA\"", "Drugs") + row("2017-02", "x", "50", "B", "Drugs"),
			[]rejection{{5, "Longitude", ErrBadCoordinate}},
		},
		{"blank lines are not rows", "\n\n" + row("2017-02", "x", "50", "B", "Drugs"), []rejection{{4, "Longitude", ErrBadCoordinate}}},
		{
			"several",
			row("2017-02", "x", "50", "B", "Drugs") + good + row("2017-02", "-1", "50", "B", "") + good + ",,,\n",
			[]rejection{{2, "Longitude", ErrBadCoordinate}, {4, "Crime type", ErrEmptyField}, {6, "", ErrColumnCount}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, eol := range []string{"\n", "\r\n", "\r"} {
				content := strings.ReplaceAll(streetHeader+tc.rows, "\r\n", "\n")
				content = strings.ReplaceAll(content, "\n", eol)
				ds, sum, rej := loadString(t, map[string]string{"2017-02/2017-02-hampshire-street.csv": content})
				if len(rej) != len(tc.want) {
					t.Fatalf("eol %q: rejected %v, want %v", eol, rej, tc.want)
				}
				for i, r := range rej {
					w := tc.want[i]
					if r.line != w.line || r.column != w.column || !errors.Is(r.err, w.err) {
						t.Errorf("eol %q: rejection %d = line %d column %q %v, want line %d column %q %v",
							eol, i, r.line, r.column, r.err, w.line, w.column, w.err)
					}
				}
				c := sum.Street
				if c.Read != c.Loaded+c.Rejected || c.Rejected != len(tc.want) || ds.Len() != c.Loaded {
					t.Errorf("eol %q: read %d loaded %d rejected %d, dataset %d", eol, c.Read, c.Loaded, c.Rejected, ds.Len())
				}
				n := 0
				for _, w := range tc.want {
					if w.err == ErrBadMonth {
						n++
					}
				}
				if got := c.Reasons[ErrBadMonth.Error()]; got != n {
					t.Errorf("eol %q: Reasons[bad month] = %d, want %d", eol, got, n)
				}
			}
		})
	}
}

func TestDialect(t *testing.T) {
	tests := []struct {
		name        string
		content     string
		wantLoaded  int
		wantNoLoc   int
		wantStreets []string
	}{
		{"quoted location with comma", streetHeader + row("2017-02", "-1", "50", `"On or near A, B"`, "Drugs"), 1, 0, []string{"On or near A, B"}},
		{"doubled quote", streetHeader + row("2017-02", "-1", "50", `"The ""Bell"""`, "Drugs"), 1, 0, []string{`The "Bell"`}},
		{"BOM", "\xEF\xBB\xBF" + streetHeader + row("2017-02", "-1", "50", "A", "Drugs"), 1, 0, []string{"A"}},
		{"no final newline", streetHeader + strings.TrimSuffix(row("2017-02", "-1", "50", "A", "Drugs"), "\n"), 1, 0, []string{"A"}},
		{"no location", streetHeader + row("2017-02", "", "", "No Location", "Drugs"), 1, 1, nil},
		{"exponent", streetHeader + row("2017-02", "-1e-1", "5.0E1", "A", "Drugs"), 1, 0, []string{"A"}},
		{
			"snake case header, reordered, extra column",
			"crime_type,LATITUDE,extra,longitude,MONTH\nDrugs,50,z,-1,2017-02\n", 1, 0, []string{""},
		},
		{
			// Extracts that trim trailing empty fields drop the Context.
			"row missing only trailing Context",
			streetHeader + strings.TrimSuffix(row("2017-02", "-1", "50", "A", "Drugs"), ",\n") + "\n", 1, 0, []string{"A"},
		},
		{
			"short row rejected when Context is not last",
			"Crime type,Context,Month,Longitude,Latitude\nDrugs,,2017-02,-1\n", 0, 0, nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, sum, _ := loadString(t, map[string]string{"2017-02-hampshire-street.csv": tc.content})
			if sum.HasFailures() {
				t.Fatalf("failed: %v", sum.Failed)
			}
			if sum.Street.Loaded != tc.wantLoaded || sum.Street.NoLocation != tc.wantNoLoc || ds.Len() != tc.wantLoaded {
				t.Errorf("loaded %d (%d without location), dataset %d; want %d (%d)",
					sum.Street.Loaded, sum.Street.NoLocation, ds.Len(), tc.wantLoaded, tc.wantNoLoc)
			}
			var streets []string
			for p := range ds.NumPoints() {
				streets = append(streets, ds.PointStreet(geo.PointID(p)))
			}
			if !slices.Equal(streets, tc.wantStreets) {
				t.Errorf("streets %q, want %q", streets, tc.wantStreets)
			}
		})
	}
}

func TestCoordinatesExact(t *testing.T) {
	ds, _, _ := loadString(t, map[string]string{
		"2017-02-hampshire-street.csv": streetHeader + row("2017-02", "-1.160296", "50.739203", "A", "Drugs"),
	})
	lon, lat := ds.PointLonLat(0)
	if lon != -1.160296 || lat != 50.739203 {
		t.Errorf("point at %v,%v, want -1.160296,50.739203", lon, lat)
	}
}

// TestUnitsFromRows checks that a file not named by unit is split by its
// rows' force and month, standard force names mapping to their ids in any
// case and other names to their slug.
func TestUnitsFromRows(t *testing.T) {
	content := "Month,Falls within,Longitude,Latitude,Crime type\n" +
		"2017-02,Hampshire Constabulary,-1,50,Drugs\n" +
		"2017-03,HAMPSHIRE CONSTABULARY,-1,50,Drugs\n" +
		"2017-03,Kent Police,1,51,Drugs\n" +
		"2017-03,Some New Force,1,51,Drugs\n" +
		"2017-03,,1,51,Drugs\n"
	ds, sum, rej := loadString(t, map[string]string{"extract.csv": content})
	if len(rej) != 1 || rej[0].line != 6 || !errors.Is(rej[0].err, ErrNoForce) {
		t.Errorf("rejections %v, want line 6 ErrNoForce", rej)
	}
	if sum.Street.Loaded != 4 {
		t.Errorf("loaded %d, want 4", sum.Street.Loaded)
	}
	want := map[string]int{"hampshire": 2, "kent": 1, "some-new-force": 1}
	for slug, n := range want {
		fi, ok := ds.Forces().BySlug(slug)
		if !ok {
			t.Errorf("force %q missing", slug)
			continue
		}
		var f geo.Filter
		f.Forces.Add(fi)
		if k, err := ds.Count(context.Background(), nil, &f); err != nil || k.Total != n {
			t.Errorf("force %q: %d crimes, want %d", slug, k.Total, n)
		}
	}
}

// TestLaterFileWins loads two copies of one unit in both orders.
func TestLaterFileWins(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a", "2017-02-hampshire-street.csv")
	b := filepath.Join(dir, "b", "2017-02-hampshire-street.csv")
	for p, rows := range map[string]int{a: 3, b: 2} {
		content := streetHeader + strings.Repeat(row("2017-02", "-1", "50", "A", "Drugs"), rows)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		paths []string
		want  int
	}{{[]string{a, b}, 2}, {[]string{b, a}, 3}, {[]string{dir}, 2}} {
		ds, sum, err := Load(context.Background(), tc.paths, Options{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != tc.want || len(sum.Replaced) != 1 {
			t.Errorf("Load(%v): %d crimes, %d replaced; want %d, 1", tc.paths, ds.Len(), len(sum.Replaced), tc.want)
		}
	}
}

// TestSameFolderTwice checks that loading a folder twice counts it once.
func TestSameFolderTwice(t *testing.T) {
	dir := testdata(t, "ingest", "city-of-london")
	once, sum1, err := Load(context.Background(), []string{dir}, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	twice, sum2, err := Load(context.Background(), []string{dir, dir}, Options{Logger: quietLogger(), Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if once.Len() != twice.Len() || once.Version() != twice.Version() || once.NumStops() != twice.NumStops() {
		t.Errorf("twice: %d crimes version %s, once: %d version %s", twice.Len(), twice.Version(), once.Len(), once.Version())
	}
	if sum1.OutcomesJoined != sum2.OutcomesJoined || sum1.StopAndSearch != sum2.StopAndSearch {
		t.Errorf("twice joined %d stops %d, once %d %d", sum2.OutcomesJoined, sum2.StopAndSearch, sum1.OutcomesJoined, sum1.StopAndSearch)
	}
	// Two months of street, outcomes and stop-and-search, each replaced once.
	if len(sum2.Replaced) != 6 || len(sum1.Replaced) != 0 {
		t.Errorf("replaced %d then %d, want 0 then 6", len(sum1.Replaced), len(sum2.Replaced))
	}
}

// TestNewTermsDeterministic loads a file with crime types and outcomes
// outside the standard vocabularies several times: the dataset, its version
// and its vocabularies must come out the same every time.
func TestNewTermsDeterministic(t *testing.T) {
	var b strings.Builder
	b.WriteString(streetHeader)
	for _, ct := range []string{"Zeta", "Alpha", "Mu", "Beta", "Drugs", "Omega", "Kappa", "Eta", "Iota", "Nu"} {
		b.WriteString(",2017-02,H,Hampshire Constabulary,-1,50,A,E01,N," + ct + ",Outcome " + ct + ",\n")
	}
	var version string
	var cats []geo.Term
	for i := range 8 {
		ds, _, _ := loadString(t, map[string]string{"2017-02-hampshire-street.csv": b.String()})
		if i == 0 {
			version, cats = ds.Version(), slices.Clone(ds.Categories().Terms())
			continue
		}
		if ds.Version() != version || !slices.Equal(ds.Categories().Terms(), cats) {
			t.Fatalf("load %d: version %s categories %v; first load %s %v", i, ds.Version(), ds.Categories().Terms(), version, cats)
		}
	}
}

// TestWorkersDeterministic checks that neither the number of workers, and
// so the order files finish in, nor the number of cores, and so how Build
// splits its work (one placing part or two, the goroutines hashing the
// version and filling the ID index), changes the dataset. The version
// covers every column, point and string a response shows.
func TestWorkersDeterministic(t *testing.T) {
	paths := []string{testdata(t, "ingest"), testdata(t, "police-uk")}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first string
	for _, c := range []struct{ workers, procs int }{{1, 1}, {2, 1}, {2, 2}, {5, 2}, {16, 4}, {3, 3}} {
		runtime.GOMAXPROCS(c.procs)
		ds, _, err := Load(context.Background(), paths, Options{Workers: c.workers, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = ds.Version()
		} else if ds.Version() != first {
			t.Errorf("%d workers on %d cores: version %s, want %s", c.workers, c.procs, ds.Version(), first)
		}
	}
}

// TestOutcomesByHeader loads an outcomes file whose name says neither kind
// nor unit: the header gives the kind and the rows the unit.
func TestOutcomesByHeader(t *testing.T) {
	id := strings.Repeat("ab", 32)
	street := streetHeader + id + ",2018-01,Kent Police,Kent Police,1,51,A,E01,N,Burglary,Under investigation,\n"
	outcomes := "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n" +
		id + ",2018-02,Kent Police,Kent Police,1,51,A,E01,N,Offender fined\n" +
		strings.Repeat("cd", 32) + ",2018-02,Kent Police,Kent Police,1,51,A,E01,N,Offender fined\n" +
		",2018-02,Kent Police,Kent Police,1,51,A,E01,N,Offender fined\n"
	ds, sum, _ := loadString(t, map[string]string{"2018-01-kent-street.csv": street, "export.csv": outcomes})
	if sum.Outcomes.Read != 3 || sum.OutcomesJoined != 1 || sum.OutcomesUnmatched != 1 || sum.OutcomesNoID != 1 {
		t.Errorf("outcomes read %d joined %d unmatched %d no ID %d, want 3 1 1 1",
			sum.Outcomes.Read, sum.OutcomesJoined, sum.OutcomesUnmatched, sum.OutcomesNoID)
	}
	c := ds.CrimesByPersistentID(id)
	if len(c) != 1 {
		t.Fatalf("crimes with ID %s: %v", id, c)
	}
	h := ds.OutcomeHistory(c[0])
	if len(h) != 1 || h[0].Month.String() != "2018-02" || ds.Outcomes().Term(int(h[0].Outcome)).Name != "Offender fined" {
		t.Errorf("outcome history %+v", h)
	}
}
