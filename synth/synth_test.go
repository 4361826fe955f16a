package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport"
)

func smallConfig(n, months int, seed int64) Config {
	cfg := DefaultConfig()
	cfg.N, cfg.Months, cfg.Seed = n, months, seed
	return cfg
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := smallConfig(30000, 3, 7)
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	cfg.Workers = 1
	if err := Generate(cfg, a); err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 5
	if err := Generate(cfg, b); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) == 0 || len(ta) != len(tb) {
		t.Fatalf("file counts %d and %d", len(ta), len(tb))
	}
	for name, want := range ta {
		if !bytes.Equal(tb[name], want) {
			t.Errorf("%s differs between runs with the same seed", name)
		}
	}
	cfg.Seed = 8
	if err := Generate(cfg, c); err != nil {
		t.Fatal(err)
	}
	same := 0
	for name, got := range readTree(t, c) {
		if bytes.Equal(got, ta[name]) {
			same++
		}
	}
	if same != 0 {
		t.Errorf("%d files identical across seeds 7 and 8", same)
	}
}

var (
	idRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	coordRe = regexp.MustCompile(`^-?\d{1,2}\.\d{6}$`)
	codeRe  = regexp.MustCompile(`^[EW]01\d{6}$`)
	nameRe  = regexp.MustCompile(`^[A-Z][A-Za-z' -]+ \d{3}[A-E]$`)
	fileRe  = regexp.MustCompile(`^(\d{4}-\d{2})-([a-z-]+)-street\.csv$`)
)

// TestGenerateCSV reads the output back with encoding/csv and checks every
// row against the data.police.uk street-file rules and the configured mix.
func TestGenerateCSV(t *testing.T) {
	const n = 120000
	cfg := smallConfig(n, 4, 3)
	cfg.Start = "2023-11"
	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	forceName := map[string]string{}
	for _, f := range geo.StandardForces {
		forceName[f.Slug] = f.Name
	}
	wantMonths := map[string]bool{"2023-11": true, "2023-12": true, "2024-01": true, "2024-02": true}
	catCount := map[string]int{}
	ids := map[string]bool{}
	rows, noLoc, welsh := 0, 0, 0
	forcesSeen := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		m := fileRe.FindStringSubmatch(filepath.Base(path))
		if m == nil || filepath.Base(filepath.Dir(path)) != m[1] || !wantMonths[m[1]] {
			t.Fatalf("unexpected file %s", path)
		}
		month, force := m[1], m[2]
		name, ok := forceName[force]
		if !ok {
			t.Fatalf("%s: unknown force id %q", path, force)
		}
		forcesSeen[force] = true
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = 12
		head, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(head, ","); got != "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context" {
			t.Fatalf("%s header %q", path, got)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			rows++
			id, mo, rep, falls, lon, lat, loc, code, lname, cat, out, ctx := rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9], rec[10], rec[11]
			if mo != month || rep != name || falls != name || ctx != "" {
				t.Fatalf("%s: bad row %q", path, rec)
			}
			catCount[cat]++
			if cat == "Anti-social behaviour" {
				if id != "" || out != "" {
					t.Fatalf("%s: ASB row with ID or outcome: %q", path, rec)
				}
			} else {
				if !idRe.MatchString(id) || ids[id] {
					t.Fatalf("%s: bad or repeated Crime ID %q", path, id)
				}
				ids[id] = true
			}
			if loc == "No Location" {
				noLoc++
				if lon != "" || lat != "" || code != "" || lname != "" {
					t.Fatalf("%s: no-location row with a location: %q", path, rec)
				}
				continue
			}
			if !coordRe.MatchString(lon) || !coordRe.MatchString(lat) {
				t.Fatalf("%s: coordinates not 6 dp: %q", path, rec)
			}
			x, y := mustFloat(t, lon), mustFloat(t, lat)
			// England and Wales, Scilly to Lowestoft, Lizard to Berwick.
			if x < -6.5 || x > 1.8 || y < 49.8 || y > 55.85 {
				t.Fatalf("%s: point outside England and Wales: %q", path, rec)
			}
			if !strings.HasPrefix(loc, "On or near ") || !codeRe.MatchString(code) || !nameRe.MatchString(lname) {
				t.Fatalf("%s: bad location fields: %q", path, rec)
			}
			if strings.HasPrefix(code, "W") {
				welsh++
			}
		}
		f.Close()
	}
	if rows != n {
		t.Errorf("%d rows, want %d", rows, n)
	}
	// Every territorial force of England and Wales, without BTP and PSNI.
	if len(forcesSeen) != 43 {
		t.Errorf("%d forces, want 43", len(forcesSeen))
	}
	if welsh == 0 {
		t.Errorf("no Welsh LSOA codes")
	}
	if got := float64(noLoc) / n; math.Abs(got-cfg.NoLocation) > 0.004 {
		t.Errorf("no-location share %.4f, want about %.4f", got, cfg.NoLocation)
	}
	// The shares from the real files, typed out again here.
	want := map[string]float64{
		"Anti-social behaviour": 32062, "Violence and sexual offences": 29455,
		"Other theft": 12827, "Criminal damage and arson": 10752, "Shoplifting": 9141,
		"Vehicle crime": 8696, "Burglary": 7710, "Public order": 7580,
		"Theft from the person": 4550, "Drugs": 3993, "Bicycle theft": 2455,
		"Other crime": 2152, "Possession of weapons": 1302, "Robbery": 1169,
	}
	total := 0.0
	for _, c := range want {
		total += c
	}
	if len(catCount) != len(want) {
		t.Errorf("categories %v", catCount)
	}
	for cat, c := range want {
		p := c / total
		got := float64(catCount[cat]) / n
		tol := 5*math.Sqrt(p*(1-p)/n) + 0.001
		if math.Abs(got-p) > tol {
			t.Errorf("%s share %.4f, want %.4f ± %.4f", cat, got, p, tol)
		}
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmtSscan(s, &f); err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return f
}

