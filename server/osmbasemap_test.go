package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/basemap"
	"crimemap/internal/testsupport/datasets"
	"crimemap/internal/testsupport/osmarchive"
	"crimemap/pmtiles"
	"crimemap/server"
)

// osmServer serves the Hampshire month with the test basemap archive as
// --basemap, and returns the archive's tiles as written.
func osmServer(t *testing.T) (*httptest.Server, map[[3]int][]byte) {
	t.Helper()
	var buf bytes.Buffer
	want, err := osmarchive.Write(&buf, pmtiles.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "uk.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := basemap.OpenOSM(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	s := server.New(server.DefaultConfig(), server.Deps{Basemap: o})
	s.SetDataset(datasets.Hampshire(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, want
}

func TestOSMBasemapTiles(t *testing.T) {
	ts, want := osmServer(t)
	_, body := fetch(t, ts, "/tiles/osm.json")
	var tj struct {
		Tiles        []string `json:"tiles"`
		MaxZoom      int      `json:"maxzoom"`
		Attribution  string   `json:"attribution"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal([]byte(body), &tj); err != nil {
		t.Fatalf("TileJSON: %v: %s", err, body)
	}
	if len(tj.Tiles) != 1 || !strings.HasPrefix(tj.Tiles[0], "/tiles/osm/{z}/{x}/{y}.mvt?v=") || tj.MaxZoom != osmarchive.MaxZoom ||
		!strings.Contains(tj.Attribution, "OpenStreetMap") || len(tj.VectorLayers) != 4 {
		t.Fatalf("TileJSON %s", body)
	}
	tileURL := func(k [3]int) string {
		return strings.NewReplacer("{z}", fmt.Sprint(k[0]), "{x}", fmt.Sprint(k[1]), "{y}", fmt.Sprint(k[2])).Replace(tj.Tiles[0])
	}

	n := 0
	for k, raw := range want {
		if k[0] != 5 && k[0] != 11 && k[0] != osmarchive.MaxZoom {
			continue
		}
		n++
		resp, got := fetch(t, ts, tileURL(k))
		if len(raw) == 0 {
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("empty tile %v: status %d", k, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK || got != string(raw) {
			t.Fatalf("tile %v: status %d, %d bytes, want the %d written", k, resp.StatusCode, len(got), len(raw))
		}
		if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/vnd.mapbox-vector-tile" || !strings.Contains(cc, "immutable") {
			t.Errorf("tile %v: Content-Type %q, Cache-Control %q", k, ct, cc)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("tile %v: no ETag", k)
		}
		if resp, _ := fetch(t, ts, tileURL(k), "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("tile %v with its ETag: status %d, want 304", k, resp.StatusCode)
		}
		resp, zipped := fetch(t, ts, tileURL(k), "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, zipped) != string(raw) {
			t.Errorf("tile %v gzipped: Content-Encoding %q, bytes differ", k, resp.Header.Get("Content-Encoding"))
		}
	}
	if n == 0 {
		t.Fatal("no tile checked")
	}

	for _, path := range []string{
		"/tiles/osm/5/0/0.mvt",          // outside the archive's area
		"/tiles/osm/16/32512/21990.mvt", // deeper than the archive
	} {
		if resp, body := fetch(t, ts, path); resp.StatusCode != http.StatusNoContent {
			t.Errorf("%s: status %d, want 204: %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := fetch(t, ts, "/tiles/osm/5/99/0.mvt"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("x beyond the zoom: status %d, want 400", resp.StatusCode)
	}
}

func TestOSMBasemapRoutesWithoutBasemap(t *testing.T) {
	s := server.New(server.DefaultConfig(), server.Deps{})
	s.SetDataset(datasets.Hampshire(t))
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, path := range []string{"/tiles/osm.json", "/tiles/osm/11/1017/688.mvt"} {
		if resp, body := fetch(t, ts, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without --basemap: status %d, want 404: %s", path, resp.StatusCode, body)
		}
	}
}

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOSMBasemapPages checks the pages are told of the archive and that
// everything the vendored style asks for is served from the binary.
func TestOSMBasemapPages(t *testing.T) {
	ts, _ := osmServer(t)
	for _, path := range []string{"/", "/embed?lat=50.9097&lng=-1.4044"} {
		if _, body := fetch(t, ts, path); !strings.Contains(body, `"osmBasemap":true`) {
			t.Errorf("%s: the page is not told of the basemap", path)
		}
	}
	if _, body := fetch(t, ts, "/embed?lat=50.9097&lng=-1.4044"); !strings.Contains(body, "Map data © OpenStreetMap contributors") || strings.Contains(body, "Coastline") {
		t.Errorf("the embed does not credit the basemap's OpenStreetMap data")
	}
	_, body := fetch(t, ts, "/static/protomaps/light.json")
	var layers []struct {
		ID     string `json:"id"`
		Source string `json:"source"`
		Layout struct {
			Font any `json:"text-font"`
		} `json:"layout"`
	}
	if err := json.Unmarshal([]byte(body), &layers); err != nil || len(layers) < 20 {
		t.Fatalf("style layers: %v, %d layers", err, len(layers))
	}
	for _, l := range layers {
		if l.Source != "" && l.Source != "protomaps" {
			t.Errorf("layer %s reads source %q", l.ID, l.Source)
		}
	}
	for _, path := range []string{
		"/static/protomaps/sprites/light.json", "/static/protomaps/sprites/light.png",
		"/static/protomaps/sprites/light@2x.json", "/static/protomaps/sprites/light@2x.png",
		"/static/protomaps/LICENSE.txt",
		"/fonts/Noto Sans Regular/0-255.pbf", "/fonts/Noto Sans Medium/0-255.pbf", "/fonts/Noto Sans Italic/0-255.pbf",
	} {
		if resp, body := fetch(t, ts, strings.ReplaceAll(path, " ", "%20")); resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: status %d, %d bytes", path, resp.StatusCode, len(body))
		}
	}
	_, body = fetch(t, ts, "/static/protomaps/sprites/light.json")
	var sprite map[string]any
	if err := json.Unmarshal([]byte(body), &sprite); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"townspot", "arrow", "generic_shield-3char", "train_station", "cafe"} {
		if sprite[name] == nil {
			t.Errorf("sprite sheet lacks %s", name)
		}
	}
}
