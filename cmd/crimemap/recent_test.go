package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/ingest"
)

// TestSnapshotLatestMonthsRebuiltAlone serves the City of London's
// eighteen months from a snapshot that stores its latest three apart
// (-recent-months 3), and revises a street file of one of those months
// with crimes dropped: the reload builds those three months alone on the
// snapshot's fifteen. A revised file of an earlier month then reads every
// file. After each, the server must answer byte for byte as one that
// loaded the files as they are.
func TestSnapshotLatestMonthsRebuiltAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the data four times")
	}
	tmp := t.TempDir()
	_, data, _, _ := cityCopies(t, tmp, func(string) bool { return false })
	snapFile := filepath.Join(tmp, "city.snap")
	var out strings.Builder
	if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-recent-months", "3", "-out", snapFile, data}, &out); err != nil {
		t.Fatal(err)
	}
	whole, _, err := ingest.Load(context.Background(), []string{data}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dataset version "+whole.Version()) || strings.Contains(out.String(), "(0 in the latest months' part)") {
		t.Fatalf("snapshot of the files loaded as version %s:\n%s", whole.Version(), out.String())
	}
	token := strings.Repeat("r3c3nt", 6)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	for _, dir := range []string{"s", "a", "b"} {
		if err := os.MkdirAll(filepath.Join(tmp, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveData(t, filepath.Join(tmp, "s"), data, "-snapshot", snapFile, "-admin-token-file", tokenFile, "-rate-limit", "api=off,v1=off")
	h := waitHealth(t, srv, func(h serveHealth) bool { return h.Version != "" })
	if h.Version != whole.Version() || h.Parts != 2 {
		t.Fatalf("started at version %s in %d parts, want %s in 2", h.Version, h.Parts, whole.Version())
	}
	for i, step := range []struct {
		file, read string
		parts      int
	}{
		{"2017-05-city-of-london-street.csv", "files added since the snapshot", 2},
		{"2016-03-city-of-london-street.csv", readEveryFile, 1},
	} {
		dropRows(t, filepath.Join(data, step.file), 7)
		askReload(t, srv, token)
		prev := h.Version
		h = waitHealth(t, srv, func(h serveHealth) bool { return h.Version != prev && h.Reload != nil })
		if !h.Reload.OK || h.Reload.Read != step.read || h.Parts != step.parts {
			t.Fatalf("%s revised: reload %+v, %d parts; want %q and %d parts", step.file, *h.Reload, h.Parts, step.read, step.parts)
		}
		one := serveData(t, filepath.Join(tmp, string(rune('a'+i))), data)
		if w := waitHealth(t, one, func(h serveHealth) bool { return h.Version != "" }); w.Version != h.Version {
			t.Fatalf("%s revised: version %s, loaded whole %s", step.file, h.Version, w.Version)
		}
		sameAnswers(t, cityURLs(t, one), one, map[string]string{"from the snapshot": srv})
	}
}

// dropRows rewrites a CSV file without every nth row, as a force that
// withdraws crimes publishes a month's file again.
func dropRows(t *testing.T, name string, n int) {
	t.Helper()
	rewriteCSV(t, name, func(rows [][]string) [][]string {
		kept := rows[:1]
		for i, row := range rows[1:] {
			if i%n != 0 {
				kept = append(kept, row)
			}
		}
		return kept
	})
}
