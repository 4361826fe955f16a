package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crimemap/internal/testsupport"
)

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTestdata(t *testing.T, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(testdata(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipOf builds a zip archive holding files under their names.
func zipOf(t *testing.T, files map[string][]byte, names []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFailedFiles checks that unreadable files fail alone, each with an
// error naming it, and that the rest loads.
func TestFailedFiles(t *testing.T) {
	avon := readTestdata(t, "ingest", "tiny", "2018-01-avon-and-somerset-street.csv")
	good := zipOf(t, map[string][]byte{"2018-01/2018-01-avon-and-somerset-street.csv": avon}, []string{"2018-01/2018-01-avon-and-somerset-street.csv"})
	// Corrupt the member's compressed bytes but keep the directory intact.
	corrupt := bytes.Clone(good)
	if i := bytes.Index(corrupt, []byte("2018-01/2018-01-avon-and-somerset-street.csv")); i >= 0 {
		for j := i + 60; j < i+160; j++ {
			corrupt[j] ^= 0x55
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"2018-01/2018-01-avon-and-somerset-street.csv": avon,
		"2018-01/2018-01-kent-street.csv":              []byte("Month,Longitude,Crime type\n2018-01,1,Drugs\n"),
		"2018-01/2018-01-dorset-street.csv":            {0x89, 'P', 'N', 'G', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 1},
		"2018-01/2018-01-essex-outcomes.csv":           nil,
		"broken.zip":                                   []byte("PK\x03\x04 this is not a zip"),
		"corrupt.zip":                                  corrupt,
		"README.md":                                    []byte("# not data\n"),
		"forces.csv":                                   []byte("id,Label,Population 2010\navon-and-somerset,Avon and Somerset,1000\n"),
		"2018-01/extract-stop-and-search.csv":          []byte("Type,Date,Latitude,Longitude,Object of search\n"),
	})
	missing := filepath.Join(dir, "no-such-file.csv")
	ds, sum, err := Load(context.Background(), []string{dir, missing}, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]error{
		"2018-01/2018-01-kent-street.csv":                          ErrMissingColumn,
		"2018-01/2018-01-dorset-street.csv":                        ErrNotCSV,
		"2018-01/2018-01-essex-outcomes.csv":                       ErrNotCSV,
		"broken.zip":                                               ErrBadZip,
		"corrupt.zip!2018-01/2018-01-avon-and-somerset-street.csv": ErrBadZip,
		"2018-01/extract-stop-and-search.csv":                      ErrNoUnit,
		"no-such-file.csv":                                         fs.ErrNotExist,
	}
	got := map[string]error{}
	for _, f := range sum.Failed {
		rel, _ := filepath.Rel(dir, f.File)
		got[filepath.ToSlash(rel)] = f.Err
		if !strings.Contains(f.Error(), f.File) {
			t.Errorf("error %q does not name its file", f.Error())
		}
	}
	for name, werr := range want {
		if !errors.Is(got[name], werr) {
			t.Errorf("%s: error %v, want %v", name, got[name], werr)
		}
	}
	if len(got) != len(want) {
		t.Errorf("failed files %v, want %d", got, len(want))
	}
	if !sum.HasFailures() {
		t.Error("HasFailures() = false")
	}
	if len(sum.Skipped) != 1 || !strings.HasSuffix(sum.Skipped[0], "forces.csv") {
		t.Errorf("skipped %v, want forces.csv", sum.Skipped)
	}
	if ds.Len() != 6 || sum.Files != 1 {
		t.Errorf("loaded %d crimes from %d files, want the 6 Avon rows from 1", ds.Len(), sum.Files)
	}
	if !strings.Contains(sum.String(), "FAILED") {
		t.Errorf("summary does not list failures:\n%s", sum)
	}
}

func TestNoInput(t *testing.T) {
	dir := t.TempDir()
	_, _, err := Load(context.Background(), []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}, Options{})
	if !errors.Is(err, ErrNoInput) {
		t.Errorf("Load of missing paths: %v, want ErrNoInput", err)
	}
	_, _, err = Load(context.Background(), nil, Options{})
	if !errors.Is(err, ErrNoInput) {
		t.Errorf("Load of no paths: %v, want ErrNoInput", err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Load(ctx, []string{testdata(t, "police-uk")}, Options{Logger: quietLogger()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v", err)
	}
}

// TestZipMatchesFolder builds an archive from the testdata folders and checks
// that it loads exactly as the folders do.
func TestZipMatchesFolder(t *testing.T) {
	roots := []string{testdata(t, "police-uk"), testdata(t, "ingest", "city-of-london")}
	files := map[string][]byte{}
	var names []string
	for _, root := range roots {
		for _, p := range csvFiles(t, root) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.ToSlash(rel)
			files[name] = readTestdata(t, strings.TrimPrefix(p, testdata(t)+string(filepath.Separator)))
			names = append(names, name)
		}
	}
	// Directory entries and unrelated members are part of real archives.
	names = append(names, "README.md")
	files["README.md"] = []byte("hello")
	archive := filepath.Join(t.TempDir(), "police.zip")
	if err := os.WriteFile(archive, zipOf(t, files, names), 0o644); err != nil {
		t.Fatal(err)
	}
	fromDirs, sumDirs, err := Load(context.Background(), roots, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	fromZip, sumZip, err := Load(context.Background(), []string{archive}, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if sumZip.HasFailures() || sumZip.Files != len(names)-1 {
		t.Fatalf("zip: %d files, failed %v", sumZip.Files, sumZip.Failed)
	}
	if fromZip.Version() != fromDirs.Version() || fromZip.Len() != fromDirs.Len() {
		t.Errorf("zip: %d crimes version %s; folders: %d version %s", fromZip.Len(), fromZip.Version(), fromDirs.Len(), fromDirs.Version())
	}
	if sumZip.Street.Read != sumDirs.Street.Read || sumZip.Street.Loaded != sumDirs.Street.Loaded || sumZip.Street.NoLocation != sumDirs.Street.NoLocation {
		t.Errorf("zip street counts %+v, folders %+v", sumZip.Street, sumDirs.Street)
	}
	if sumZip.OutcomesJoined != sumDirs.OutcomesJoined || sumZip.StopAndSearch != sumDirs.StopAndSearch {
		t.Errorf("zip joined %d stops %d; folders %d %d", sumZip.OutcomesJoined, sumZip.StopAndSearch, sumDirs.OutcomesJoined, sumDirs.StopAndSearch)
	}
}

// TestStopAndSearch compares stop-and-search rows with an encoding/csv
// reading.
func TestStopAndSearch(t *testing.T) {
	for _, dir := range []string{"greater-manchester", "city-of-london"} {
		t.Run(dir, func(t *testing.T) { checkStops(t, testdata(t, "ingest", dir)) })
	}
}

// TestSharedStopAndSearch does the same for the shared stop-and-search
// samples (CRLF Met and City of London files, Greater Manchester with
// coordinates), when present.
func TestSharedStopAndSearch(t *testing.T) {
	shared := sharedData(t)
	for _, dir := range []string{"stop-and-search-2015-metropolitan-city-of-london", "greater-manchester-stop-and-search-2018-01_08"} {
		t.Run(dir, func(t *testing.T) { checkStops(t, filepath.Join(shared, dir)) })
	}
}

func checkStops(t *testing.T, root string) {
	t.Helper()
	var rows, located int
	types := map[string]int{}
	for _, p := range csvFiles(t, root) {
		if !strings.HasSuffix(p, "-stop-and-search.csv") {
			continue
		}
		for _, r := range testsupport.ReadCSV(t, p)[1:] {
			rows++
			types[r[0]]++
			if r[4] != "" {
				located++
			}
		}
	}
	ds, sum, err := Load(context.Background(), []string{root}, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	stops := ds.Stops()
	gotLoc := 0
	gotTypes := map[string]int{}
	for _, s := range stops {
		gotTypes[s.Type]++
		if s.HasLocation {
			gotLoc++
			if s.Lat < 49 || s.Lat > 61 || s.Lon < -9 || s.Lon > 2 {
				t.Errorf("stop at %v,%v is outside Great Britain", s.Lon, s.Lat)
			}
		}
	}
	if ds.NumStops() != rows || sum.Stops.Read != rows || gotLoc != located || sum.Stops.NoLocation != rows-located {
		t.Errorf("stops %d (%d located), summary read %d no location %d; brute force %d (%d located)",
			ds.NumStops(), gotLoc, sum.Stops.Read, sum.Stops.NoLocation, rows, located)
	}
	for ty, n := range types {
		if gotTypes[ty] != n {
			t.Errorf("type %q: %d stops, brute force %d", ty, gotTypes[ty], n)
		}
	}
}

// TestProgressPlain checks the plain progress lines written to a non-terminal.
func TestProgressPlain(t *testing.T) {
	old := plainEvery
	plainEvery = time.Millisecond
	defer func() { plainEvery = old }()
	var buf bytes.Buffer
	_, _, err := Load(context.Background(), []string{testdata(t, "police-uk")}, Options{Logger: quietLogger(), Progress: &buf})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "(100%)") || !strings.Contains(last, "1 of 1 files") || !strings.Contains(last, "14834 rows") {
		t.Errorf("last progress line %q, want 100%%, 1 of 1 files, 14834 rows", last)
	}
}

// TestLogCap checks that rejected rows are all counted but only the first
// few of a file logged.
func TestLogCap(t *testing.T) {
	var buf bytes.Buffer
	var log strings.Builder
	buf.WriteString(streetHeader)
	for range 3 * logCap {
		buf.WriteString(row("2017-02", "x", "50", "A", "Drugs"))
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"2017-02-hampshire-street.csv": buf.Bytes()})
	logger := newTextLogger(&log)
	_, sum, err := Load(context.Background(), []string{dir}, Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Street.Rejected != 3*logCap {
		t.Errorf("rejected %d, want %d", sum.Street.Rejected, 3*logCap)
	}
	if n := strings.Count(log.String(), `msg="rejected row"`); n != logCap {
		t.Errorf("logged %d rejected rows, want %d", n, logCap)
	}
	if !strings.Contains(log.String(), "2017-02-hampshire-street.csv:2: column Longitude: bad coordinate") {
		t.Errorf("log lacks file, line, column and reason:\n%s", log.String())
	}
}

// TestProgressBar draws the terminal progress bar into a buffer.
func TestProgressBar(t *testing.T) {
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()
	var buf bytes.Buffer
	_, _, err := Load(context.Background(), []string{testdata(t, "police-uk")}, Options{Logger: quietLogger(), Progress: &buf})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "100%") || !strings.Contains(out, "building dataset from 14834 rows") {
		t.Errorf("progress bar never reached 100%% and the build: %q", out)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestReadErrorFailsFile checks that an I/O error part-way through a file
// fails the file rather than loading the rows before it.
func TestReadErrorFailsFile(t *testing.T) {
	boom := errors.New("disk on fire")
	r := &failingReader{data: []byte(streetHeader + row("2017-02", "1", "51", "A", "Drugs")), err: boom}
	_, err := parseFile(context.Background(), r, "2017-02-kent-street.csv", 0, 1, quietLogger(), nil)
	if !errors.Is(err, boom) {
		t.Errorf("parseFile with a failing reader: %v, want %v", err, boom)
	}
}
