package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"crimemap/neighbourhood"
)

// apiFiles answers GET /api/PATH with the file PATH.json under dir, as the
// layout names it, and 404 where there is none.
func apiFiles(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutPrefix(r.URL.Path, "/api/")
		segs := strings.Split(p, "/")
		for i, s := range segs {
			segs[i] = neighbourhood.EscapeID(s)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.Join(segs...)+".json"))
		if !ok || err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api"
}

func TestNeighbourhoodsFetch(t *testing.T) {
	const src = "../../neighbourhood/testdata/api"
	base := apiFiles(t, src)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{name: "ids after --force", args: []string{"--force", "hampshire", "leicestershire", "--out", "OUT"}, wantOut: "failed 0"},
		{name: "comma list", args: []string{"--out", "OUT", "--force", "hampshire,leicestershire", "--workers", "2"}, wantOut: "failed 0"},
		{name: "from the environment", env: map[string]string{"CRIMEMAP_NEIGHBOURHOODS_FETCH_FORCE": "hampshire,leicestershire", "CRIMEMAP_NEIGHBOURHOODS_FETCH_OUT": "OUT"}, wantOut: "failed 0"},
		{name: "unknown force fails", args: []string{"--force", "hampshire,leicestershire,atlantis", "--out", "OUT"}, wantErr: "1 request(s) failed", wantOut: "FAILED " + base + "/atlantis/neighbourhoods: HTTP 404"},
		{name: "no force", args: []string{"--out", "OUT"}, wantErr: "--force ID and --out DIR are required"},
		{name: "bad rate", args: []string{"--force", "hampshire", "--out", "OUT", "--rate", "0"}, wantErr: "rate 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			for _, k := range []string{"CRIMEMAP_NEIGHBOURHOODS_FETCH_FORCE", "CRIMEMAP_NEIGHBOURHOODS_FETCH_OUT", "CRIMEMAP_OUT", "CRIMEMAP_FORCE"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, strings.ReplaceAll(v, "OUT", out))
			}
			args := []string{"neighbourhoods", "fetch", "--base", base, "--quiet"}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "OUT", out))
			}
			var stdout bytes.Buffer
			err := run(context.Background(), args, &stdout)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("output %q, want %q in it", stdout.String(), tc.wantOut)
			}
			if tc.wantErr != "" {
				return
			}
			got, _, err := neighbourhood.LoadDir(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if people, err := got.People("hampshire", "Bargate Ward"); err != nil || len(people) != 1 {
				t.Errorf("Bargate Ward's team: %v, %v", people, err)
			}
			want, _, _ := neighbourhood.LoadDir(context.Background(), src)
			if !reflect.DeepEqual(got.Forces(), want.Forces()) {
				t.Errorf("forces %v, want %v", got.Forces(), want.Forces())
			}
		})
	}
}
