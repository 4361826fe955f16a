package postcode

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// TestSummaryGolden pins the summary printed after loading the sample, so a
// change in what is counted or how it is shown is reviewed.
// Regenerate with: go test ./postcode -run SummaryGolden -update
func TestSummaryGolden(t *testing.T) {
	_, sum, _ := loadSample(t)
	sum.Elapsed = 0
	got := []byte(sum.String())
	const golden = "testdata/summary.golden"
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
