package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/ingest"
)

// TestSnapshotLatestMonthsRebuiltAlone snapshots the City of London's
// first seventeen months storing the latest three apart (-recent-months
// 3), and serves it with the eighteenth month added: the start appends the
// three and the new month, in three parts. A second server loads the files
// with its latest three months apart. A street file of one of the latest
// months is then revised with crimes dropped and one moved to a place no
// crime was at, which cannot be applied in place: each server builds the
// latest months alone on the earlier ones, and a server started then from
// a snapshot of the eighteen months does the same at its start. A revised
// file of an earlier
// month then reads every file, again with the latest three apart, so that
// the next revision of one of those is built alone as well. Crimes
// retyped in a latest month and in an earlier one are then applied in
// place (geo.Revise), the parts as they were. At the start
// and after each reload, the servers must answer byte for byte as one
// that loaded the files as they are in one piece.
func TestSnapshotLatestMonthsRebuiltAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the data six times")
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
	if !strings.Contains(out.String(), "dataset version "+snapped.Version()+", ") || !strings.Contains(out.String(), "of the latest months apart") {
		t.Fatalf("snapshot of the files loaded as version %s:\n%s", snapped.Version(), out.String())
	}
	for _, n := range back {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(data, filepath.Base(n)), string(b))
	}
	// A snapshot of the eighteen months, for a start after a revision.
	snap18 := filepath.Join(tmp, "city18.snap")
	if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-recent-months", "3", "-out", snap18, data}, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("r3c3nt", 6)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	flags := []string{"-admin-token-file", tokenFile, "-rate-limit", "api=off,v1=off", "-recent-months", "3"}
	servers := map[string]string{
		"snapshot": serveData(t, filepath.Join(tmp, "s"), data, append([]string{"-snapshot", snapFile}, flags...)...),
		"files":    serveData(t, filepath.Join(tmp, "f"), data, flags...),
	}
	health := map[string]serveHealth{}
	for name, srv := range servers {
		health[name] = waitHealth(t, srv, func(h serveHealth) bool { return h.Version != "" })
	}
	type want struct {
		read  string
		parts int
	}
	builtAlone := want{"files added since the last full load's earlier months", 2}
	inPlace := want{"revised crimes", 2}
	// Crimes dropped, and one moved to a place no crime was at, which
	// cannot be applied in place; or crimes retyped, which can.
	moved := func(name string) {
		dropRows(t, name, 7)
		rewriteCSV(t, name, func(rows [][]string) [][]string {
			rows[1][4], rows[1][5] = "-0.0900", "51.5150"
			return rows
		})
	}
	retyped := func(name string) {
		rewriteCSV(t, name, func(rows [][]string) [][]string {
			for i, row := range rows[1:] {
				if i%5 == 0 {
					row[9] = map[bool]string{true: "Burglary", false: "Robbery"}[row[9] != "Burglary"]
				}
			}
			return rows
		})
	}
	for i, step := range []struct {
		file string
		edit func(name string)
		want map[string]want
	}{
		{"", nil, map[string]want{"snapshot": {"", 3}, "files": {"", 2}}},
		{"2017-05-city-of-london-street.csv", moved, map[string]want{"snapshot": {"files added since the snapshot's earlier months", 2}, "files": builtAlone}},
		{"2016-03-city-of-london-street.csv", moved, map[string]want{"snapshot": {readEveryFile, 2}, "files": {readEveryFile, 2}, "started after": {readEveryFile, 1}}},
		{"2017-04-city-of-london-street.csv", moved, map[string]want{"snapshot": builtAlone, "files": builtAlone, "started after": {readEveryFile, 1}}},
		{"2017-04-city-of-london-street.csv", retyped, map[string]want{"snapshot": inPlace, "files": inPlace, "started after": {"revised crimes", 1}}},
		{"2016-05-city-of-london-street.csv", retyped, map[string]want{"snapshot": inPlace, "files": inPlace, "started after": {"revised crimes", 1}}},
	} {
		if step.file != "" {
			step.edit(filepath.Join(data, step.file))
		}
		for name, srv := range servers {
			h := health[name]
			if step.file != "" {
				askReload(t, srv, token)
				h = waitHealth(t, srv, func(n serveHealth) bool { return n.Version != h.Version && n.Reload != nil })
				if !h.Reload.OK || h.Reload.Read != step.want[name].read {
					t.Fatalf("%s revised, from the %s: reload %+v; want %q", step.file, name, *h.Reload, step.want[name].read)
				}
			}
			if h.Parts != step.want[name].parts {
				t.Fatalf("%q revised, from the %s: %d parts, want %d", step.file, name, h.Parts, step.want[name].parts)
			}
			health[name] = h
		}
		if i == 1 {
			// A start from the eighteen months' snapshot now builds the
			// latest three again on its earlier months; it loads every
			// file later in one piece (-recent-months 0), so that its
			// two parts tell the start from a load of every file.
			srv := serveData(t, filepath.Join(tmp, "r"), data, append([]string{"-snapshot", snap18}, append(flags, "-recent-months", "0")...)...)
			if h := waitHealth(t, srv, func(h serveHealth) bool { return h.Version != "" }); h.Parts != 2 || h.Version != health["snapshot"].Version || h.Reload != nil {
				t.Fatalf("started after %s was revised: %d parts, version %s, reload %v; want 2, %s and none", step.file, h.Parts, h.Version, h.Reload, health["snapshot"].Version)
			}
			servers["started after"], health["started after"] = srv, health["snapshot"]
		}
		one := serveData(t, filepath.Join(tmp, string(rune('a'+i))), data, "-recent-months", "0")
		w := waitHealth(t, one, func(h serveHealth) bool { return h.Version != "" })
		for name, h := range health {
			if h.Version != w.Version {
				t.Fatalf("%q revised, from the %s: version %s, loaded in one piece %s", step.file, name, h.Version, w.Version)
			}
		}
		sameAnswers(t, cityURLs(t, one), one, servers)
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