// TestDensity checks that crimes cluster in cities: a 10 km box around
// central London must hold far more rows per area than the country as a whole.
func TestDensity(t *testing.T) {
	const n = 60000
	dir := t.TempDir()
	if err := Generate(smallConfig(n, 1, 11), dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.csv"))
	inLondon, located := 0, 0
	for _, p := range files {
		for _, r := range testsupport.ReadCSV(t, p)[1:] {
			if r[4] == "" {
				continue
			}
			located++
			x, y := mustFloat(t, r[4]), mustFloat(t, r[5])
			if math.Abs(x+0.1278) < 0.072 && math.Abs(y-51.5074) < 0.045 {
				inLondon++
			}
		}
	}
	// England and Wales is about 151,000 km², the box about 100 km²: an even
	// spread would put 0.07% of rows in it. London has about a fifth of all
	// crime, a good part of it central.
	if share := float64(inLondon) / float64(located); share < 0.03 {
		t.Errorf("central London holds %.4f of rows; want a dense centre (> 0.03)", share)
	}
}

func TestOutcomesFiles(t *testing.T) {
	cfg := smallConfig(20000, 2, 5)
	cfg.Outcomes = true
	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	street := map[string][]string{}
	streets, _ := filepath.Glob(filepath.Join(dir, "*", "*-street.csv"))
	for _, p := range streets {
		for _, r := range testsupport.ReadCSV(t, p)[1:] {
			if r[0] != "" {
				street[r[0]] = r
			}
		}
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "*", "*-outcomes.csv"))
	if len(outs) != len(streets) {
		t.Fatalf("%d outcomes files for %d street files", len(outs), len(streets))
	}
	n := 0
	for _, p := range outs {
		f, _ := os.Open(p)
		r := csv.NewReader(f)
		r.FieldsPerRecord = 10
		recs, err := r.ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != OutcomesHeader {
			t.Fatalf("%s header %q", p, recs[0])
		}
		for _, o := range recs[1:] {
			n++
			s, ok := street[o[0]]
			if !ok {
				t.Fatalf("%s: outcome for unknown crime %q", p, o[0])
			}
			loc := strings.ToUpper(s[6])
			if s[4] == "" {
				loc = s[6]
			}
			if o[1] != s[1] || o[4] != s[4] || o[5] != s[5] || o[6] != loc || o[7] != s[7] || o[9] != s[10] {
				t.Fatalf("%s: outcome %q does not match crime %q", p, o, s)
			}
		}
	}
	if n < len(street)/2 {
		t.Errorf("%d outcome rows for %d crimes", n, len(street))
	}
}

