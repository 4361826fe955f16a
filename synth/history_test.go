package synth

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
)

// historyRows reads every street file of dir and calls row with its month
// and record.
func historyRows(t *testing.T, dir string, row func(month string, rec []string)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*-street.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no street files: %v", err)
	}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		month := filepath.Base(filepath.Dir(path))
		for _, rec := range recs[1:] {
			row(month, rec)
		}
	}
}

func TestCategoryLabelsByMonth(t *testing.T) {
	tests := []struct {
		month string
		n     int
		has   []string
		not   []string
	}{
		{"2010-12", 6, []string{"Violent crime", "Other crime"}, []string{"Other theft", "Shoplifting", "Violence and sexual offences"}},
		{"2011-08", 6, nil, []string{"Public disorder and weapons"}},
		{"2011-09", 11, []string{"Public disorder and weapons", "Other theft", "Violent crime"}, []string{"Public order", "Bicycle theft"}},
		{"2013-04", 11, nil, []string{"Possession of weapons", "Theft from the person"}},
		{"2013-05", 14, []string{"Violence and sexual offences", "Public order", "Possession of weapons", "Bicycle theft", "Theft from the person"}, []string{"Violent crime", "Public disorder and weapons"}},
		{"2025-12", 14, nil, []string{"Violent crime"}},
	}
	for _, tt := range tests {
		got := CategoryLabels(tt.month)
		if len(got) != tt.n {
			t.Errorf("%s: %d labels %q, want %d", tt.month, len(got), got, tt.n)
		}
		for _, h := range tt.has {
			if !slices.Contains(got, h) {
				t.Errorf("%s: %q missing from %q", tt.month, h, got)
			}
		}
		for _, h := range tt.not {
			if slices.Contains(got, h) {
				t.Errorf("%s: %q not valid then, in %q", tt.month, h, got)
			}
		}
	}
}

// TestHistoryFiles generates three and a half years across both category
// changes and checks every row's label against its month, that every label
// is one the loader knows, and that volumes grow.
func TestHistoryFiles(t *testing.T) {
	cfg := smallConfig(84_000, 42, 5)
	cfg.Start, cfg.History = "2010-12", true
	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"Violent crime": true}
	for _, c := range geo.StandardCategories {
		known[c.Name] = true
	}
	perMonth := map[string]int{}
	seen := map[string]map[string]bool{}
	historyRows(t, dir, func(month string, rec []string) {
		perMonth[month]++
		if rec[1] != month {
			t.Fatalf("row of %s in a file of %s", rec[1], month)
		}
		label := rec[9]
		if !slices.Contains(CategoryLabels(month), label) {
			t.Fatalf("%s: %q is not a label of its month", month, label)
		}
		if !known[label] {
			t.Fatalf("%s: %q unknown to the loader", month, label)
		}
		if seen[month] == nil {
			seen[month] = map[string]bool{}
		}
		seen[month][label] = true
	})
	total := 0
	for _, n := range perMonth {
		total += n
	}
	if total != cfg.N || len(perMonth) != cfg.Months {
		t.Fatalf("%d rows over %d months, want %d over %d", total, len(perMonth), cfg.N, cfg.Months)
	}
	for _, m := range []string{"2011-06", "2012-06", "2014-03"} {
		if len(seen[m]) != len(CategoryLabels(m)) {
			t.Errorf("%s writes %d of its %d labels", m, len(seen[m]), len(CategoryLabels(m)))
		}
	}
	// Same calendar month a year apart, so the season does not count.
	if a, b, c := perMonth["2011-03"], perMonth["2012-03"], perMonth["2013-03"]; !(a < b && b < c) {
		t.Errorf("March volumes %d, %d, %d do not grow", a, b, c)
	}
	if perMonth["2012-02"] >= perMonth["2012-07"] {
		t.Errorf("February %d not below July %d", perMonth["2012-02"], perMonth["2012-07"])
	}
}

// TestHistoryGrowth checks the yearly volumes of fifteen years at 90M.
func TestHistoryGrowth(t *testing.T) {
	cfg := smallConfig(90_000_000, 180, 1)
	cfg.Start, cfg.History = "2011-01", true
	months, _ := cfg.MonthNames()
	counts := monthCounts(cfg, months)
	perYear := map[string]int{}
	total := 0
	for i, n := range counts {
		perYear[months[i][:4]] += n
		total += n
	}
	if total != cfg.N {
		t.Fatalf("months sum to %d, want %d", total, cfg.N)
	}
	t.Logf("2011: %d crimes, 2018: %d, 2025: %d", perYear["2011"], perYear["2018"], perYear["2025"])
	if y := perYear["2011"]; y < 4_300_000 || y > 4_900_000 {
		t.Errorf("2011: %d crimes, want about 4.5M", y)
	}
	if y := perYear["2025"]; y < 6_100_000 || y > 6_700_000 {
		t.Errorf("2025: %d crimes, want about 6.5M", y)
	}
	plain := cfg
	plain.History = false
	for _, n := range monthCounts(plain, months) {
		if n != cfg.N/cfg.Months {
			t.Fatalf("without History a month holds %d, want %d", n, cfg.N/cfg.Months)
		}
	}
}

