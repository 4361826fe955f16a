package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"crimemap/geo"
)

// loadWithin runs Load and fails the test when it does not return within
// d: the defects these tests guard against hang rather than fail.
func loadWithin(t *testing.T, d time.Duration, paths []string, opt Options) (*geo.Dataset, *Summary, error) {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = quietLogger()
	}
	type result struct {
		ds  *geo.Dataset
		sum *Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		ds, sum, err := Load(context.Background(), paths, opt)
		done <- result{ds, sum, err}
	}()
	select {
	case r := <-done:
		return r.ds, r.sum, r.err
	case <-time.After(d):
		t.Fatalf("Load did not return within %s", d)
		return nil, nil, nil
	}
}

// streetRow is a Hampshire street row of February 2017 with the given
// crime type and last outcome.
func streetRow(crimeType, outcome string) string {
	return ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.1,50.8,On or near A,E01,Name," + crimeType + "," + outcome + ",\n"
}

const outcomesHeader = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"

func TestSlugCollisionsLoad(t *testing.T) {
	var street, outcomes strings.Builder
	street.WriteString(streetHeader)
	outcomes.WriteString(outcomesHeader)
	for n := 1; n <= 11; n++ {
		bangs := strings.Repeat("!", n)
		street.WriteString(streetRow("Burglary"+bangs, "Under investigation"+bangs))
		fmt.Fprintf(&outcomes, "%064x,2017-02,H,Hampshire Constabulary,,,,,,Charged%s\n", n, bangs)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"2017-02/2017-02-hampshire-street.csv":   []byte(street.String()),
		"2017-02/2017-02-hampshire-outcomes.csv": []byte(outcomes.String()),
	})
	ds, sum, err := loadWithin(t, 20*time.Second, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 11 || len(sum.Rejected()) != 0 {
		t.Errorf("%d crimes, rejected %v; want 11 and none", ds.Len(), sum.Rejected())
	}
	slugs := map[string]bool{}
	for _, term := range ds.Categories().Terms() {
		if slugs[term.Slug] {
			t.Errorf("slug %q twice", term.Slug)
		}
		slugs[term.Slug] = true
	}
	if !slugs["burglary-11"] {
		t.Errorf("categories %v lack burglary-11", ds.Categories().Terms())
	}
}

func TestVocabularyOverflowRejectsRows(t *testing.T) {
	const distinct = 300
	var street, outcomes strings.Builder
	street.WriteString(streetHeader)
	outcomes.WriteString(outcomesHeader)
	for n := range distinct {
		street.WriteString(streetRow(fmt.Sprintf("Type %d", n), ""))
		fmt.Fprintf(&outcomes, ",2017-02,H,Hampshire Constabulary,,,,,,Result %d\n", n)
	}
	files := map[string][]byte{
		"2017-02/2017-02-hampshire-street.csv":   []byte(street.String()),
		"2017-02/2017-02-hampshire-outcomes.csv": []byte(outcomes.String()),
	}
	for n := range distinct {
		files[fmt.Sprintf("2017-02/2017-02-force%d-street.csv", n)] = []byte(streetHeader + streetRow("Drugs", ""))
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	var tooMany []*ParseError
	ds, sum, err := loadWithin(t, time.Minute, []string{dir}, Options{Workers: 2, OnReject: func(pe *ParseError) {
		if errors.Is(pe, ErrTooManyTerms) {
			tooMany = append(tooMany, pe)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []*geo.Vocab{ds.Categories(), ds.Outcomes(), ds.Forces()} {
		if v.Len() != geo.MaxTerms {
			t.Errorf("a vocabulary has %d terms, want it full (%d)", v.Len(), geo.MaxTerms)
		}
	}
	// Rows whose crime type or outcome did not fit, and files whose force
	// did not, are rejected; every other row is served.
	forcesFailed := distinct - (geo.MaxTerms - len(geo.StandardForces))
	if len(sum.Failed) != forcesFailed {
		t.Errorf("%d files failed, want %d", len(sum.Failed), forcesFailed)
	}
	for _, f := range sum.Failed {
		if !errors.Is(f.Err, ErrTooManyTerms) {
			t.Errorf("failed %s: %v, want %v", f.File, f.Err, ErrTooManyTerms)
		}
	}
	rejected := sum.Rejected()[ErrTooManyTerms.Error()]
	if rejected != len(tooMany) || rejected == 0 {
		t.Errorf("%d rows counted as %v, %d reported", rejected, ErrTooManyTerms, len(tooMany))
	}
	for _, pe := range tooMany {
		if pe.Line < 2 || pe.File == "" {
			t.Errorf("rejection without file and line: %v", pe)
		}
	}
	if want := sum.Street.Loaded; ds.Len() != want || want != distinct+distinct-forcesFailed-sum.Street.Rejected {
		t.Errorf("%d crimes, %d street rows loaded, %d rejected", ds.Len(), want, sum.Street.Rejected)
	}
}

func TestNonRegularFilesSkipped(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"2017-02/2017-02-hampshire-street.csv": []byte(streetHeader + streetRow("Drugs", ""))})
	fifo := filepath.Join(dir, "2017-02", "2017-02-kent-street.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ds, sum, err := loadWithin(t, 20*time.Second, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1 || len(sum.Skipped) != 1 || sum.Skipped[0] != fifo {
		t.Errorf("%d crimes, skipped %v; want 1 and the FIFO", ds.Len(), sum.Skipped)
	}
}

// TestCancelWhileBlocked checks that Load returns when ctx ends even while
// a file blocks it: a FIFO named on the command line opens only when a
// writer comes.
func TestCancelWhileBlocked(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "2017-02-kent-street.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := Load(ctx, []string{fifo}, Options{Logger: quietLogger()})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Load = %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load did not return after its context ended")
	}
	// Let the blocked open return so the goroutine ends.
	if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		f.Close()
	}
}

