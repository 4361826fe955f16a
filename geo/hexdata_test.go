package geo

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"crimemap/internal/testsupport"
)

// csvCrime is one street-file row read independently of package ingest, the
// ground truth the hex tests compare against.
type csvCrime struct {
	Month    Month
	HasLoc   bool
	Lon, Lat float64
	Type     string // Crime type as written
	Outcome  string
	Force    string // force id from the file name
}

// streetFileName matches data.police.uk street file names and captures the
// month and force id.
var streetFileName = regexp.MustCompile(`(\d{4}-\d{2})-([a-z-]+)-street\.csv$`)

// needShared skips a case built on the shared data when it is absent.
func needShared(t *testing.T) {
	t.Helper()
	testsupport.Shared(t)
}

// streetFiles lists the street CSVs under the given directories (missing
// ones are ignored), keeping one file per force and month.
func streetFiles(t testing.TB, dirs ...string) []string {
	t.Helper()
	byUnit := map[string]string{}
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && streetFileName.MatchString(path) {
				m := streetFileName.FindStringSubmatch(path)
				byUnit[m[1]+"/"+m[2]] = path
			}
			return nil
		})
	}
	var out []string
	for _, p := range byUnit {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// readStreetCSV reads a street file with encoding/csv, accepting the header
// variants and line endings of the shared data.
func readStreetCSV(t testing.TB, path string) []csvCrime {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1 // some excerpts cut the trailing Context column
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.NewReplacer(" ", "", "_", "").Replace(strings.ToLower(h))] = i
	}
	force := streetFileName.FindStringSubmatch(path)[2]
	var out []csvCrime
	for _, r := range recs[1:] {
		r = append(r, make([]string, len(recs[0])-len(r))...)
		m, err := ParseMonth(r[col["month"]])
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c := csvCrime{Month: m, Type: r[col["crimetype"]], Outcome: r[col["lastoutcomecategory"]], Force: force}
		if r[col["longitude"]] != "" {
			c.HasLoc = true
			c.Lon, _ = strconv.ParseFloat(r[col["longitude"]], 64)
			c.Lat, _ = strconv.ParseFloat(r[col["latitude"]], 64)
		}
		out = append(out, c)
	}
	return out
}

// buildFromCSV builds a Dataset from street files and returns their rows.
func buildFromCSV(t testing.TB, paths []string) (*Dataset, []csvCrime) {
	t.Helper()
	b := NewBuilder()
	var all []csvCrime
	for i, p := range paths {
		rows := readStreetCSV(t, p)
		if len(rows) == 0 {
			continue
		}
		sb := NewStreetBatch(Unit{Force: rows[0].Force, Month: rows[0].Month}, i, p)
		for _, c := range rows {
			sb.AddStreet(&StreetRow{
				Month: c.Month, HasLocation: c.HasLoc, Lon: c.Lon, Lat: c.Lat,
				Location: []byte("On or near " + strconv.Itoa(i)), CrimeType: []byte(c.Type),
				LastOutcome: []byte(c.Outcome), FallsWithin: []byte(c.Force),
			})
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	ds, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return ds, all
}

// realDataset builds a Dataset from every street file of the shared data
// (when present) and the repository's testdata copy.
func realDataset(t testing.TB) (*Dataset, []csvCrime) {
	t.Helper()
	shared := testsupport.SharedDir(t)
	files := streetFiles(t, shared, testsupport.HampshireDir(t))
	if len(files) == 0 {
		t.Skip("no street files found in the shared data or testdata")
	}
	if shared == "" {
		t.Log("shared data absent; using testdata only")
	}
	return buildFromCSV(t, files)
}
