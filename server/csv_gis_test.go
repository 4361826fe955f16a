package server_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCSVOpensAsGeometry opens the crimes and hex CSVs with GDAL's ogrinfo
// as a user would, with no open options: every row must come out as a
// feature of the right geometry type. It skips without ogrinfo (Debian's
// gdal-bin).
func TestCSVOpensAsGeometry(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Skip("ogrinfo (gdal-bin) not installed")
	}
	ts := newServer(t)
	for _, tc := range []struct {
		path, geometry string
	}{
		{"/v1/crimes?bbox=-1.5,50.8,-1.3,51&limit=500&format=csv", "POINT"},
		{"/v1/hex?bbox=-1.5,50.8,-1.3,51&res=8&format=csv&group_by=category", "POLYGON"},
	} {
		status, body := get(t, ts, tc.path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", tc.path, status, body)
		}
		rows := strings.Count(strings.TrimSpace(string(body)), "\n")
		file := filepath.Join(t.TempDir(), "answer.csv")
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ogrinfo, "-ro", "-al", file).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", tc.path, err, out)
		}
		geoms := len(regexp.MustCompile(`(?m)^  `+tc.geometry+` \(`).FindAll(out, -1))
		if !strings.Contains(string(out), "Feature Count: "+strconv.Itoa(rows)+"\n") || geoms != rows {
			t.Errorf("ogrinfo %s: %d %s geometries; want one for each of %d rows\n%.2000s", tc.path, geoms, tc.geometry, rows, out)
		}
	}
}
