package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport"
)

// testdata returns a path under the repository's testdata folder.
func testdata(t testing.TB, elem ...string) string {
	t.Helper()
	return testsupport.Testdata(t, elem...)
}

// sharedData returns the shared police-uk folder, skipping the test when it is
// not beside the repository.
func sharedData(t testing.TB) string {
	t.Helper()
	return testsupport.Shared(t)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// bruteKey is what the brute-force reader counts by.
type bruteKey struct {
	month, crimeType, force string
	located                 bool
}

// bruteFile is an independent reading of one street or outcomes file with
// encoding/csv: every line ending turned into "\n" first, columns found by
// name, no validation beyond what the samples need.
type bruteFile struct {
	street   map[bruteKey]int
	ids      map[string]bool
	outcomes []string // Crime IDs of outcome rows, "" included
}

var archiveName = regexp.MustCompile(`^(\d{4}-\d{2})-(.+)-(street|outcomes|stop-and-search)\.csv$`)

func bruteRead(t *testing.T, path string, into *bruteFile) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ReplaceAll(strings.ToLower(h), "_", " ")] = i
	}
	get := func(r []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(r) {
			return ""
		}
		return r[i]
	}
	m := archiveName.FindStringSubmatch(filepath.Base(path))
	if _, ok := col["outcome type"]; ok {
		for _, r := range recs[1:] {
			into.outcomes = append(into.outcomes, get(r, "crime id"))
		}
		return
	}
	byName := map[string]string{}
	for _, f := range geo.StandardForces {
		byName[strings.ToLower(f.Name)] = f.Slug
	}
	for _, r := range recs[1:] {
		force := ""
		if m != nil {
			force = m[2]
		} else {
			force = byName[strings.ToLower(get(r, "falls within"))]
		}
		k := bruteKey{get(r, "month"), get(r, "crime type"), force, get(r, "longitude") != ""}
		into.street[k]++
		if id := get(r, "crime id"); id != "" {
			into.ids[id] = true
		}
	}
}

// datasetCounts counts the dataset's crimes by the brute-force key, through
// the public query API.
func datasetCounts(ds *geo.Dataset) map[bruteKey]int {
	got := map[bruteKey]int{}
	for fi, ft := range ds.Forces().Terms() {
		var f geo.Filter
		f.Forces.Add(fi)
		// A query without a deadline cannot fail.
		k, _ := ds.Count(context.Background(), nil, &f)
		for ci := 0; ci < k.NumCategories; ci++ {
			for mi, m := range k.Months {
				if n := k.At(geo.Category(ci), mi); n > 0 {
					got[bruteKey{m.String(), ds.Categories().Term(ci).Name, ft.Slug, true}] += n
				}
			}
		}
		for c := range ds.NoLocation(&f) {
			key := bruteKey{ds.Month(c).String(), ds.Categories().Term(int(ds.Category(c))).Name, ft.Slug, true}
			got[key]--
			if got[key] == 0 {
				delete(got, key)
			}
			key.located = false
			got[key]++
		}
	}
	return got
}

func csvFiles(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".csv") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkAgainstBrute(t *testing.T, paths ...string) {
	t.Helper()
	ds, sum, err := Load(context.Background(), paths, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.HasFailures() {
		t.Fatalf("failed files: %v", sum.Failed)
	}
	bf := &bruteFile{street: map[bruteKey]int{}, ids: map[string]bool{}}
	for _, p := range paths {
		for _, f := range csvFiles(t, p) {
			if strings.Contains(f, "stop-and-search") {
				continue
			}
			bruteRead(t, f, bf)
		}
	}
	got := datasetCounts(ds)
	total := 0
	for k, want := range bf.street {
		total += want
		if got[k] != want {
			t.Errorf("%+v: dataset has %d crimes, brute force %d", k, got[k], want)
		}
	}
	for k, n := range got {
		if _, ok := bf.street[k]; !ok {
			t.Errorf("%+v: dataset has %d crimes, brute force none", k, n)
		}
	}
	if ds.Len() != total || sum.Street.Loaded != total || sum.Street.Read != total {
		t.Errorf("Len %d, summary read %d loaded %d; brute force %d rows", ds.Len(), sum.Street.Read, sum.Street.Loaded, total)
	}
	var joined, unmatched, noID int
	for _, id := range bf.outcomes {
		switch {
		case id == "":
			noID++
		case bf.ids[id]:
			joined++
		default:
			unmatched++
		}
	}
	if sum.OutcomesJoined != joined || sum.OutcomesUnmatched != unmatched || sum.OutcomesNoID != noID {
		t.Errorf("outcomes joined/unmatched/no ID = %d/%d/%d, brute force %d/%d/%d",
			sum.OutcomesJoined, sum.OutcomesUnmatched, sum.OutcomesNoID, joined, unmatched, noID)
	}
	if sum.Outcomes.Read != len(bf.outcomes) {
		t.Errorf("outcome rows read %d, brute force %d", sum.Outcomes.Read, len(bf.outcomes))
	}
}

// TestLoadMatchesBruteForce loads each real sample and compares the dataset
// with an independent encoding/csv reading.
func TestLoadMatchesBruteForce(t *testing.T) {
	for _, dir := range []string{
		"police-uk", "ingest/city-of-london", "ingest/city-of-london-2023", "ingest/merseyside",
		"ingest/btp", "ingest/essex", "ingest/tiny",
	} {
		t.Run(dir, func(t *testing.T) { checkAgainstBrute(t, testdata(t, dir)) })
	}
}

// TestLoadSharedMatchesBruteForce does the same for every street and
// outcomes sample in the shared data folder, when it is present.
func TestLoadSharedMatchesBruteForce(t *testing.T) {
	shared := sharedData(t)
	entries, err := os.ReadDir(shared)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.Contains(name, "stop-and-search") || strings.Contains(name, "json") ||
			strings.Contains(name, "kml") || strings.Contains(name, "forces-list") {
			continue
		}
		t.Run(name, func(t *testing.T) { checkAgainstBrute(t, filepath.Join(shared, name)) })
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestCrimeIDLookup finds every crime again by its Crime ID, which depends on
// the ID index the build sorts; repeated IDs (recent City of London files)
// must return every crime that carries them.
func TestCrimeIDLookup(t *testing.T) {
	for _, dir := range []string{"police-uk", "ingest/city-of-london-2023", "ingest/city-of-london"} {
		ds, _, err := Load(context.Background(), []string{testdata(t, dir)}, Options{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string][]geo.CrimeID{}
		for c := range ds.Len() {
			if id := ds.PersistentID(geo.CrimeID(c)); id != "" {
				byID[id] = append(byID[id], geo.CrimeID(c))
			}
		}
		repeated := 0
		for id, want := range byID {
			if len(want) > 1 {
				repeated++
			}
			if got := ds.CrimesByPersistentID(id); !slices.Equal(got, want) {
				t.Errorf("%s: CrimesByPersistentID(%s) = %v, want %v", dir, id, got, want)
			}
		}
		if dir == "ingest/city-of-london-2023" && repeated == 0 {
			t.Errorf("%s: no repeated Crime IDs found; the sample should have some", dir)
		}
	}
}