func TestFutureMonthRejected(t *testing.T) {
	now := func() time.Time { return time.Date(2017, 3, 10, 0, 0, 0, 0, time.UTC) }
	dir := t.TempDir()
	row := func(month string) string {
		return ",\"" + month + "\",Hampshire Constabulary,Hampshire Constabulary,-1,50,x,E01,N,Drugs,,\n"
	}
	writeFiles(t, dir, map[string][]byte{
		// Not named for a unit: its rows are split by month.
		"extract.csv": []byte(streetHeader + row("2017-02") + row("2017-03") + row("2017-04") + row("2999-12")),
	})
	var future []int
	ds, sum, err := loadWithin(t, 20*time.Second, []string{dir}, Options{Now: now, OnReject: func(pe *ParseError) {
		if errors.Is(pe, ErrFutureMonth) {
			future = append(future, pe.Line)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(future) != "[4 5]" || sum.Street.Rejected != 2 {
		t.Errorf("future rows rejected at lines %v (%d rejected), want [4 5]", future, sum.Street.Rejected)
	}
	if got := ds.LatestMonth().String(); got != "2017-03" || ds.Len() != 2 {
		t.Errorf("latest month %s with %d crimes, want 2017-03 and 2", got, ds.Len())
	}
}

// TestOverlongRecord checks that a record beyond the size limit costs its
// row, not its file, whether the file is mapped or read.
func TestOverlongRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		long string
	}{
		{"unquoted", strings.Repeat("a", maxRecord+10)},
		{"quoted", `"` + strings.Repeat("a", maxRecord+10) + `"`},
		{"crlf", strings.Repeat("a", maxRecord+10) + "\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := streetHeader + streetRow("Drugs", "") + tc.long + "\n" + streetRow("Drugs", "")
			for _, mode := range []string{"mapped", "read"} {
				var res *fileResult
				var err error
				var rej []*ParseError
				onReject := func(pe *ParseError) { rej = append(rej, pe) }
				if mode == "mapped" {
					path := filepath.Join(t.TempDir(), "2017-02-hampshire-street.csv")
					writeFiles(t, filepath.Dir(path), map[string][]byte{filepath.Base(path): []byte(content)})
					src := &source{name: path, size: int64(len(content)), seq: 1, open: func() (io.ReadCloser, error) { return os.Open(path) }}
					var w worker
					res, err = w.loadSource(context.Background(), src, quietLogger(), onReject, startProgress(nil, nil))
				} else {
					res, err = parseFile(context.Background(), strings.NewReader(content), "2017-02-hampshire-street.csv", 0, 1, quietLogger(), onReject)
				}
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				if res.counts.Loaded != 2 || len(rej) != 1 || rej[0].Line != 3 || !errors.Is(rej[0], ErrTooLong) {
					t.Errorf("%s: loaded %d, rejected %v; want 2 and line 3 too long", mode, res.counts.Loaded, rej)
				}
			}
		})
	}
}

// TestSparseFileQuick checks that a huge file without line breaks is given
// up on after the record cap and a bounded skip, not scanned to its end.
func TestSparseFileQuick(t *testing.T) {
	dir := t.TempDir()
	withHeader := filepath.Join(dir, "2017-02-hampshire-street.csv")
	bare := filepath.Join(dir, "2017-02-kent-street.csv")
	writeFiles(t, dir, map[string][]byte{
		filepath.Base(withHeader): []byte(streetHeader + streetRow("Drugs", "")),
		filepath.Base(bare):       nil,
	})
	for _, p := range []string{withHeader, bare} {
		if err := os.Truncate(p, 4<<30); err != nil {
			t.Skip("no sparse files here:", err)
		}
	}
	start := time.Now()
	ds, sum, err := loadWithin(t, time.Minute, []string{withHeader, bare}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	if ds.Len() != 1 || sum.Street.Rejected != 1 || len(sum.Failed) != 1 || sum.Failed[0].File != bare {
		t.Errorf("%d crimes, %d rejected, failed %v; want 1, 1 and the file without a header", ds.Len(), sum.Street.Rejected, sum.Failed)
	}
}

func TestEmptyNewerCopyKeepsOlder(t *testing.T) {
	good := streetHeader + streetRow("Drugs", "") + streetRow("Burglary", "")
	for name, newer := range map[string]string{
		"header only":      streetHeader,
		"all rows refused": streetHeader + strings.ReplaceAll(streetRow("Drugs", ""), "-1.1", "x"),
	} {
		t.Run(name, func(t *testing.T) {
			older, newerDir := t.TempDir(), t.TempDir()
			writeFiles(t, older, map[string][]byte{"2017-02-hampshire-street.csv": []byte(good)})
			writeFiles(t, newerDir, map[string][]byte{"2017-02-hampshire-street.csv": []byte(newer)})
			ds, sum, err := loadWithin(t, 20*time.Second, []string{older, newerDir}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != 2 || len(sum.KeptOlder) != 1 || len(sum.Replaced) != 0 {
				t.Errorf("%d crimes, kept older %v, replaced %v; want 2, one, none", ds.Len(), sum.KeptOlder, sum.Replaced)
			}
			if !strings.Contains(sum.String(), "KEPT OLDER street 2017-02-hampshire") {
				t.Errorf("summary does not warn:\n%s", sum)
			}
		})
	}
}

func TestDuplicateColumnFailsFile(t *testing.T) {
	dir := t.TempDir()
	header := strings.TrimSuffix(streetHeader, "\n") + ",month\n"
	writeFiles(t, dir, map[string][]byte{"2017-02-hampshire-street.csv": []byte(header + strings.TrimSuffix(streetRow("Drugs", ""), "\n") + ",2017-03\n")})
	_, sum, err := loadWithin(t, 20*time.Second, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || !errors.Is(sum.Failed[0].Err, ErrDuplicateColumn) || !strings.Contains(sum.Failed[0].Err.Error(), `"month"`) {
		t.Errorf("failed %v, want the file failed for its column month named twice", sum.Failed)
	}
}

func TestStopDates(t *testing.T) {
	const header = "Type,Date,Latitude,Longitude,Object of search\n"
	rows := "Person search,2017-02-01T10:20:00+00:00,50,-1,Drugs\n" +
		"Person search,yesterday,50,-1,Drugs\n" +
		"Person search,2017-02-30T10:20:00+00:00,50,-1,Drugs\n" +
		"Person search,2017-02-01,50,-1,Drugs\n" +
		"Person search,2999-01-01T00:00:00Z,50,-1,Drugs\n"
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"2017-02-hampshire-stop-and-search.csv": []byte(header + rows)})
	var got []string
	_, sum, err := loadWithin(t, 20*time.Second, []string{dir}, Options{OnReject: func(pe *ParseError) {
		got = append(got, fmt.Sprintf("%d %s %v", pe.Line, pe.Column, errors.Is(pe, ErrBadDate) || errors.Is(pe, ErrFutureMonth)))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[3 Date true 4 Date true 6 Date true]"; fmt.Sprint(got) != want || sum.Stops.Loaded != 2 {
		t.Errorf("rejected %v, loaded %d; want %s and 2", got, sum.Stops.Loaded, want)
	}
}
