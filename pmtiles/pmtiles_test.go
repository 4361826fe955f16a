package pmtiles

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestZxyToID(t *testing.T) {
	// Each zoom starts after the 1 + 4 + ... + 4^(z-1) tiles above it; the
	// Hilbert curve of each zoom starts at (0,0) and ends at (2^z-1, 0).
	tests := []struct {
		z    uint8
		x, y uint32
		want uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1},
		{1, 0, 1, 2},
		{1, 1, 1, 3},
		{1, 1, 0, 4},
		{2, 0, 0, 5},
		{2, 3, 0, 20},
		{3, 0, 0, 21},
		{3, 7, 0, 84},
		{12, 0, 0, 5592405},
		{20, 0, 0, 366503875925},
		{20, 1<<20 - 1, 0, 366503875925 + 1<<40 - 1},
	}
	for _, tc := range tests {
		got, err := ZxyToID(tc.z, tc.x, tc.y)
		if err != nil || got != tc.want {
			t.Errorf("ZxyToID(%d, %d, %d) = %d, %v; want %d", tc.z, tc.x, tc.y, got, err, tc.want)
		}
	}
}

func TestZxyToIDOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		z    uint8
		x, y uint32
	}{
		{"x beyond zoom 0", 0, 1, 0},
		{"y beyond zoom 3", 3, 0, 8},
		{"zoom too deep", MaxZoom + 1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ZxyToID(tc.z, tc.x, tc.y); !errors.Is(err, ErrTileOutOfRange) {
				t.Errorf("ZxyToID(%d, %d, %d) error %v, want ErrTileOutOfRange", tc.z, tc.x, tc.y, err)
			}
		})
	}
	if _, _, _, err := IDToZxy(^uint64(0)); !errors.Is(err, ErrTileOutOfRange) {
		t.Errorf("IDToZxy(max) error %v, want ErrTileOutOfRange", err)
	}
}

// TestHilbertCurve checks, zoom by zoom, that IDs cover exactly the zoom's
// range, that IDToZxy inverts ZxyToID, and that consecutive IDs are
// edge-adjacent tiles, the defining property of a Hilbert curve.
func TestHilbertCurve(t *testing.T) {
	var next uint64
	for z := uint8(0); z <= 7; z++ {
		n := uint32(1) << z
		at := make(map[uint64][2]uint32, n*n)
		for x := range n {
			for y := range n {
				id, err := ZxyToID(z, x, y)
				if err != nil {
					t.Fatal(err)
				}
				if _, dup := at[id]; dup {
					t.Fatalf("zoom %d: id %d twice", z, id)
				}
				at[id] = [2]uint32{x, y}
				gz, gx, gy, err := IDToZxy(id)
				if err != nil || gz != z || gx != x || gy != y {
					t.Fatalf("IDToZxy(%d) = %d/%d/%d, %v; want %d/%d/%d", id, gz, gx, gy, err, z, x, y)
				}
			}
		}
		for i := uint64(0); i < uint64(n)*uint64(n); i++ {
			xy, ok := at[next+i]
			if !ok {
				t.Fatalf("zoom %d: id %d unused", z, next+i)
			}
			if i == 0 {
				if xy != [2]uint32{0, 0} {
					t.Errorf("zoom %d starts at %v", z, xy)
				}
				continue
			}
			prev := at[next+i-1]
			if d := absDiff(xy[0], prev[0]) + absDiff(xy[1], prev[1]); d != 1 {
				t.Fatalf("zoom %d: ids %d and %d are tiles %v and %v, not neighbours", z, next+i-1, next+i, prev, xy)
			}
		}
		next += uint64(n) * uint64(n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		z := uint8(rng.IntN(MaxZoom + 1))
		x, y := uint32(rng.Uint64N(1<<z)), uint32(rng.Uint64N(1<<z))
		id, err := ZxyToID(z, x, y)
		if err != nil {
			t.Fatal(err)
		}
		if gz, gx, gy, err := IDToZxy(id); err != nil || gz != z || gx != x || gy != y {
			t.Fatalf("round trip %d/%d/%d -> %d -> %d/%d/%d, %v", z, x, y, id, gz, gx, gy, err)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestSerializeEntriesBytes(t *testing.T) {
	// Count 2; TileID deltas 0, 1; run lengths 1, 3; lengths 10, 20;
	// offsets 0+1, then 0 because the second follows the first.
	got := serializeEntries([]Entry{{0, 0, 10, 1}, {1, 10, 20, 3}})
	want := []byte{2, 0, 1, 1, 3, 10, 20, 1, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("serializeEntries = %v, want %v", got, want)
	}
}

func TestDirectoryRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"one", []Entry{{5, 0, 1, 1}}},
		{"contiguous", []Entry{{1, 0, 100, 1}, {2, 100, 200, 1}, {3, 300, 5, 1}}},
		{"deduplicated offsets", []Entry{{1, 0, 100, 1}, {2, 100, 200, 1}, {9, 0, 100, 7}, {40, 100, 200, 1}}},
		{"leaf pointers", []Entry{{0, 0, 4000, 0}, {87381, 4000, 3999, 0}}},
		{"large values", []Entry{{1 << 40, 1 << 50, 1<<32 - 1, 1<<32 - 1}, {1<<40 + 1<<33, 1<<50 + 1<<32 - 1, 1, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := deserializeEntries(serializeEntries(tc.entries))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.entries) {
				t.Errorf("round trip = %v, want %v", got, tc.entries)
			}
		})
	}
}

func TestDeserializeCorrupt(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"count larger than input", []byte{100, 0, 0}},
		{"truncated", []byte{2, 0, 1, 1}},
		{"relative first offset", []byte{1, 0, 1, 1, 0}},
		{"unterminated varint", []byte{1, 0x80, 0x80}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := deserializeEntries(tc.in); !errors.Is(err, ErrCorrupt) {
				t.Errorf("deserializeEntries(%v) error %v, want ErrCorrupt", tc.in, err)
			}
		})
	}
}

