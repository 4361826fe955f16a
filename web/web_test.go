package web

import (
	"bytes"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crimemap/geo"
)

func TestTopTypes(t *testing.T) {
	tests := []struct {
		name string
		in   []TypeCount
		n    int
		want []string
	}{
		{"empty", nil, 5, nil},
		{"zeros dropped", []TypeCount{{"a", "A", 0}, {"b", "B", 2}}, 5, []string{"B:2"}},
		{"largest first", []TypeCount{{"a", "A", 1}, {"b", "B", 3}, {"c", "C", 2}}, 5, []string{"B:3", "C:2", "A:1"}},
		{"ties by name", []TypeCount{{"z", "Zeta", 2}, {"a", "Alpha", 2}, {"m", "Mu", 2}}, 5, []string{"Alpha:2", "Mu:2", "Zeta:2"}},
		{"cut to n", []TypeCount{{"a", "A", 1}, {"b", "B", 3}, {"c", "C", 2}}, 2, []string{"B:3", "C:2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range TopTypes(tc.in, tc.n) {
				got = append(got, c.Name+":"+strconv.Itoa(c.Count))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("TopTypes(%v, %d) = %v, want %v", tc.in, tc.n, got, tc.want)
			}
		})
	}
}

func TestEveryStandardCategoryHasItsOwnColour(t *testing.T) {
	seen := map[string]string{}
	for _, c := range geo.StandardCategories {
		col := CategoryColour(c.Slug)
		if col == fallbackColour {
			t.Errorf("CategoryColour(%q) is the fallback colour", c.Slug)
		}
		if other, dup := seen[col]; dup {
			t.Errorf("%s and %s share colour %s", other, c.Slug, col)
		}
		seen[col] = c.Slug
	}
	if got := CategoryColour("not-a-category"); got != fallbackColour {
		t.Errorf("CategoryColour(unknown) = %q, want %q", got, fallbackColour)
	}
}

func TestVendoredMapLibre(t *testing.T) {
	v := MapLibreVersion()
	if !regexp.MustCompile(`^6\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("vendored MapLibre version %q, want 6.x.y", v)
	}
	for _, name := range []string{"maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css", "LICENSE.txt"} {
		b, err := fs.ReadFile(Assets(), "maplibre-gl/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	js, _ := fs.ReadFile(Assets(), "maplibre-gl/maplibre-gl.mjs")
	if !bytes.Contains(js[:min(len(js), 400)], []byte("maplibre-gl-js/blob/v"+v+"/")) {
		t.Errorf("maplibre-gl.mjs does not carry the licence header of v%s", v)
	}
	// The main module loads its worker by this name, relative to itself.
	if !bytes.Contains(js, []byte("maplibre-gl-worker.mjs")) {
		t.Errorf("maplibre-gl.mjs no longer names maplibre-gl-worker.mjs; refresh with make vendor-maplibre")
	}
	// Source maps are dropped when vendoring; a leftover reference makes
	// browsers request a file that is not there.
	for _, name := range []string{"maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"} {
		b, _ := fs.ReadFile(Assets(), "maplibre-gl/"+name)
		if bytes.Contains(b, []byte("sourceMappingURL=")) {
			t.Errorf("%s still references a source map", name)
		}
	}
}

var reImport = regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]`)

// The page scripts are served as they are, with no bundler to catch a
// misspelt import, so every import must name an embedded file.
func TestScriptImportsResolve(t *testing.T) {
	names, err := fs.Glob(Assets(), "app/*.js")
	if err != nil || len(names) == 0 {
		t.Fatalf("no scripts under app/: %v", err)
	}
	checked := 0
	for _, name := range names {
		src, err := fs.ReadFile(Assets(), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reImport.FindAllSubmatch(src, -1) {
			spec := string(m[1])
			var target string
			switch {
			case strings.HasPrefix(spec, "/static/"):
				target = strings.TrimPrefix(spec, "/static/")
			case strings.HasPrefix(spec, "./"), strings.HasPrefix(spec, "../"):
				target = path.Join(path.Dir(name), spec)
			default:
				t.Errorf("%s imports %q, which a browser cannot resolve without a bundler", name, spec)
				continue
			}
			if _, err := fs.Stat(Assets(), target); err != nil {
				t.Errorf("%s imports %q: %v", name, spec, err)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("found only %d imports; is the import pattern still right?", checked)
	}
}

func TestRenderEmbedEscapesAndFormats(t *testing.T) {
	var buf bytes.Buffer
	err := RenderEmbed(&buf, EmbedPage{
		Lat: 50.9, Lng: -1.4, RadiusM: 500, Zoom: 15, Month: "2017-02", Total: 1,
		Top:    []TypeCount{{Slug: "burglary", Name: "Burglary <b>", Count: 1}},
		MapURL: "/?lat=50.9&lng=-1.4", Query: "from=2017-02&to=2017-02",
		Attribution: "Contains <public> sector information",
	})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`1 crime in <time datetime="2017-02">February 2017</time>`,
		"Burglary &lt;b&gt;",
		`<span class="swatch" data-colour="` + CategoryColour("burglary") + `"></span>`,
		`href="/?lat=50.9&amp;lng=-1.4"`,
		`"query":"from=2017-02\u0026to=2017-02"`,
		"Contains &lt;public&gt; sector information",
		`"attribution":"Contains \u003cpublic\u003e sector information"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("RenderEmbed output lacks %q:\n%s", want, out)
		}
	}
}
