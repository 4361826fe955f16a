// Command genglyphs writes the signed-distance-field glyph ranges MapLibre
// draws labels with (the format of fontnik and the Mapbox glyph API: 24 px
// glyphs, a 3 px buffer, one PBF per 256 code points) from a TrueType font,
// for the ranges place and street names use.
//
//	go run ./basemap/internal/genglyphs -font NotoSans-Regular.ttf -name "Noto Sans Regular" -out basemap/glyphs
package main

import (
	"flag"
	"fmt"
	"image"
	"image/draw"
	"log"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
	"google.golang.org/protobuf/encoding/protowire"

	"crimemap/basemap"
)

const (
	size   = 24   // pixels per em, as MapLibre expects
	buffer = 3    // pixels of field around each glyph
	radius = 8.0  // distance, in pixels, the field spans
	cutoff = 0.25 // share of the field's range that is outside the glyph
)

func main() {
	fontPath := flag.String("font", "", "TrueType font file")
	name := flag.String("name", "", "font stack name the ranges are served under")
	out := flag.String("out", "", "folder to write <dir>/<start>-<end>.pbf into")
	flag.Parse()
	if err := run(*fontPath, *name, *out); err != nil {
		log.Fatal(err)
	}
}

func run(fontPath, name, out string) error {
	data, err := os.ReadFile(fontPath)
	if err != nil {
		return fmt.Errorf("genglyphs: %w", err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return fmt.Errorf("genglyphs: %s: %w", fontPath, err)
	}
	dir := filepath.Join(out, basemap.FontDir(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("genglyphs: %w", err)
	}
	for _, start := range basemap.GlyphRanges {
		pbf, n, err := glyphRange(f, name, start)
		if err != nil {
			return err
		}
		file := filepath.Join(dir, fmt.Sprintf("%d-%d.pbf", start, start+255))
		if err := os.WriteFile(file, pbf, 0o644); err != nil {
			return fmt.Errorf("genglyphs: %w", err)
		}
		log.Printf("%s: %d glyphs, %d bytes", file, n, len(pbf))
	}
	return nil
}

// glyphRange encodes the glyphs the font has of code points start..start+255
// as a glyphs message: one fontstack with its name, range and glyphs.
func glyphRange(f *sfnt.Font, name string, start int) ([]byte, int, error) {
	var buf sfnt.Buffer
	var stack []byte
	stack = protowire.AppendTag(stack, 1, protowire.BytesType)
	stack = protowire.AppendString(stack, name)
	stack = protowire.AppendTag(stack, 2, protowire.BytesType)
	stack = protowire.AppendString(stack, fmt.Sprintf("%d-%d", start, start+255))
	n := 0
	for r := rune(start); r < rune(start+256); r++ {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			continue
		}
		g, err := glyph(f, &buf, gi, r)
		if err != nil {
			return nil, 0, fmt.Errorf("genglyphs: U+%04X: %w", r, err)
		}
		stack = protowire.AppendTag(stack, 3, protowire.BytesType)
		stack = protowire.AppendBytes(stack, g)
		n++
	}
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, stack)
	return msg, n, nil
}

