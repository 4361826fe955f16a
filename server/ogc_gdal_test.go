package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// ogrTool finds a GDAL command, skipping the test without it unless
// CRIMEMAP_REQUIRE_GDAL=1 (CI installs gdal-bin).
func ogrTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_GDAL") == "1" {
			t.Fatalf("%s required: %v (apt-get install gdal-bin)", name, err)
		}
		t.Skipf("%s unavailable: %v (apt-get install gdal-bin)", name, err)
	}
	return p
}

// v1Count is /v1/counts's total for a query.
func v1Count(t *testing.T, ts *httptest.Server, query string) int {
	t.Helper()
	code, body := get(t, ts, "/v1/counts?"+query)
	if code != 200 {
		t.Fatalf("/v1/counts?%s: %d %s", query, code, body)
	}
	var c struct{ Total int }
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	return c.Total
}

// TestGDALReadsOGC has GDAL's OGC API - Features driver read the crimes:
// the summary counts every located crime, and ogr2ogr reads every feature
// of an area across pages, as many as /v1/counts counts there, each once.
func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGDALReadsOGC(t *testing.T) {
	ogrinfo, ogr2ogr := ogrTool(t, "ogrinfo"), ogrTool(t, "ogr2ogr")
	ts := newServer(t)
	src := "OAPIF:" + ts.URL + "/ogc"
	env := append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")

	cmd := exec.Command(ogrinfo, "-ro", "-al", "-so", src, "crimes")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Feature Count: (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo printed no feature count:\n%s", out)
	}
	if got, want := mustAtoi(t, string(m[1])), v1Count(t, ts, "bbox=-180,-90,180,90"); got != want {
		t.Errorf("ogrinfo counts %d crimes, /v1/counts %d", got, want)
	}

	for _, tc := range []struct {
		name  string
		spat  [4]float64
		where string
		query string // the same crimes for /v1/counts
	}{
		{"bbox", [4]float64{-1.5, 50.8, -1.3, 51}, "", "bbox=-1.5,50.8,-1.3,51"},
		{"bbox and category", [4]float64{-1.5, 50.8, -1.3, 51}, "category = 'burglary'", "bbox=-1.5,50.8,-1.3,51&category=burglary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := ogrRead(t, ogr2ogr, env, src, "crimes", tc.spat, tc.where)
			want := v1Count(t, ts, tc.query)
			if len(seen) != want {
				t.Errorf("GDAL read %d crimes, /v1/counts?%s counts %d", len(seen), tc.query, want)
			}
			if tc.where == "" && want <= 1000 {
				t.Errorf("the area holds %d crimes, not more than a page", want)
			}
		})
	}
}

// ogrRead has ogr2ogr read a layer of the OGC API src in the box spat (and
// where, if any), a page of 500 at a time, and returns the ids read,
// failing on one read twice.
func ogrRead(t *testing.T, ogr2ogr string, env []string, src, layer string, spat [4]float64, where string) map[int]bool {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out.geojson")
	args := []string{"-f", "GeoJSON", dst, src, layer, "-oo", "PAGE_SIZE=500", "-spat"}
	for _, v := range spat {
		args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
	}
	if where != "" {
		args = append(args, "-where", where)
	}
	cmd := exec.Command(ogr2ogr, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []idFeature }
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, f := range fc.Features {
		if seen[f.Properties.ID] {
			t.Fatalf("%s %d read twice", layer, f.Properties.ID)
		}
		seen[f.Properties.ID] = true
	}
	return seen
}

// idFeature is a GeoJSON feature read for its properties' id.
type idFeature struct {
	Properties struct {
		ID int `json:"id"`
	} `json:"properties"`
}

// TestGDALReadsOGCStops has GDAL read the stops collection of an area
// across pages: as many as /v1/stops/counts counts there, each once.
func TestGDALReadsOGCStops(t *testing.T) {
	ogr2ogr := ogrTool(t, "ogr2ogr")
	ts := stopsServer(t)
	env := append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	box := [4]float64{-2.4, 53.4, -2.1, 53.6}
	seen := ogrRead(t, ogr2ogr, env, "OAPIF:"+ts.URL+"/ogc", "stops", box, "")
	if want := stopTotal(t, ts, "bbox=-2.4,53.4,-2.1,53.6"); len(seen) != want || want <= 500 {
		t.Errorf("GDAL read %d stops, /v1/stops/counts %d (want more than a page)", len(seen), want)
	}
}
