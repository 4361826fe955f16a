// Command gensprite draws the sprite sheet of the vendored Protomaps style:
// the icons its layers name (place dots, one-way arrows, road shields and
// a dot per point-of-interest kind in the colour the style gives its
// label), at pixel ratios 1 and 2, as MapLibre sprites (NAME.json and
// NAME.png, NAME@2x.json and NAME@2x.png). The Protomaps sprite assets are
// not published on npm, so the sheet is drawn here from the style itself;
// `make vendor-protomaps` runs it after writing the style.
//
//	go run ./web/internal/gensprite -style web/static/protomaps/light.json -out web/static/protomaps/sprites/light
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// icon is one image of the sheet, drawn at any pixel ratio.
type icon struct {
	name string
	w, h int // at ratio 1
	// cover returns the colour at (x, y) in ratio-1 pixel units, alpha 0
	// where the icon is not.
	cover func(x, y float64) color.NRGBA
}

type spriteEntry struct {
	X          int `json:"x"`
	Y          int `json:"y"`
	Width      int `json:"width"`
	Height     int `json:"height"`
	PixelRatio int `json:"pixelRatio"`
}

func main() {
	style := flag.String("style", "", "the style's layers as JSON (web/protomaps.mjs)")
	out := flag.String("out", "", "output path without extension")
	flag.Parse()
	if *style == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	icons, err := iconsOf(*style)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		log.Fatal(err)
	}
	for _, ratio := range []int{1, 2} {
		suffix := ""
		if ratio > 1 {
			suffix = "@" + strconv.Itoa(ratio) + "x"
		}
		if err := writeSheet(*out+suffix, icons, ratio); err != nil {
			log.Fatal(err)
		}
	}
}

