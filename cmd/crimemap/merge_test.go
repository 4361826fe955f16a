package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAppendedPartsMerged serves fifteen months of the City of London from
// a snapshot, from one that stores its latest three months apart, and from
// the CSVs, with --max-appended 1, and drops the three months after them
// in one at a time, a reload each. The first is appended as a part of its
// own; each later one is appended, and then the months since the snapshot
// (or since the CSVs were loaded) are built again as one part, so that the
// crime table stays in two parts (three, the snapshot's latest months
// apart: those are not built again). The servers must then answer byte
// for byte as one that loaded all eighteen months at once.
func TestAppendedPartsMerged(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the data three times")
	}
	later := []string{"2017-04-", "2017-05-", "2017-06-"}
	tmp := t.TempDir()
	_, whole, grown, back := cityCopies(t, tmp, func(name string) bool { return slices.Contains(later, name[:8]) })
	byMonth := map[string][]string{}
	for _, n := range back {
		m := filepath.Base(n)[:8]
		byMonth[m] = append(byMonth[m], n)
	}
	snapFile, splitFile := filepath.Join(tmp, "fifteen.snap"), filepath.Join(tmp, "fifteen-split.snap")
	for file, recent := range map[string]string{snapFile: "0", splitFile: "3"} {
		if err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-recent-months", recent, "-out", file, grown}, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	token := strings.Repeat("m3rg3", 8)
	tokenFile := filepath.Join(tmp, "admin-token")
	writeFile(t, tokenFile, token+"\n")
	flags := []string{"-admin-token-file", tokenFile, "-max-appended", "1", "-rate-limit", "api=off,v1=off"}
	// The servers by what they start from, and the parts they start in.
	servers := map[string]string{
		"the snapshot":       serveData(t, filepath.Join(tmp, "b"), grown, append([]string{"-snapshot", snapFile}, flags...)...),
		"the last full load": serveData(t, filepath.Join(tmp, "c"), grown, flags...),
		"the split snapshot": serveData(t, filepath.Join(tmp, "d"), grown, append([]string{"-snapshot", splitFile}, flags...)...),
	}
	started := map[string]int{"the snapshot": 1, "the last full load": 1, "the split snapshot": 2}
	versions := map[string]string{}
	for root, srv := range servers {
		h := waitHealth(t, srv, func(h serveHealth) bool { return h.Version != "" })
		if h.Parts != started[root] {
			t.Fatalf("started from %s: %d parts, want %d", root, h.Parts, started[root])
		}
		versions[root] = h.Version
	}
	for i, m := range later {
		for _, n := range byMonth[m] {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(grown, filepath.Base(n)), string(b))
		}
		for root, srv := range servers {
			askReload(t, srv, token)
			want := "added files"
			if i > 0 {
				want = "parts merged: files added since " + strings.Replace(root, "split ", "", 1)
			}
			prev := versions[root]
			h := waitHealth(t, srv, func(h serveHealth) bool {
				return h.Version != prev && h.Reload != nil && h.Reload.Read == want
			})
			if !h.Reload.OK || h.Parts != started[root]+1 {
				t.Fatalf("%s, from %s: reload %+v, %d parts; want %q and %d parts", m, root, *h.Reload, h.Parts, want, started[root]+1)
			}
			versions[root] = h.Version
		}
	}
	one := serveData(t, filepath.Join(tmp, "a"), whole)
	w := waitHealth(t, one, func(h serveHealth) bool { return h.Version != "" })
	for root, v := range versions {
		if v != w.Version {
			t.Errorf("from %s: version %s, loaded whole %s", root, v, w.Version)
		}
	}
	sameAnswers(t, cityURLs(t, one), one, servers)
}