func FuzzDeserializeEntries(f *testing.F) {
	f.Add(serializeEntries([]Entry{{0, 0, 10, 1}, {1, 10, 20, 3}}))
	f.Add(serializeEntries([]Entry{{0, 0, 4000, 0}, {87381, 4000, 3999, 0}}))
	f.Add([]byte{1, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, in []byte) {
		entries, err := deserializeEntries(in)
		if err != nil {
			return
		}
		again, err := deserializeEntries(serializeEntries(entries))
		if err != nil || !slices.Equal(again, entries) {
			t.Fatalf("re-encoding %v gave %v, %v", entries, again, err)
		}
	})
}

func FuzzNewReader(f *testing.F) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, Options{TileType: MVT})
	w.WriteTile(0, 0, 0, []byte("a"))
	w.WriteTile(1, 1, 0, []byte("bb"))
	w.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			return
		}
		r.Metadata()
		for z := uint8(0); z < 3; z++ {
			r.Tile(z, 0, 0)
		}
	})
}

type tile struct {
	z    uint8
	x, y uint32
	data []byte
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pyramid returns every tile of zooms 0..maxZ in a shuffled order, with
// random contents of random length; every seventh tile repeats an earlier
// content, and a stretch of consecutive TileIDs shares one content.
func pyramid(t testing.TB, maxZ uint8, seed uint64) []tile {
	rng := rand.New(rand.NewPCG(seed, 99))
	var tiles []tile
	var id uint64
	run := []byte("the same tile for a run of TileIDs")
	for z := uint8(0); z <= maxZ; z++ {
		n := uint64(1) << z
		for i := uint64(0); i < n*n; i, id = i+1, id+1 {
			_, x, y, err := IDToZxy(id)
			if err != nil {
				t.Fatal(err)
			}
			var raw []byte
			switch {
			case id >= 30 && id < 45:
				raw = run
			case len(tiles) > 0 && id%7 == 0:
				raw = tiles[rng.IntN(len(tiles))].data
			default:
				raw = make([]byte, 1+rng.IntN(700))
				for k := range raw {
					raw[k] = byte(rng.IntN(16)) // compressible, like MVT
				}
			}
			tiles = append(tiles, tile{z, x, y, raw})
		}
	}
	rng.Shuffle(len(tiles), func(i, j int) { tiles[i], tiles[j] = tiles[j], tiles[i] })
	return tiles
}

// want counts, from the tiles alone, what the header must report.
func wantCounts(t testing.TB, tiles []tile) (addressed, entries, contents int) {
	type idc struct {
		id  uint64
		sum [32]byte
	}
	var ids []idc
	distinct := map[[32]byte]bool{}
	for _, tl := range tiles {
		id, _ := ZxyToID(tl.z, tl.x, tl.y)
		s := sha256.Sum256(tl.data)
		ids = append(ids, idc{id, s})
		distinct[s] = true
	}
	slices.SortFunc(ids, func(a, b idc) int { return int(a.id) - int(b.id) })
	for i, e := range ids {
		if i == 0 || e.id != ids[i-1].id+1 || e.sum != ids[i-1].sum {
			entries++
		}
	}
	return len(tiles), entries, len(distinct)
}

func writeArchive(t testing.TB, tiles []tile, opt Options, rootLimit int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rootLimit > 0 {
		w.rootLimit = rootLimit
	}
	for _, tl := range tiles {
		if err := w.WriteTile(tl.z, tl.x, tl.y, tl.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		maxZ      uint8
		rootLimit int
		wantLeafs bool
	}{
		{"root only", 4, 0, false},
		{"leaves at the real limit", 7, 0, true},
		{"leaves at a low limit", 5, 600, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tiles := pyramid(t, tc.maxZ, 1)
			arch := writeArchive(t, tiles, Options{TileType: MVT, TileCompression: NoCompression}, tc.rootLimit)
			r, err := NewReader(bytes.NewReader(arch))
			if err != nil {
				t.Fatal(err)
			}
			h := r.Header()
			if got := h.LeafDirectoryLength > 0; got != tc.wantLeafs {
				t.Errorf("leaf directories %v, want %v", got, tc.wantLeafs)
			}
			if h.RootOffset+h.RootLength > RootLimit {
				t.Errorf("root ends at %d, beyond %d", h.RootOffset+h.RootLength, RootLimit)
			}
			addr, ent, cont := wantCounts(t, tiles)
			if h.AddressedTiles != uint64(addr) || h.TileEntries != uint64(ent) || h.TileContents != uint64(cont) {
				t.Errorf("counts %d/%d/%d, want %d/%d/%d", h.AddressedTiles, h.TileEntries, h.TileContents, addr, ent, cont)
			}
			if h.MinZoom != 0 || h.MaxZoom != tc.maxZ || !h.Clustered || h.InternalCompression != Gzip {
				t.Errorf("header %+v", h)
			}
			if h.TileDataOffset+h.TileDataLength != uint64(len(arch)) {
				t.Errorf("tile data ends at %d, archive is %d bytes", h.TileDataOffset+h.TileDataLength, len(arch))
			}
			for _, tl := range tiles {
				got, err := r.Tile(tl.z, tl.x, tl.y)
				if err != nil || !bytes.Equal(got, tl.data) {
					t.Fatalf("Tile(%d, %d, %d) = %d bytes, %v; want %d bytes", tl.z, tl.x, tl.y, len(got), err, len(tl.data))
				}
			}
			want := map[[3]uint32][]byte{}
			for _, tl := range tiles {
				want[[3]uint32{uint32(tl.z), tl.x, tl.y}] = tl.data
			}
			var lastID uint64
			err = r.ForEach(func(z uint8, x, y uint32, data []byte) error {
				id, _ := ZxyToID(z, x, y)
				if len(want) < len(tiles) && id <= lastID {
					t.Fatalf("ForEach out of TileID order at %d/%d/%d", z, x, y)
				}
				lastID = id
				k := [3]uint32{uint32(z), x, y}
				if w, ok := want[k]; !ok || !bytes.Equal(w, data) {
					t.Fatalf("ForEach gave %d/%d/%d with %d bytes, want %v", z, x, y, len(data), ok)
				}
				delete(want, k)
				return nil
			})
			if err != nil || len(want) != 0 {
				t.Errorf("ForEach: %v, %d tiles not visited", err, len(want))
			}
			if got, err := r.Tile(tc.maxZ+1, 0, 0); got != nil || err != nil {
				t.Errorf("tile below the pyramid = %v, %v; want nil, nil", got, err)
			}
		})
	}
}

func TestWriterDeterministic(t *testing.T) {
	tiles := pyramid(t, 5, 3)
	a := writeArchive(t, tiles, Options{TileType: MVT}, 0)
	slices.Reverse(tiles)
	b := writeArchive(t, tiles, Options{TileType: MVT}, 0)
	if !bytes.Equal(a, b) {
		t.Errorf("the same tiles in another order gave another archive")
	}
}

func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrNoTiles) {
		t.Errorf("Close of an empty writer = %v, want ErrNoTiles", err)
	}
	if err := w.WriteTile(0, 0, 0, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteTile after Close = %v, want ErrClosed", err)
	}

	w, _ = NewWriter(&buf, Options{})
	w.WriteTile(3, 1, 2, []byte("a"))
	w.WriteTile(3, 1, 2, []byte("b"))
	if err := w.Close(); !errors.Is(err, ErrDuplicateTile) {
		t.Errorf("Close with a tile written twice = %v, want ErrDuplicateTile", err)
	}

	w, _ = NewWriter(&buf, Options{})
	if err := w.WriteTile(2, 4, 0, []byte("a")); !errors.Is(err, ErrTileOutOfRange) {
		t.Errorf("WriteTile(2, 4, 0) = %v, want ErrTileOutOfRange", err)
	}
	w.Close()
}

