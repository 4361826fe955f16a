package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"crimemap/ingest"
)

// Load a folder of street and outcomes files and report what was read.
func ExampleLoad() {
	ds, sum, err := ingest.Load(context.Background(), []string{"../testdata/ingest/tiny"}, ingest.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("files:", sum.Files, "failed:", len(sum.Failed))
	fmt.Println("street rows:", sum.Street.Read, "crimes:", ds.Len(), "months:", ds.Months())
	fmt.Println("outcome rows:", sum.Outcomes.Read, "joined to a crime:", sum.OutcomesJoined)
	// Output:
	// files: 4 failed: 0
	// street rows: 12 crimes: 12 months: [2018-01]
	// outcome rows: 10 joined to a crime: 8
}

// Unreadable files do not stop a load: each is listed with an error that
// wraps a sentinel, so a caller can tell the cases apart and exit non-zero.
func ExampleLoad_failedFiles() {
	dir, err := os.MkdirTemp("", "ingest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "2018-01-kent-street.csv"), []byte("Month,Crime type\n2018-01,Drugs\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "archive.zip"), []byte("not a zip"), 0o644)

	_, sum, err := ingest.Load(context.Background(), []string{"../testdata/ingest/tiny", dir}, ingest.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("files read:", sum.Files, "crimes:", sum.Street.Loaded)
	for _, f := range sum.Failed {
		fmt.Printf("%s: missing column %v, broken zip %v\n", filepath.Base(f.File),
			errors.Is(f.Err, ingest.ErrMissingColumn), errors.Is(f.Err, ingest.ErrBadZip))
	}
	// Output:
	// files read: 4 crimes: 12
	// 2018-01-kent-street.csv: missing column true, broken zip false
	// archive.zip: missing column false, broken zip true
}

// Load a folder with its latest month apart, built on the months before
// it, as serve does: the months before are kept to build the latest again
// alone when one of its files is revised, and the dataset answers as one
// loaded in one piece.
func ExampleLoadApart() {
	dir := "../testdata/ingest/city-of-london"
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	opt := ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ds, earlier, _, err := ingest.LoadApart(context.Background(), []string{dir}, files, 1, opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	whole, _, err := ingest.Load(context.Background(), []string{dir}, opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parts:", ds.NumParts(), "earlier months:", earlier.Months(), "all months:", ds.Months())
	fmt.Println("as in one piece:", ds.Version() == whole.Version())
	// Output:
	// parts: 2 earlier months: [2016-01] all months: [2016-01 2016-02]
	// as in one piece: true
}
