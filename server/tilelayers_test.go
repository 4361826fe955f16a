package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"crimemap/server"
)

// TestTileLayersServedAlike checks that every tile layer gets the same
// treatment from the one tile handler: versioned Cache-Control, an ETag per
// encoding, 304, 204 for an empty tile, and res read only by the layer that
// takes it.
func TestTileLayersServedAlike(t *testing.T) {
	ds := dataset(t)
	ts := newServer(t)
	cfg := server.DefaultConfig()
	dense := denseTile(ds, 12)
	tests := []struct {
		name, prefix string
		// badRes is the status of a tile asked for with res=abc.
		badRes int
	}{
		{"crimes", "/tiles", http.StatusOK},
		{"hexes", "/tiles/hex", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := fmt.Sprintf("%s/12/%d/%d.mvt?category=burglary&v=%s", tt.prefix, dense.X, dense.Y, ds.Version())
			r, body := rawGet(t, ts, path)
			if r.StatusCode != http.StatusOK || len(body) == 0 || r.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
				t.Fatalf("status %d, %d bytes, type %q", r.StatusCode, len(body), r.Header.Get("Content-Type"))
			}
			if cc := r.Header.Get("Cache-Control"); cc != cfg.TileCacheControl {
				t.Errorf("versioned Cache-Control %q, want %q", cc, cfg.TileCacheControl)
			}
			gz, _ := rawGet(t, ts, path, "Accept-Encoding", "gzip")
			if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == r.Header.Get("ETag") {
				t.Errorf("gzip: encoding %q, ETag %q beside %q", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), r.Header.Get("ETag"))
			}
			for _, etag := range []string{r.Header.Get("ETag"), gz.Header.Get("ETag")} {
				if nm, _ := rawGet(t, ts, path, "If-None-Match", etag); nm.StatusCode != http.StatusNotModified {
					t.Errorf("If-None-Match %s: status %d, want 304", etag, nm.StatusCode)
				}
			}
			if e, _ := rawGet(t, ts, tt.prefix+"/14/0/0.mvt"); e.StatusCode != http.StatusNoContent || e.Header.Get("Cache-Control") != cfg.CacheControl {
				t.Errorf("empty tile: status %d, Cache-Control %q", e.StatusCode, e.Header.Get("Cache-Control"))
			}
			if b, _ := rawGet(t, ts, strings.Replace(path, "category=burglary", "res=abc", 1)); b.StatusCode != tt.badRes {
				t.Errorf("res=abc: status %d, want %d", b.StatusCode, tt.badRes)
			}
		})
	}
}