func TestWriterBoundsAndMetadata(t *testing.T) {
	meta := map[string]any{"name": "crimes", "vector_layers": []any{map[string]any{"id": "crimes"}}}
	arch := writeArchive(t, []tile{{1, 0, 0, []byte("nw")}, {2, 1, 1, []byte("x")}}, Options{Metadata: meta}, 0)
	r, err := NewReader(bytes.NewReader(arch))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	// Tile 1/0/0 is the north-west quarter of the world.
	if h.MinLon != -180 || h.MaxLon != 0 || h.MinLat != 0 || h.MaxLat != 85.0511288 {
		t.Errorf("bounds %v %v %v %v", h.MinLon, h.MinLat, h.MaxLon, h.MaxLat)
	}
	if h.CenterZoom != 1 || h.CenterLon != -90 {
		t.Errorf("centre %v %v z%d", h.CenterLon, h.CenterLat, h.CenterZoom)
	}
	b, err := r.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil || got["name"] != "crimes" {
		t.Errorf("metadata %s, %v", b, err)
	}
}

// TestJSReader reads archives with the reference JavaScript reader (npm
// package pmtiles) in testdata/js, an implementation independent of this one.
func TestJSReader(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("testdata", "js", "node_modules", "pmtiles", "package.json"))
	}
	if err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatalf("node or testdata/js/node_modules missing (run npm ci in pmtiles/testdata/js): %v", err)
		}
		t.Skipf("node or testdata/js/node_modules missing (npm ci in pmtiles/testdata/js): %v", err)
	}
	tests := []struct {
		name      string
		maxZ      uint8
		rootLimit int
		opt       Options
	}{
		{"root only", 3, 0, Options{
			TileType: MVT, TileCompression: Gzip,
			Bounds:   &Bounds{-5.7, 49.9, 1.8, 55.8},
			Center:   &Center{Lon: -1.5, Lat: 52.5, Zoom: 6},
			Metadata: map[string]any{"name": "crimes", "vector_layers": []any{map[string]any{"id": "crimes", "fields": map[string]any{}}}},
		}},
		// A low root limit gives leaf directories with few tiles, so the
		// reader can check every one quickly; TestWriterRoundTrip covers
		// leaves at the real limit.
		{"leaf directories", 6, 1000, Options{TileType: MVT, TileCompression: Gzip}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := pyramid(t, tc.maxZ, 5)
			tiles := make([]tile, len(raw))
			gzOf := map[string][]byte{}
			for i, tl := range raw {
				// Equal contents must compress to equal bytes to be deduplicated.
				g, ok := gzOf[string(tl.data)]
				if !ok {
					g = gz(t, tl.data)
					gzOf[string(tl.data)] = g
				}
				tiles[i] = tile{tl.z, tl.x, tl.y, g}
			}
			arch := writeArchive(t, tiles, tc.opt, tc.rootLimit)
			dir := t.TempDir()
			path := filepath.Join(dir, "a.pmtiles")
			if err := os.WriteFile(path, arch, 0o644); err != nil {
				t.Fatal(err)
			}
			addr, ent, cont := wantCounts(t, tiles)
			hdr := map[string]any{
				"specVersion": 3, "tileType": 1, "tileCompression": 2, "internalCompression": 2,
				"minZoom": 0, "maxZoom": int(tc.maxZ), "clustered": true,
				"numAddressedTiles": addr, "numTileEntries": ent, "numTileContents": cont,
			}
			if b := tc.opt.Bounds; b != nil {
				hdr["minLon"], hdr["minLat"], hdr["maxLon"], hdr["maxLat"] = b.MinLon, b.MinLat, b.MaxLon, b.MaxLat
			}
			if c := tc.opt.Center; c != nil {
				hdr["centerLon"], hdr["centerLat"], hdr["centerZoom"] = c.Lon, c.Lat, int(c.Zoom)
			}
			if tc.rootLimit > 0 {
				if r, _ := NewReader(bytes.NewReader(arch)); r == nil || r.Header().LeafDirectoryLength == 0 {
					t.Fatalf("archive has no leaf directories to test")
				}
			}
			exp := map[string]any{"header": hdr}
			if tc.opt.Metadata != nil {
				exp["metadata"] = tc.opt.Metadata
			}
			var want, ids [][]any
			for _, tl := range raw {
				s := sha256.Sum256(tl.data)
				want = append(want, []any{tl.z, tl.x, tl.y, hex.EncodeToString(s[:])})
			}
			exp["tiles"] = want
			for _, tl := range raw[:min(len(raw), 200)] {
				id, _ := ZxyToID(tl.z, tl.x, tl.y)
				ids = append(ids, []any{tl.z, tl.x, tl.y, id})
			}
			exp["ids"] = ids
			exp["absent"] = [][]any{{tc.maxZ + 1, 0, 0}, {tc.maxZ + 1, 5, 3}}
			expJSON, err := json.Marshal(exp)
			if err != nil {
				t.Fatal(err)
			}
			expPath := filepath.Join(dir, "expect.json")
			if err := os.WriteFile(expPath, expJSON, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(node, "check.mjs", path, expPath)
			cmd.Dir = filepath.Join("testdata", "js")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("JavaScript reader: %v\n%s", err, out)
			}
			t.Logf("%s", bytes.TrimSpace(out))
		})
	}
}