// glyph encodes one glyph message: its distance field and metrics.
func glyph(f *sfnt.Font, buf *sfnt.Buffer, gi sfnt.GlyphIndex, r rune) ([]byte, error) {
	ppem := fixed.I(size)
	adv, err := f.GlyphAdvance(buf, gi, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	segs, err := f.LoadGlyph(buf, gi, ppem, nil)
	if err != nil {
		return nil, err
	}
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, uint64(r))
	if len(segs) == 0 {
		// A space: no bitmap, only its advance.
		for _, field := range []protowire.Number{3, 4} {
			m = protowire.AppendTag(m, field, protowire.VarintType)
			m = protowire.AppendVarint(m, 0)
		}
		m = protowire.AppendTag(m, 7, protowire.VarintType)
		return protowire.AppendVarint(m, uint64(adv.Round())), nil
	}
	// Segments are in 26.6 pixels with y down from the baseline.
	b := segs.Bounds()
	x0, y0 := b.Min.X.Floor(), b.Min.Y.Floor()
	w, h := b.Max.X.Ceil()-x0, b.Max.Y.Ceil()-y0
	gw, gh := w+2*buffer, h+2*buffer
	ras := vector.NewRasterizer(gw, gh)
	ras.DrawOp = draw.Src
	pt := func(p fixed.Point26_6) (float32, float32) {
		return float32(p.X)/64 - float32(x0) + buffer, float32(p.Y)/64 - float32(y0) + buffer
	}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			ras.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			ras.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			ras.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			cx, cy := pt(s.Args[2])
			ras.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	ras.ClosePath()
	alpha := image.NewAlpha(image.Rect(0, 0, gw, gh))
	ras.Draw(alpha, alpha.Bounds(), image.Opaque, image.Point{})
	field := distanceField(alpha.Pix, gw, gh)

	for _, kv := range [][2]uint64{{3, uint64(w)}, {4, uint64(h)}} {
		m = protowire.AppendTag(m, protowire.Number(kv[0]), protowire.VarintType)
		m = protowire.AppendVarint(m, kv[1])
	}
	m = protowire.AppendTag(m, 2, protowire.BytesType)
	m = protowire.AppendBytes(m, field)
	m = protowire.AppendTag(m, 5, protowire.VarintType)
	m = protowire.AppendVarint(m, protowire.EncodeZigZag(int64(x0)))
	m = protowire.AppendTag(m, 6, protowire.VarintType)
	m = protowire.AppendVarint(m, protowire.EncodeZigZag(int64(-y0)))
	m = protowire.AppendTag(m, 7, protowire.VarintType)
	return protowire.AppendVarint(m, uint64(adv.Round())), nil
}

const inf = 1e20

// distanceField turns coverage into a signed distance field as tiny-sdf
// does (MapLibre's own): squared distances to the outside and to the inside
// by Felzenszwalb and Huttenlocher's transform, with partly covered pixels
// placed by their coverage.
func distanceField(pix []byte, w, h int) []byte {
	outer := make([]float64, w*h)
	inner := make([]float64, w*h)
	for i, p := range pix {
		a := float64(p) / 255
		switch {
		case a >= 1:
			outer[i], inner[i] = 0, inf
		case a <= 0:
			outer[i], inner[i] = inf, 0
		default:
			d := 0.5 - a
			outer[i], inner[i] = math.Pow(math.Max(0, d), 2), math.Pow(math.Max(0, -d), 2)
		}
	}
	n := max(w, h)
	f, z, v := make([]float64, n), make([]float64, n+1), make([]int, n)
	edt(outer, w, h, f, v, z)
	edt(inner, w, h, f, v, z)
	out := make([]byte, w*h)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		out[i] = byte(math.Max(0, math.Min(255, math.Round(255-255*(d/radius+cutoff)))))
	}
	return out
}

func edt(grid []float64, w, h int, f []float64, v []int, z []float64) {
	for x := range w {
		edt1d(grid, x, w, h, f, v, z)
	}
	for y := range h {
		edt1d(grid, y*w, 1, w, f, v, z)
	}
}

func edt1d(grid []float64, offset, stride, length int, f []float64, v []int, z []float64) {
	v[0], z[0], z[1], f[0] = 0, -inf, inf, grid[offset]
	k := 0
	for q := 1; q < length; q++ {
		f[q] = grid[offset+q*stride]
		q2 := float64(q * q)
		var s float64
		for {
			r := v[k]
			s = (f[q] - f[r] + q2 - float64(r*r)) / float64(q-r) / 2
			if s <= z[k] {
				k--
				if k > -1 {
					continue
				}
			}
			break
		}
		k++
		v[k], z[k], z[k+1] = q, s, inf
	}
	k = 0
	for q := range length {
		for z[k+1] < float64(q) {
			k++
		}
		r := v[k]
		qr := float64(q - r)
		grid[offset+q*stride] = f[r] + qr*qr
	}
}
