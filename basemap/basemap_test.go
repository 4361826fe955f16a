package basemap

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"google.golang.org/protobuf/encoding/protowire"

	"crimemap/internal/testsupport/datasets"
	"crimemap/tiles"
)

func TestTownOf(t *testing.T) {
	tests := []struct{ lsoa, want string }{
		{"Southampton 032A", "Southampton"},
		{"Isle of Wight 001C", "Isle of Wight"},
		{"City of London 001F", "City of London"},
		{"Southampton", "Southampton"},
		{"Southampton 32A", "Southampton 32A"},
		{"Southampton 032a", "Southampton 032a"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := townOf(tc.lsoa); got != tc.want {
			t.Errorf("townOf(%q) = %q, want %q", tc.lsoa, got, tc.want)
		}
	}
}

func TestStreetName(t *testing.T) {
	tests := []struct{ loc, want string }{
		{"On or near High Street", "High Street"},
		{"On or near Parking Area", ""},
		{"On or near Sports/Recreation Area", ""},
		{"On or near ", ""},
		{"Bargate", "Bargate"},
	}
	for _, tc := range tests {
		if got := streetName(tc.loc); got != tc.want {
			t.Errorf("streetName(%q) = %q, want %q", tc.loc, got, tc.want)
		}
	}
}

func TestPlacesRankedBySize(t *testing.T) {
	ps := Places(datasets.Hampshire(t))
	if len(ps) < 5 {
		t.Fatalf("%d places in Hampshire", len(ps))
	}
	for i, p := range ps {
		if p.Rank != i+1 || i > 0 && p.Crimes > ps[i-1].Crimes {
			t.Fatalf("places out of order at %d: %+v after %+v", i, p, ps[i-1])
		}
		if i > 0 && p.MinZoom < ps[i-1].MinZoom {
			t.Errorf("%s (rank %d) shows from z%d, before %s from z%d", p.Name, p.Rank, p.MinZoom, ps[i-1].Name, ps[i-1].MinZoom)
		}
	}
	top := map[string]bool{}
	for _, p := range ps[:4] {
		top[p.Name] = true
	}
	if !top["Southampton"] || !top["Portsmouth"] {
		t.Errorf("the largest places are %v", ps[:4])
	}
	for _, p := range ps {
		if p.Name == "Southampton" && (p.Lon < -1.5 || p.Lon > -1.3 || p.Lat < 50.85 || p.Lat > 50.97) {
			t.Errorf("Southampton placed at %v, %v", p.Lon, p.Lat)
		}
	}
}

func TestLandTiles(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y int
		land    bool
	}{
		{"the world", 0, 0, 0, true},
		{"England at z6", 6, 31, 21, true},
		{"inland at the deepest zoom", 12, 2031, 1352, true},
		{"open Atlantic", 6, 20, 20, false},
		{"beyond the deepest zoom", 13, 4062, 2704, false},
		{"out of range", -1, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := LandTile(tc.z, tc.x, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			if (b != nil) != tc.land {
				t.Fatalf("LandTile(%d/%d/%d) has land %v, want %v", tc.z, tc.x, tc.y, b != nil, tc.land)
			}
			if b == nil {
				return
			}
			ls, err := mvt.Unmarshal(b)
			if err != nil || len(ls) != 1 || ls[0].Name != LayerLand || len(ls[0].Features) == 0 {
				t.Fatalf("LandTile(%d/%d/%d): %v, %d layers", tc.z, tc.x, tc.y, err, len(ls))
			}
		})
	}
}