func BenchmarkWriter(b *testing.B) {
	tiles := pyramid(b, 6, 1)
	var n int64
	for _, tl := range tiles {
		n += int64(len(tl.data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewWriter(&bytes.Buffer{}, Options{TileType: MVT})
		if err != nil {
			b.Fatal(err)
		}
		for _, tl := range tiles {
			w.WriteTile(tl.z, tl.x, tl.y, tl.data)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReaderCorrupt(t *testing.T) {
	arch := writeArchive(t, []tile{{0, 0, 0, []byte("world")}, {1, 1, 1, []byte("quarter")}}, Options{}, 0)
	withUint64 := func(at int, v uint64) []byte {
		b := bytes.Clone(arch)
		for i := range 8 {
			b[at+i] = byte(v >> (8 * i))
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"not an archive", []byte(strings.Repeat("x", 200)), ErrCorrupt},
		{"version 2", append(append([]byte("PMTiles"), 2), arch[8:]...), ErrUnsupported},
		{"root length beyond the file", withUint64(16, 1<<40), ErrCorrupt},
		{"root offset beyond the file", withUint64(8, 1<<62), ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewReader(bytes.NewReader(tc.in)); !errors.Is(err, tc.want) {
				t.Errorf("NewReader error %v, want %v", err, tc.want)
			}
		})
	}
	// Cutting the tile data leaves a readable directory pointing past the end.
	r, err := NewReader(bytes.NewReader(arch[:len(arch)-3]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Tile(1, 1, 1); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Tile of a truncated archive: %v, want ErrCorrupt", err)
	}
}

func BenchmarkZxyToID(b *testing.B) {
	var sink uint64
	for i := 0; b.Loop(); i++ {
		id, _ := ZxyToID(14, uint32(i)&(1<<14-1), uint32(i>>14)&(1<<14-1))
		sink += id
	}
	_ = sink
}
