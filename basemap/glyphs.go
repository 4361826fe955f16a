package basemap

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed glyphs
var glyphFS embed.FS

// Font is the one font stack the default style labels with: Noto Sans
// (Debian's fonts-noto-core, SIL Open Font License 1.1).
const Font = "Noto Sans Regular"

// FontItalic is the italic the Protomaps style names water with. The
// style's "Noto Sans Medium" is drawn with Font: Debian packages no Medium
// weight, and Regular is the nearer of the two it has.
const FontItalic = "Noto Sans Italic"

// Fonts are the fonts whose glyphs are generated.
var Fonts = []string{Font, FontItalic}

// GlyphRanges are the first code points of the ranges generated: Latin-1
// (English), Latin Extended-A (the circumflexed vowels of Welsh names), and
// general punctuation (curly apostrophes, dashes).
var GlyphRanges = []int{0, 256, 8192}

// ErrNoGlyphs is returned for a glyph range that is not one.
var ErrNoGlyphs = errors.New("no such font stack or glyph range")

// FontDir is the folder a font stack's ranges are stored in.
func FontDir(stack string) string {
	return strings.ToLower(strings.ReplaceAll(stack, " ", "-"))
}

// Glyphs returns the PBF of glyph range rng ("0-255") for a font stack as
// MapLibre asks for it ("Noto Sans Regular", or a comma list of fonts): the
// first font of the stack that is one of Fonts, else Font, so a layer that
// names another font (MapLibre's default is Open Sans) is drawn in Noto
// Sans rather than not at all. A
// range the font has no glyphs in, but which is well formed, is an empty
// glyphs message, so MapLibre leaves those characters out rather than
// failing the label.
func Glyphs(stacks, rng string) ([]byte, error) {
	lo, hi, ok := strings.Cut(rng, "-")
	start, err1 := strconv.Atoi(lo)
	end, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || start < 0 || start%256 != 0 || end != start+255 || end > 0xFFFF {
		return nil, fmt.Errorf("%w: range %q", ErrNoGlyphs, rng)
	}
	b, err := glyphFS.ReadFile("glyphs/" + FontDir(stackFont(stacks)) + "/" + strconv.Itoa(start) + "-" + strconv.Itoa(end) + ".pbf")
	if errors.Is(err, fs.ErrNotExist) {
		return []byte{}, nil
	}
	return b, err
}

// stackFont is the font of Fonts a stack is drawn with.
func stackFont(stacks string) string {
	for _, f := range strings.Split(stacks, ",") {
		if f = strings.TrimSpace(f); slices.Contains(Fonts, f) {
			return f
		}
	}
	return Font
}
