package basemap_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/basemap"
	"crimemap/internal/testsupport/osmarchive"
	"crimemap/pmtiles"
	"crimemap/tiles"
)

// writeArchive writes the test archive and returns its path and its
// tiles' uncompressed bytes.
func writeArchive(t *testing.T, c pmtiles.Compression) (string, map[[3]int][]byte) {
	t.Helper()
	var buf bytes.Buffer
	ts, err := osmarchive.Write(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "uk.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, ts
}

func TestOSMTilesRoundTrip(t *testing.T) {
	for _, c := range []pmtiles.Compression{pmtiles.Gzip, pmtiles.NoCompression} {
		path, want := writeArchive(t, c)
		o, err := basemap.OpenOSM(path)
		if err != nil {
			t.Fatalf("compression %d: %v", c, err)
		}
		t.Cleanup(func() { _ = o.Close() })
		l := o.Layer()
		for k, raw := range want {
			got, err := l.Tile(context.Background(), k[0], k[1], k[2], tiles.Params{})
			if err != nil {
				t.Fatalf("tile %v: %v", k, err)
			}
			if len(raw) == 0 && got != nil || !bytes.Equal(got, raw) {
				t.Fatalf("compression %d: tile %v: %d bytes, want %d", c, k, len(got), len(raw))
			}
		}
		for _, k := range [][3]int{{osmarchive.MaxZoom + 1, 16200, 11000}, {5, 0, 0}} {
			if got, err := l.Tile(context.Background(), k[0], k[1], k[2], tiles.Params{}); err != nil || got != nil {
				t.Errorf("tile %v outside the archive: %d bytes, %v", k, len(got), err)
			}
		}
	}
}

func TestOSMTileJSON(t *testing.T) {
	path, _ := writeArchive(t, pmtiles.Gzip)
	o, err := basemap.OpenOSM(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	tj := o.Layer().TileJSON("/tiles/osm/{z}/{x}/{y}.mvt?v=1", tiles.Params{})
	var ids []string
	for _, v := range tj.VectorLayers {
		ids = append(ids, v.ID)
	}
	if tj.MaxZoom != osmarchive.MaxZoom || tj.Attribution == "" || strings.Join(ids, ",") != "earth,water,roads,places" {
		t.Errorf("TileJSON: maxzoom %d, attribution %q, layers %v", tj.MaxZoom, tj.Attribution, ids)
	}
	if tj.Bounds[0] > -1.6 || tj.Bounds[2] < -1.2 {
		t.Errorf("bounds %v", tj.Bounds)
	}
}

func TestOpenOSMRefusesWhatItCannotServe(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	archive := func(tt pmtiles.TileType, c pmtiles.Compression) []byte {
		var buf bytes.Buffer
		w, err := pmtiles.NewWriter(&buf, pmtiles.Options{TileType: tt, TileCompression: c})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTile(0, 0, 0, []byte("not a tile")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	path, _ := writeArchive(t, pmtiles.Gzip)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
		bad              bool
	}{
		{"missing", filepath.Join(dir, "none.pmtiles"), "no such file", false},
		{"a folder", dir, "not a regular file", true},
		{"not pmtiles", write("style.json", []byte(`{"version": 8, "sources": {}, "layers": []}`+strings.Repeat(" ", 200))), "no PMTiles magic", true},
		{"empty", write("empty.pmtiles", nil), "read header", true},
		{"raster tiles", write("png.pmtiles", archive(pmtiles.PNG, pmtiles.NoCompression)), "tile type 2", true},
		{"brotli tiles", write("br.pmtiles", archive(pmtiles.MVT, pmtiles.Brotli)), "tile compression 3", true},
		{"gzip claimed, not gzip", write("badgz.pmtiles", archive(pmtiles.MVT, pmtiles.Gzip)), "gzip", true},
		{"truncated", write("cut.pmtiles", good[:pmtiles.HeaderLen+8]), "beyond the archive", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := basemap.OpenOSM(tc.path)
			if err == nil {
				o.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) && tc.name != "missing" {
				t.Errorf("error %q, want it to name %q and the file", err, tc.want)
			}
			if errors.Is(err, basemap.ErrBadArchive) != tc.bad {
				t.Errorf("errors.Is(ErrBadArchive) = %v, want %v", !tc.bad, tc.bad)
			}
		})
	}
}

// FuzzOpenOSM feeds OpenOSM arbitrary files: it refuses or serves them,
// never panics, and an archive it opens reads its tiles without panicking.
func FuzzOpenOSM(f *testing.F) {
	var good bytes.Buffer
	if _, err := osmarchive.Write(&good, pmtiles.Gzip); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:pmtiles.HeaderLen])
	f.Add([]byte("PMTiles\x03"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "fuzz.pmtiles")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		o, err := basemap.OpenOSM(path)
		if err != nil {
			return
		}
		defer o.Close()
		l := o.Layer()
		for z := 0; z <= 14; z += 7 {
			_, _ = l.Tile(context.Background(), z, 0, 0, tiles.Params{})
		}
		_ = l.TileJSON("/t/{z}/{x}/{y}", tiles.Params{})
	})
}

// BenchmarkOSMTile serves every tile of the test archive as a cache miss
// does: read, gunzip, then the cache entry's hash and gzip. Its tiles are a
// few features each; a real Protomaps z14 tile is tens to hundreds of
// kilobytes, so this measures the path, not a real archive's tail.
func BenchmarkOSMTile(b *testing.B) {
	var buf bytes.Buffer
	want, err := osmarchive.Write(&buf, pmtiles.Gzip)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "uk.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	o, err := basemap.OpenOSM(path)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	l := o.Layer()
	var keys [][3]int
	for k := range want {
		keys = append(keys, k)
	}
	for i := 0; b.Loop(); i++ {
		k := keys[i%len(keys)]
		if _, _, err := tiles.CachedTileHit(context.Background(), nil, l, k[0], k[1], k[2], tiles.Params{}); err != nil {
			b.Fatal(err)
		}
	}
}