// TestHistoryPoints follows popular snap points through the yearly
// revisions: one added appears only from its revision, one withdrawn only
// before it, and one moved writes its old record before and its new
// record, another street at other coordinates in the same LSOA, after.
func TestHistoryPoints(t *testing.T) {
	cfg := smallConfig(240_000, 36, 2)
	cfg.Start, cfg.History = "2019-01", true
	m := buildModel(cfg)
	plain := cfg
	plain.History = false
	if p := buildModel(plain); !slices.Equal(p.rec, m.rec[:len(p.rec)]) {
		t.Fatal("History changed the pool of points")
	}
	months, _ := cfg.MonthNames()
	record := func(p int) string { return string(m.rec[m.recOff[p]:m.recOff[p+1]]) }

	// The most popular points of the largest force.
	fi := 0
	for i := range m.points {
		if len(m.points[i]) > len(m.points[fi]) {
			fi = i
		}
	}
	var added, removed, moved = -1, -1, -1
	for _, p := range m.points[fi][:200] {
		l := m.life[p]
		switch {
		case l.from > 0 && added < 0:
			added = int(p)
		case l.until < int32(cfg.Months) && removed < 0:
			removed = int(p)
		case l.moveAt > 0 && moved < 0:
			moved = int(p)
		}
	}
	if added < 0 || removed < 0 || moved < 0 {
		t.Fatalf("no added, removed or moved point among the first 200: %d %d %d", added, removed, moved)
	}
	old, moveTo := record(moved), record(int(m.life[moved].moveTo))
	if old == moveTo || strings.SplitN(old, ",", 4)[3] != strings.SplitN(moveTo, ",", 4)[3] {
		t.Fatalf("moved point %q became %q", old, moveTo)
	}

	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, mo := range months {
		index[mo] = i
	}
	type span struct{ first, last int }
	spans := map[string]*span{}
	historyRows(t, dir, func(month string, rec []string) {
		key := strings.Join(rec[4:9], ",")
		mi := index[month]
		if s := spans[key]; s == nil {
			spans[key] = &span{mi, mi}
		} else {
			s.first, s.last = min(s.first, mi), max(s.last, mi)
		}
	})
	check := func(what, rec string, first, last int) {
		t.Helper()
		s := spans[rec]
		if s == nil {
			t.Fatalf("%s point %q never written", what, rec)
		}
		if s.first < first || s.last > last {
			t.Errorf("%s point %q written in months %d..%d, want within %d..%d", what, rec, s.first, s.last, first, last)
		}
	}
	check("added", record(added), int(m.life[added].from), cfg.Months-1)
	check("withdrawn", record(removed), 0, int(m.life[removed].until)-1)
	check("moved (old)", old, 0, int(m.life[moved].moveAt)-1)
	check("moved (new)", moveTo, int(m.life[moved].moveAt), cfg.Months-1)
}

// TestMarkerByEra: a dataset starting before the 2013 category change is
// marked as written with the labels of its era, so an older copy is
// regenerated; later ones keep the marker they had.
func TestMarkerByEra(t *testing.T) {
	late, err := markerContent(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Version":2,"N":6000000,"Months":12,"Start":"2023-01","Seed":1,"Outcomes":false,"NoLocation":0.015,"CrimesPerPoint":8,"Workers":0}`; string(late) != want {
		t.Errorf("marker of the national year %s, want %s", late, want)
	}
	cfg := DefaultConfig()
	cfg.Start = "2013-04"
	early, _ := markerContent(cfg)
	if !strings.Contains(string(early), `"LabelsByEra":true`) {
		t.Errorf("marker of a dataset from 2013-04 %s does not mark its labels", early)
	}
}

// TestOutputWithoutHistory pins the bytes of a dataset without History from
// after the category changes: benchmarks cache such datasets, so History
// must not change them.
func TestOutputWithoutHistory(t *testing.T) {
	cfg := smallConfig(20_000, 2, 3)
	cfg.Start, cfg.Outcomes = "2023-11", true
	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	tree := readTree(t, dir)
	names := slices.Sorted(maps.Keys(tree))
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write(tree[n])
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), wantWithoutHistory; got != want {
		t.Errorf("output hash %s, want %s", got, want)
	}
}

// wantWithoutHistory is the hash of that dataset as written before History.
const wantWithoutHistory = "dac9d0ab2c73c56eaa6a17647ca5b4ed40e2eafe0cc4d5929b7ef8b5fb529122"
