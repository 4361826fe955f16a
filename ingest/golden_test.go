package ingest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/ingest")

// TestSummaryGolden pins the summary printed after loading every ingest
// sample, so a change in what is counted or how it is shown is reviewed.
// Regenerate with: go test ./ingest -run SummaryGolden -update
func TestSummaryGolden(t *testing.T) {
	_, sum, err := Load(context.Background(), []string{testdata(t, "ingest")}, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	sum.Elapsed = 0
	got := []byte(sum.String())
	golden := testdata(t, "ingest", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("summary differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
	}
}