func TestGlyphRanges(t *testing.T) {
	for _, font := range Fonts {
		for _, start := range GlyphRanges {
			rng := strconv.Itoa(start) + "-" + strconv.Itoa(start+255)
			b, err := Glyphs(font, rng)
			if err != nil || len(b) == 0 {
				t.Fatalf("Glyphs(%s, %s): %d bytes, %v", font, rng, len(b), err)
			}
			n := checkGlyphs(t, b)
			if n < 150 {
				t.Errorf("%s range %s holds %d glyphs", font, rng, n)
			}
		}
	}
	if b, err := Glyphs(Font, "19968-20223"); err != nil || len(b) != 0 {
		t.Errorf("a range the font lacks: %d bytes, %v; want an empty message", len(b), err)
	}
	for _, bad := range []string{"", "0-254", "1-256", "a-b", "-256-0", "65536-65791", "0-255-1"} {
		if _, err := Glyphs(Font, bad); !errors.Is(err, ErrNoGlyphs) {
			t.Errorf("Glyphs(%q) = %v, want ErrNoGlyphs", bad, err)
		}
	}
}

func TestGlyphStacks(t *testing.T) {
	glyphs := func(stack string) string {
		b, err := Glyphs(stack, "0-255")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	regular, italic := glyphs(Font), glyphs(FontItalic)
	if regular == italic {
		t.Fatal("the italic's glyphs are the regular's")
	}
	tests := []struct {
		stack string
		want  string
	}{
		{"Noto Sans Italic", italic},
		{"Open Sans Regular, Noto Sans Italic", italic},
		{"Noto Sans Medium", regular},
		{"Noto Sans Devanagari Regular v1", regular},
		{"Open Sans Regular,Arial Unicode MS Regular", regular},
	}
	for _, tc := range tests {
		if glyphs(tc.stack) != tc.want {
			t.Errorf("stack %q is not drawn with the font it should be", tc.stack)
		}
	}
}

// checkGlyphs walks a glyphs message and checks each glyph's bitmap is
// its size plus the 3-pixel buffer all round, as MapLibre reads it.
func checkGlyphs(t *testing.T, b []byte) int {
	t.Helper()
	num, typ, n := protowire.ConsumeTag(b)
	if num != 1 || typ != protowire.BytesType || n < 0 {
		t.Fatalf("not a glyphs message")
	}
	stack, _ := protowire.ConsumeBytes(b[n:])
	glyphs := 0
	for len(stack) > 0 {
		num, _, n := protowire.ConsumeTag(stack)
		stack = stack[n:]
		if num != 3 {
			_, m := protowire.ConsumeBytes(stack)
			stack = stack[m:]
			continue
		}
		g, m := protowire.ConsumeBytes(stack)
		stack = stack[m:]
		glyphs++
		var w, h uint64
		var bitmap []byte
		for len(g) > 0 {
			f, typ, k := protowire.ConsumeTag(g)
			g = g[k:]
			if typ == protowire.BytesType {
				bitmap, k = protowire.ConsumeBytes(g)
			} else {
				var v uint64
				v, k = protowire.ConsumeVarint(g)
				switch f {
				case 3:
					w = v
				case 4:
					h = v
				}
			}
			g = g[k:]
		}
		if w > 0 && uint64(len(bitmap)) != (w+6)*(h+6) {
			t.Fatalf("glyph of %dx%d has a bitmap of %d bytes", w, h, len(bitmap))
		}
	}
	return glyphs
}

func TestLabelLayerIgnoresFilter(t *testing.T) {
	l := LabelLayer(datasets.Hampshire(t))
	p := l.Normalize(8, tiles.Params{Res: 3})
	if p.Res != -1 {
		t.Errorf("Normalize kept res %d", p.Res)
	}
	b, err := l.Tile(context.Background(), 17, 0, 0, p)
	if err != nil || b != nil {
		t.Errorf("a tile beyond the label zooms: %d bytes, %v", len(b), err)
	}
}

func FuzzGlyphs(f *testing.F) {
	for _, s := range []string{"0-255", "256-511", "1-256", "65280-65535", "x"} {
		f.Add(Font, s)
	}
	f.Fuzz(func(t *testing.T, stack, rng string) {
		b, err := Glyphs(stack, rng)
		if err != nil && !errors.Is(err, ErrNoGlyphs) {
			t.Fatalf("Glyphs(%q, %q): %v", stack, rng, err)
		}
		if err == nil && b == nil {
			t.Fatalf("Glyphs(%q, %q): nil without an error", stack, rng)
		}
	})
}
