package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

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
