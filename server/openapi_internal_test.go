package server

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// TestOpenAPICoversEveryRoute walks the router and fails for a route or
// method the document lacks, and for one it lists that does not exist.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := New(DefaultConfig(), Deps{})
	served := map[string]bool{}
	err := s.router().Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if rt.GetHandler() == nil {
			return nil // a subrouter's prefix
		}
		tpl, err := rt.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := rt.GetMethods()
		if err != nil {
			return err
		}
		for _, m := range methods {
			if m != http.MethodHead {
				served[m+" "+tpl] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, rt := range apiRoutes {
		for _, op := range rt.ops {
			documented[op.method+" "+rt.path] = true
		}
	}
	for _, k := range slices.Sorted(mapKeys(served)) {
		if !documented[k] {
			t.Errorf("route %s is served but not in apiRoutes", k)
		}
	}
	for _, k := range slices.Sorted(mapKeys(documented)) {
		if !served[k] {
			t.Errorf("apiRoutes lists %s, which is not served", k)
		}
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestOpenAPIParameters checks that every parameter an operation names is
// defined and that path parameters match the path's variables exactly.
func TestOpenAPIParameters(t *testing.T) {
	vars := regexp.MustCompile(`\{([A-Za-z_]+)\}`)
	ids := map[string]string{}
	for _, rt := range apiRoutes {
		for _, op := range rt.ops {
			id := operationID(op.method, rt.oas())
			if other, dup := ids[id]; dup {
				t.Errorf("operationId %s of %s %s is also %s's", id, op.method, rt.path, other)
			}
			ids[id] = rt.path
		}
		var want []string
		for _, m := range vars.FindAllStringSubmatch(rt.oas(), -1) {
			want = append(want, m[1])
		}
		slices.Sort(want)
		for _, op := range rt.ops {
			var got []string
			seen := map[string]bool{}
			for _, k := range op.params {
				p, ok := apiParams[k]
				if !ok {
					t.Errorf("%s %s: parameter %q is not defined", op.method, rt.path, k)
					continue
				}
				if seen[p.in+" "+p.name] {
					t.Errorf("%s %s: parameter %s %q twice", op.method, rt.path, p.in, p.name)
				}
				seen[p.in+" "+p.name] = true
				if p.in == "path" {
					got = append(got, p.name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: path parameters %v, want %v", op.method, rt.path, got, want)
			}
			if _, ok := okResponses[op.ok]; !ok {
				t.Errorf("%s %s: response %q is not defined", op.method, rt.path, op.ok)
			}
		}
	}
}

// TestOpenAPIValidates has an independent validator (swagger-parser, from
// npm) check the document against the OpenAPI 3.1 schema, skipping when
// node or the validator is not installed, unless CRIMEMAP_REQUIRE_NODE=1.
func TestOpenAPIValidates(t *testing.T) {
	dir := filepath.Join("testdata", "openapi")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@apidevtools", "swagger-parser"))
	}
	if err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatalf("OpenAPI validator required: %v (run npm ci in server/testdata/openapi)", err)
		}
		t.Skipf("OpenAPI validator unavailable: %v (run npm ci in server/testdata/openapi)", err)
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, openAPIBody(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "validate.mjs", file)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validator: %v: %s", err, stderr.String())
	}
	var res struct {
		OpenAPI string `json:"openapi"`
		Paths   int    `json:"paths"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("validator output %q: %v", out, err)
	}
	if res.OpenAPI != "3.1.0" || res.Paths != len(apiRoutes) {
		t.Errorf("validator read openapi %q with %d paths, want 3.1.0 with %d", res.OpenAPI, res.Paths, len(apiRoutes))
	}
}
