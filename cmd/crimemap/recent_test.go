package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/ingest"
)

// TestSnapshotLatestMonthsRebuiltAlone snapshots the City of London's
// first seventeen months storing the latest three apart (-recent-months
// 3), and serves it with the eighteenth month added: the start appends the
// three and the new month, in three parts. A street file of one of the
// latest months is then revised with crimes dropped: the reload builds the
// months since the snapshot's first fourteen alone. A revised file of an
// earlier month then reads every file. At the start and after each
// reload, the server must answer byte for byte as one that loaded the
// files as they are.
func TestSnapshotLatestMonthsRebuiltAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the data four times")
	}
	tmp := t.TempDir()
	_, _, data, back := cityCopies(t, tmp, func(name string) bool { return strings.HasPrefix(name, "2017-06-") })
	snapFile := filepath.Join(tmp, "city.snap")
	var out strings.Builder
	if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-recent-months", "3", "-out", snapFile, data}, &out); err != nil {
		t.Fatal(err)
	}
	snapped, _, err := ingest.Load(context.Background(), []string{data}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dataset version "+snapped.Version()) || strings.Contains(out.String(), "(0 in the latest months' part)") {
		t.Fatalf("snapshot of the files loaded as version %s:\n%s", snapped.Version(), out.String())
	}
	for _, n := range back {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(data, filepath.Base(n)), string(b))
	}
	token := strings.Repeat("r3c3nt", 6)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	for _, dir := range []string{"s", "a", "b", "c"} {
		if err := os.MkdirAll(filepath.Join(tmp, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveData(t, filepath.Join(tmp, "s"), data, "-snapshot", snapFile, "-admin-token-file", tokenFile, "-rate-limit", "api=off,v1=off")
	h := waitHealth(t, srv, func(h serveHealth) bool { return h.Version != "" })
	for i, step := range []struct {
		file, read string
		parts      int
	}{
		{"", "", 3},
		{"2017-05-city-of-london-street.csv", "files added since the snapshot's earlier months", 2},
		{"2016-03-city-of-london-street.csv", readEveryFile, 1},
	} {
		if step.file != "" {
			dropRows(t, filepath.Join(data, step.file), 7)
			askReload(t, srv, token)
			prev := h.Version
			h = waitHealth(t, srv, func(h serveHealth) bool { return h.Version != prev && h.Reload != nil })
			if !h.Reload.OK || h.Reload.Read != step.read {
				t.Fatalf("%s revised: reload %+v; want %q", step.file, *h.Reload, step.read)
			}
		}
		if h.Parts != step.parts {
			t.Fatalf("%q revised: %d parts, want %d", step.file, h.Parts, step.parts)
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
