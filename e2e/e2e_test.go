package e2e

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crimemap/boundary"
	"crimemap/ingest"
	"crimemap/server"
	"crimemap/synth"
)

// basemapStyle stands in for a real basemap: a land colour and a polygon
// the crime layers must be drawn above.
const basemapStyle = `{
  "version": 8,
  "name": "test basemap",
  "sources": {"land": {"type": "geojson", "data": {"type": "Feature", "properties": {},
    "geometry": {"type": "Polygon", "coordinates": [[[-2, 50.5], [-0.7, 50.5], [-0.7, 51.5], [-2, 51.5], [-2, 50.5]]]}}}},
  "layers": [
    {"id": "basemap-background", "type": "background", "paint": {"background-color": "#cfe3f2"}},
    {"id": "basemap-land", "type": "fill", "source": "land", "paint": {"fill-color": "#f3efe4"}}
  ]
}`

// tlogWriter sends the server's log lines to the test log, so a failing
// browser test shows what the server saw.
type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestScriptUnits runs the node unit tests of the page's pure modules; they
// need node but no browser.
func TestScriptUnits(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping script unit tests in short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CRIMEMAP_E2E") == "1" || os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatal("node is not on PATH")
		}
		t.Skip("skipping script unit tests: node is not on PATH")
	}
	cmd := exec.Command(node, "--test", "--test-reporter=spec", "unit/")
	out, err := cmd.CombinedOutput()
	t.Log(string(out))
	if err != nil {
		t.Fatalf("node --test unit/: %v", err)
	}
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping browser tests in short mode")
	}
	required := os.Getenv("CRIMEMAP_E2E") == "1"
	missing := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("CRIMEMAP_E2E=1 but "+format, args...)
		}
		t.Skipf("skipping browser tests: "+format+" (set CRIMEMAP_E2E=1 to make this an error)", args...)
	}
	chromium := os.Getenv("CRIMEMAP_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("no chromium at %s (apt-get install chromium)", chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing("e2e/node_modules/playwright-core is missing (run npm ci in e2e/)")
	}

	// Past this the browsers are killed mid-test. The whole run takes over
	// ten minutes on a busy two-core machine; every wait in it is bounded
	// by CRIMEMAP_E2E_TIMEOUT_MS, so this only stops a runaway run, within
	// make test's package timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	ds, _, err := ingest.Load(ctx, []string{filepath.Join("..", "testdata", "police-uk")}, ingest.Options{})
	if err != nil {
		t.Fatalf("load bundled data: %v", err)
	}
	log := slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := server.New(server.DefaultConfig(), server.Deps{Log: log})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	defer ts.Close()

	// A second deployment with --style pointing at a basemap style on
	// another origin, as a real tile host would be.
	basemap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, basemapStyle)
	}))
	defer basemap.Close()
	cfg := server.DefaultConfig()
	cfg.StyleURL = basemap.URL + "/style.json"
	kmls := testBoundaries(t)
	styled := server.New(cfg, server.Deps{Log: log, Boundaries: kmls})
	styled.SetDataset(ds)
	tsStyled := httptest.NewServer(styled)
	defer tsStyled.Close()

	// A third on a synthetic archive of three months with outcomes, for
	// what one real month cannot show: month ranges, month charts and
	// outcome histories.
	multi := multiMonthServer(ctx, t, log)
	teams := teamServer(ctx, t, ds, kmls, log, watchStore(ctx, t))
	watchBase, watchGone := watchServer(ctx, t, ds, kmls, log)
	stops, stopCSVs := stopsServer(ctx, t, log)
	osm := osmServer(t, ds, log)

	shots := os.Getenv("CRIMEMAP_E2E_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("..", ".e2e", "screenshots")
	}
	if shots, err = filepath.Abs(shots); err != nil {
		t.Fatal(err)
	}
	args := []string{"run.mjs", ts.URL, shots}
	if only := os.Getenv("CRIMEMAP_E2E_ONLY"); only != "" {
		args = append(args, strings.Fields(only)...)
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(), "CRIMEMAP_CHROMIUM="+chromium, "CRIMEMAP_E2E_STYLED_BASE="+tsStyled.URL, "CRIMEMAP_E2E_MULTI_BASE="+multi.URL, "CRIMEMAP_E2E_HOOD_BASE="+teams.URL, "CRIMEMAP_E2E_WATCH_BASE="+watchBase,
		"CRIMEMAP_E2E_STOPS_BASE="+stops.URL, "CRIMEMAP_E2E_OSM_BASE="+osm.URL, "CRIMEMAP_E2E_STOPS_CSV="+strings.Join(stopCSVs, string(filepath.ListSeparator)))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	// Lines go to the test log as they come, screenshot paths included.
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser tests failed (%v); screenshots in %s", err, shots)
	}
	if err := watchGone(); err != nil {
		t.Error(err)
	}
	t.Logf("screenshots in %s", shots)
}

// multiMonthServer serves a small synthetic archive: three months of one
// national sample, outcomes files included.
func multiMonthServer(ctx context.Context, t *testing.T, log *slog.Logger) *httptest.Server {
	t.Helper()
	cfg := synth.Config{N: 120_000, Months: 3, Start: "2023-01", Seed: 7, Outcomes: true, CrimesPerPoint: 8}
	dir := t.TempDir()
	if err := synth.Generate(cfg, dir); err != nil {
		t.Fatalf("generate synthetic archive: %v", err)
	}
	ds, _, err := ingest.Load(ctx, []string{dir}, ingest.Options{})
	if err != nil {
		t.Fatalf("load synthetic archive: %v", err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Log: log})
	s.SetDataset(ds)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// testBoundaries loads South Wales's force boundary and a neighbourhood
// around central Southampton (hampshire/soton-centre), so that one boundary
// is drawn at the tests' Southampton view.
func testBoundaries(t *testing.T) *boundary.Set {
	t.Helper()
	dir := t.TempDir()
	kml := `<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark><name>Southampton centre</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>-1.42,50.90,0 -1.39,50.90,0 -1.39,50.92,0 -1.42,50.92,0 -1.42,50.90,0</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>`
	path := filepath.Join(dir, "hampshire", "soton-centre.kml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(kml), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := boundary.Load(dir, filepath.Join("..", "testdata", "boundaries"))
	if err != nil {
		t.Fatal(err)
	}
	return set
}