func TestEnsureDir(t *testing.T) {
	t.Setenv("CRIMEMAP_BENCH_DIR", t.TempDir())
	cfg := smallConfig(5000, 2, 1)
	dir, err := EnsureDir(cfg)
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, StreetFile("2023-01", "metropolitan"))
	// A reused directory is not rewritten, so an edit survives.
	if err := os.WriteFile(probe, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureDir(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(probe); string(b) != "edited" {
		t.Errorf("EnsureDir rewrote a complete directory")
	}
	// A directory an older generator wrote, marked with the bare Config,
	// is written again.
	old, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, markerName), old, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureDir(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(probe); !bytes.HasPrefix(b, []byte("Crime ID,")) {
		t.Errorf("EnsureDir reused the output of an older generator: %q", b[:min(len(b), 20)])
	}
	// Another config in the same place regenerates, and clears old months.
	cfg.Months = 1
	if _, err := EnsureDir(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(probe); !bytes.HasPrefix(b, []byte("Crime ID,")) {
		t.Errorf("EnsureDir kept a stale file: %q", b[:min(len(b), 20)])
	}
	if _, err := os.Stat(filepath.Join(dir, "2023-02")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("month of the old config left behind: %v", err)
	}
}

// TestEnsureDirConcurrent runs EnsureDir from several goroutines at once, as
// the test binaries of several packages do: all must get the same complete
// dataset.
func TestEnsureDirConcurrent(t *testing.T) {
	base := t.TempDir()
	t.Setenv("CRIMEMAP_BENCH_DIR", filepath.Join(base, "cache"))
	cfg := smallConfig(8000, 2, 4)
	ref := t.TempDir()
	if err := Generate(cfg, ref); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, ref)
	errs := make(chan error, 4)
	dirs := make(chan string, 4)
	for range 4 {
		go func() {
			d, err := EnsureDir(cfg)
			errs <- err
			dirs <- d
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		<-dirs
	}
	got := readTree(t, filepath.Join(base, "cache"))
	delete(got, markerName)
	if len(got) != len(want) {
		t.Fatalf("%d files, want %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from a direct Generate", name)
		}
	}
	left, _ := filepath.Glob(filepath.Join(base, "cache.partial-*"))
	if len(left) != 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"negative N", func(c *Config) { c.N = -1 }},
		{"negative stops", func(c *Config) { c.Stops = -1 }},
		{"no months", func(c *Config) { c.Months = 0 }},
		{"bad start", func(c *Config) { c.Start = "2023-13" }},
		{"no-location above 1", func(c *Config) { c.NoLocation = 1.5 }},
		{"zero crimes per point", func(c *Config) { c.CrimesPerPoint = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			if err := Generate(cfg, t.TempDir()); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Generate = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		name string
		n    int
		w    []float64
		want []int
	}{
		{"even", 9, []float64{1, 1, 1}, []int{3, 3, 3}},
		{"remainder to largest fraction", 10, []float64{1, 1, 1}, []int{4, 3, 3}},
		{"skewed", 100, []float64{0.7, 0.2, 0.1}, []int{70, 20, 10}},
		{"zero weight", 5, []float64{0, 2, 3}, []int{0, 2, 3}},
		{"nothing", 0, []float64{1, 2}, []int{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := apportion(tc.n, tc.w)
			if len(got) != len(tc.want) {
				t.Fatalf("apportion(%d, %v) = %v, want %v", tc.n, tc.w, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("apportion(%d, %v) = %v, want %v", tc.n, tc.w, got, tc.want)
				}
			}
		})
	}
}

func TestOnLand(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		want     bool
	}{
		{"Birmingham", -1.8904, 52.4862, true},
		{"Snowdon", -4.0762, 53.0685, true},
		{"Dartmoor", -3.9, 50.57, true},
		{"Peak District", -1.8, 53.35, true},
		{"Dublin", -6.26, 53.35, false},
		{"Paris", 2.35, 48.86, false},
		{"Edinburgh", -3.19, 55.95, false},
		{"North Sea", 1.5, 54.0, false},
		{"Bristol Channel", -3.8, 51.3, false},
		{"English Channel", -2.0, 50.2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := onLand(tc.lon, tc.lat); got != tc.want {
				t.Errorf("onLand(%v, %v) = %v, want %v", tc.lon, tc.lat, got, tc.want)
			}
		})
	}
	for _, c := range centres {
		if !onLand(c.lon, c.lat) {
			t.Errorf("centre %s (%v, %v) is off the coast outline", c.name, c.lon, c.lat)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	cfg := smallConfig(500_000, 12, 1)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := Generate(cfg, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.N)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// archiveOrder checks a street file for the row order of the archive: each
// LSOA in one run, rows without a location last. strict also asks for the
// runs in LSOA name order with anti-social behaviour first in each, which
// real files keep all but a few times per file.
func archiveOrder(path string, strict bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		return err
	}
	done := map[string]bool{}
	var prev, prevName string
	unlocated, other := false, false
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		code, name, asb := rec[7], rec[8], rec[9] == "Anti-social behaviour"
		switch {
		case code == "":
			unlocated = true
			continue
		case unlocated:
			return fmt.Errorf("line %d: a located row after one without a location", line)
		case code != prev:
			if done[code] {
				return fmt.Errorf("line %d: LSOA %s in a second run", line, code)
			}
			if strict && name < prevName {
				return fmt.Errorf("line %d: LSOA %q after %q", line, name, prevName)
			}
			done[prev] = true
			prev, prevName, other = code, name, false
		}
		if strict && asb && other {
			return fmt.Errorf("line %d: anti-social behaviour after another crime type in LSOA %s", line, code)
		}
		other = other || !asb
	}
}

func TestArchiveOrder(t *testing.T) {
	cfg := smallConfig(60000, 2, 9)
	dir := t.TempDir()
	if err := Generate(cfg, dir); err != nil {
		t.Fatal(err)
	}
	synthetic, err := filepath.Glob(filepath.Join(dir, "*", "*-street.csv"))
	if err != nil || len(synthetic) == 0 {
		t.Fatalf("no files generated: %v", err)
	}
	tests := []struct {
		name   string
		paths  []string
		strict bool
	}{
		// The model: a real month keeps the loose order.
		{"real", []string{testsupport.HampshireStreet(t)}, false},
		{"synthetic", synthetic, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.paths {
				if err := archiveOrder(p, tt.strict); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
		})
	}
}
