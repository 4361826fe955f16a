package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport"
)

// TestLaterOutcomes reads back the outcomes files LaterOutcomes writes and
// checks each row against the street rows of the crime it names: the
// crime is in the outcomes' month or the nine before it, in the same
// force, and the row repeats its place; each month's crimes are named in
// about their share, and a second run writes the same bytes.
func TestLaterOutcomes(t *testing.T) {
	src := t.TempDir()
	cfg := smallConfig(120_000, 12, 3)
	cfg.Start = "2023-01"
	if err := Generate(cfg, src); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	n, err := LaterOutcomes(src, dst, "2023-12", 5)
	if err != nil {
		t.Fatal(err)
	}
	type crime struct {
		back int
		rec  []string
	}
	// Every street row with a Crime ID, by force and ID, and how many of
	// each month back there are.
	var forces []string // those synth writes
	for _, f := range geo.StandardForces {
		if _, err := os.Stat(filepath.Join(src, StreetFile("2023-12", f.Slug))); err == nil {
			forces = append(forces, f.Slug)
		} else if _, err := os.Stat(filepath.Join(dst, OutcomesFile("2023-12", f.Slug))); err == nil {
			t.Errorf("%s: outcomes written without a street file", f.Slug)
		}
	}
	crimes := map[string]crime{}
	ids := make([]int, len(LaterShares))
	for back := range LaterShares {
		month := (geo.MakeMonth(2023, 12) - geo.Month(back)).String()
		for _, f := range forces {
			for _, rec := range testsupport.ReadCSV(t, filepath.Join(src, StreetFile(month, f)))[1:] {
				if rec[0] != "" {
					crimes[f+" "+rec[0]] = crime{back, rec}
					ids[back]++
				}
			}
		}
	}
	named := make([]int, len(LaterShares))
	rows := 0
	for _, f := range forces {
		recs := testsupport.ReadCSV(t, filepath.Join(dst, OutcomesFile("2023-12", f)))
		if got := strings.Join(recs[0], ","); got != OutcomesHeader {
			t.Fatalf("%s: header %q", f, got)
		}
		for _, rec := range recs[1:] {
			rows++
			c, ok := crimes[f+" "+rec[0]]
			if !ok {
				t.Fatalf("%s: row %q names no crime of the force in 2023-03..2023-12", f, rec)
			}
			want := []string{c.rec[0], "2023-12", c.rec[2], c.rec[3], c.rec[4], c.rec[5], strings.ToUpper(c.rec[6]), c.rec[7], c.rec[8]}
			if got := rec[:9]; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s: row %q, want it to begin %q", f, rec, want)
			}
			if rec[9] == "" || rec[9] == "Under investigation" {
				t.Fatalf("%s: row %q records no event", f, rec)
			}
			named[c.back]++
		}
	}
	if rows != n || n == 0 {
		t.Fatalf("%d rows read, %d reported written", rows, n)
	}
	// The three busiest months back hold hundreds of rows each: within a
	// fifth of their share.
	for back, share := range LaterShares[:3] {
		want := share * float64(ids[back])
		if got := float64(named[back]); got < 0.8*want || got > 1.2*want {
			t.Errorf("%d months back: %v crimes named of %d, want about %.0f", back, got, ids[back], want)
		}
	}
	again := t.TempDir()
	if _, err := LaterOutcomes(src, again, "2023-12", 5); err != nil {
		t.Fatal(err)
	}
	for _, f := range forces {
		a, _ := os.ReadFile(filepath.Join(dst, OutcomesFile("2023-12", f)))
		b, _ := os.ReadFile(filepath.Join(again, OutcomesFile("2023-12", f)))
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: a second run wrote other bytes", f)
		}
	}
	if _, err := LaterOutcomes(src, t.TempDir(), "2023-13", 5); err == nil {
		t.Error("month 2023-13 was taken")
	}
}