// iconsOf lists the icons the style's layers name: fixed shapes for places,
// arrows and shields, and a dot per POI kind in the colour of its label.
func iconsOf(stylePath string) ([]icon, error) {
	b, err := os.ReadFile(stylePath)
	if err != nil {
		return nil, err
	}
	var layers []struct {
		ID    string         `json:"id"`
		Paint map[string]any `json:"paint"`
	}
	if err := json.Unmarshal(b, &layers); err != nil {
		return nil, fmt.Errorf("%s: %w", stylePath, err)
	}
	ink := color.NRGBA{0x5c, 0x5c, 0x5c, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	icons := []icon{
		dot("townspot", 6, white, ink, 1.5),
		dot("capital", 8, ink, white, 2),
		arrow("arrow", color.NRGBA{0x93, 0x8a, 0x8d, 0xff}),
	}
	for n := 1; n <= 6; n++ {
		icons = append(icons, shield(fmt.Sprintf("generic_shield-%dchar", n), n, white, color.NRGBA{0xb0, 0xa8, 0xaa, 0xff}))
	}
	for _, l := range layers {
		if l.ID != "pois" {
			continue
		}
		expr, _ := l.Paint["text-color"].([]any)
		kinds := map[string]color.NRGBA{}
		// ["case", ["in", ["get","kind"], ["literal", [KINDS]]], COLOUR, ..., DEFAULT]
		for i := 1; i+1 < len(expr); i += 2 {
			c, ok := parseHex(expr[i+1])
			if !ok {
				continue
			}
			for _, k := range literalStrings(expr[i]) {
				kinds[k] = c
			}
		}
		if len(kinds) == 0 {
			return nil, fmt.Errorf("%s: no POI kinds in the pois layer's text-color", stylePath)
		}
		names := make([]string, 0, len(kinds))
		for k := range kinds {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			name := k
			if k == "station" {
				name = "train_station" // as the layer's icon-image maps it
			}
			icons = append(icons, dot(name, 7, kinds[k], white, 1.5))
		}
	}
	return icons, nil
}

// literalStrings returns the strings of the first ["literal", [...]] in an
// expression.
func literalStrings(v any) []string {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	if len(a) == 2 && a[0] == "literal" {
		var out []string
		if list, ok := a[1].([]any); ok {
			for _, s := range list {
				if s, ok := s.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	for _, e := range a {
		if s := literalStrings(e); s != nil {
			return s
		}
	}
	return nil
}

func parseHex(v any) (color.NRGBA, bool) {
	s, ok := v.(string)
	if !ok || len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, false
	}
	n, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.NRGBA{}, false
	}
	return color.NRGBA{uint8(n >> 16), uint8(n >> 8), uint8(n), 0xff}, true
}

// dot is a filled circle of diameter d with a ring of width ring.
func dot(name string, d int, fill, edge color.NRGBA, ring float64) icon {
	size := d + 2
	c := float64(size) / 2
	r := float64(d) / 2
	return icon{name, size, size, func(x, y float64) color.NRGBA {
		dist := math.Hypot(x-c, y-c)
		switch {
		case dist <= r-ring:
			return fill
		case dist <= r:
			return edge
		}
		return color.NRGBA{}
	}}
}

// arrow points up: the style rotates it 90° along the road.
func arrow(name string, ink color.NRGBA) icon {
	return icon{name, 10, 12, func(x, y float64) color.NRGBA {
		// A chevron: two strokes from the tip (5, 2) to (1.5, 7) and (8.5, 7).
		d := math.Min(segDist(x, y, 5, 2, 1.5, 7), segDist(x, y, 5, 2, 8.5, 7))
		if math.Min(d, segDist(x, y, 5, 2, 5, 10)) <= 1 {
			return ink
		}
		return color.NRGBA{}
	}}
}

// shield is a rounded box wide enough for n characters of the style's
// 8-pixel shield text.
func shield(name string, n int, fill, edge color.NRGBA) icon {
	w, h := 6*n+8, 14
	return icon{name, w, h, func(x, y float64) color.NRGBA {
		const rad = 3.0
		// Distance outside the rounded rectangle inset by rad.
		dx := math.Max(math.Max(rad+0.5-x, x-(float64(w)-rad-0.5)), 0)
		dy := math.Max(math.Max(rad+0.5-y, y-(float64(h)-rad-0.5)), 0)
		d := math.Hypot(dx, dy)
		switch {
		case d <= rad-1:
			return fill
		case d <= rad:
			return edge
		}
		return color.NRGBA{}
	}}
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	vx, vy := bx-ax, by-ay
	t := ((px-ax)*vx + (py-ay)*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*vx), py-(ay+t*vy))
}

// writeSheet packs the icons left to right in rows and writes the PNG and
// its index.
func writeSheet(base string, icons []icon, ratio int) error {
	const rowWidth = 128
	index := map[string]spriteEntry{}
	x, y, rowH := 0, 0, 0
	for _, ic := range icons {
		w, h := ic.w*ratio, ic.h*ratio
		if x+w > rowWidth*ratio {
			x, y, rowH = 0, y+rowH, 0
		}
		index[ic.name] = spriteEntry{X: x, Y: y, Width: w, Height: h, PixelRatio: ratio}
		x += w
		rowH = max(rowH, h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, rowWidth*ratio, y+rowH))
	const ss = 4 // samples per pixel side, for smooth edges
	for _, ic := range icons {
		e := index[ic.name]
		for py := 0; py < e.Height; py++ {
			for px := 0; px < e.Width; px++ {
				var r, g, b, a float64
				for sy := 0; sy < ss; sy++ {
					for sx := 0; sx < ss; sx++ {
						c := ic.cover((float64(px)+(float64(sx)+0.5)/ss)/float64(ratio), (float64(py)+(float64(sy)+0.5)/ss)/float64(ratio))
						al := float64(c.A) / 255
						r, g, b, a = r+float64(c.R)*al, g+float64(c.G)*al, b+float64(c.B)*al, a+al
					}
				}
				if a == 0 {
					continue
				}
				img.SetNRGBA(e.X+px, e.Y+py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(math.Round(a / (ss * ss) * 255))})
			}
		}
	}
	f, err := os.Create(base + ".png")
	if err != nil {
		return err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	j, err := json.MarshalIndent(index, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(base+".json", append(j, '\n'), 0o644)
}
