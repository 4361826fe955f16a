package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

var (
	assets = mustSub(staticFS, "static")
	pages  = template.Must(template.New("").Funcs(template.FuncMap{
		"colour":    CategoryColour,
		"monthName": monthName,
	}).ParseFS(templateFS, "templates/*.html"))
	// Compressing the assets takes about 0.1 s, which commands other
	// than serve should not pay; serve calls Prepare while it loads.
	etags = sync.OnceValue(func() map[string]string { return mustHashAll(assets) })
	gzips = sync.OnceValue(func() map[string][]byte { return mustGzipText(assets) })
)

// Prepare hashes and compresses the assets now rather than on the first
// request that needs them.
func Prepare() {
	etags()
	gzips()
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Assets is the tree served under /static/: app/ holds our scripts and
// styles, maplibre-gl/ the vendored MapLibre GL JS.
func Assets() fs.FS { return assets }

// ETag returns a strong entity tag for the asset at name (a path inside
// Assets), or "" if there is none. Embedded files carry no modification
// time, so a content hash is the only validator a client can revalidate with.
func ETag(name string) string { return etags()[name] }

func mustHashAll(f fs.FS) map[string]string {
	m := map[string]string{}
	err := fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(f, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}

// Gzip returns the gzip-compressed bytes of a text asset (scripts, styles,
// SVG), or nil for one not worth compressing. They are compressed once, by
// Prepare or the first call: MapLibre alone shrinks from over a megabyte to
// about a third.
func Gzip(name string) []byte { return gzips()[name] }

func mustGzipText(f fs.FS) map[string][]byte {
	m := map[string][]byte{}
	err := fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(p) {
		case ".js", ".mjs", ".css", ".svg", ".txt", ".json":
		default:
			return nil
		}
		b, err := fs.ReadFile(f, p)
		if err != nil || len(b) < 1024 {
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		m[p] = buf.Bytes()
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}

// MapLibreVersion is the version of the vendored MapLibre GL JS.
func MapLibreVersion() string {
	b, err := fs.ReadFile(assets, "maplibre-gl/VERSION")
	if err != nil {
		return ""
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return string(b)
}

// monthName spells a YYYY-MM month out, as "February 2017".
func monthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}

// MapPage is what the map page needs from the server; everything else the
// page fetches from /v1/meta and /tiles.json.
type MapPage struct {
	// Attribution is the notice the data's licence asks for.
	Attribution string
	// StyleURL is a MapLibre style drawn under the crime layers; "" gives a
	// plain background.
	StyleURL string
	// HexTiles tells the page that /tiles/hex/{z}/{x}/{y}.mvt is served.
	HexTiles bool
	// Hotspots tells the page that /v1/hotspots is served.
	Hotspots bool
	// Watch tells the page that /v1/watch/schemes has a store behind it.
	Watch bool
	// OSMBasemap tells the page that /tiles/osm/ serves a --basemap
	// archive, drawn instead of the default basemap.
	OSMBasemap bool
}

// EmbedPage is the compact map for an iframe. Its summary is rendered on the
// server so the numbers show before, and without, any script.
type EmbedPage struct {
	Lat, Lng float64
	RadiusM  float64
	Zoom     float64
	// FitRadius asks the map to fit the circle instead of using Zoom,
	// since the iframe's size is only known in the browser.
	FitRadius bool
	// Query is the filter as a query string (from, to, category, ...),
	// passed on to tiles and to the full map link.
	Query string
	// Month is the month the summary counts: without one asked for, the
	// latest of the point's force.
	Month string
	// MonthNote says why Month was chosen, when the request named none.
	MonthNote string
	// NoDataNear is set when the data has no crime near the point at all.
	NoDataNear bool
	Total      int
	// Top holds the most frequent crime types, most frequent first.
	Top []TypeCount
	// Place and Boundary are set for a neighbourhood's embed: its name and
	// [lng,lat] rings, counted and drawn instead of the radius.
	Place    string
	Boundary [][][2]float64
	// MapURL opens the full map at the same place and filter.
	MapURL      string
	StyleURL    string
	OSMBasemap  bool
	Attribution string
}

// TypeCount is the number of crimes of one type.
type TypeCount struct {
	Slug, Name string
	Count      int
}

// TopTypes returns the n largest non-zero counts, ties broken by name so the
// order is stable.
func TopTypes(counts []TypeCount, n int) []TypeCount {
	out := make([]TypeCount, 0, len(counts))
	for _, c := range counts {
		if c.Count > 0 {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// pageConfig is handed to the page scripts as JSON, so the colours the
// server renders into the embed summary and those the map draws agree.
type pageConfig struct {
	StyleURL    string            `json:"styleURL"`
	OSMBasemap  bool              `json:"osmBasemap,omitempty"`
	HexTiles    bool              `json:"hexTiles"`
	Hotspots    bool              `json:"hotspots"`
	Watch       bool              `json:"watch"`
	Colours     map[string]string `json:"colours"`
	Attribution string            `json:"attribution"`
	Embed       *embedConfig      `json:"embed,omitempty"`
}

type embedConfig struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	RadiusM float64 `json:"radius_m"`
	Zoom    float64 `json:"zoom"`
	Fit     bool    `json:"fit"`
	Query   string  `json:"query"`
	// Boundary replaces the radius for a neighbourhood.
	Boundary [][][2]float64 `json:"boundary,omitempty"`
}

// RenderMap writes the map page.
func RenderMap(w io.Writer, p MapPage) error {
	data := struct {
		MapPage
		Config pageConfig
	}{p, pageConfig{StyleURL: p.StyleURL, OSMBasemap: p.OSMBasemap, HexTiles: p.HexTiles, Hotspots: p.Hotspots, Watch: p.Watch, Colours: categoryColours, Attribution: p.Attribution}}
	if err := pages.ExecuteTemplate(w, "map.html", data); err != nil {
		return fmt.Errorf("render map page: %w", err)
	}
	return nil
}

// RenderEmbed writes the embeddable map.
func RenderEmbed(w io.Writer, p EmbedPage) error {
	data := struct {
		EmbedPage
		Config pageConfig
	}{p, pageConfig{
		StyleURL: p.StyleURL, OSMBasemap: p.OSMBasemap, Colours: categoryColours, Attribution: p.Attribution,
		Embed: &embedConfig{Lat: p.Lat, Lng: p.Lng, RadiusM: p.RadiusM, Zoom: p.Zoom, Fit: p.FitRadius, Query: p.Query, Boundary: p.Boundary},
	}}
	if err := pages.ExecuteTemplate(w, "embed.html", data); err != nil {
		return fmt.Errorf("render embed page: %w", err)
	}
	return nil
}
