package web

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// rgb is a colour in linear-light sRGB, each channel in [0, 1].
type rgb [3]float64

// parseHex reads "#rrggbb".
func parseHex(s string) (rgb, error) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, fmt.Errorf("colour %q: want #rrggbb", s)
	}
	var c rgb
	for i := range 3 {
		v, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return rgb{}, fmt.Errorf("colour %q: %w", s, err)
		}
		c[i] = toLinear(float64(v) / 255)
	}
	return c, nil
}

func toLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// Colour-vision deficiencies at full severity, as linear-RGB matrices from
// G. M. Machado, M. M. Oliveira and L. A. F. Fernandes, "A Physiologically-
// based Model for Simulation of Color Vision Deficiency", IEEE Transactions
// on Visualization and Computer Graphics 15(6), 2009, pp. 1291-1298 (the
// severity 1.0 rows of the paper's supplementary table).
var deficiencies = []struct {
	name string
	m    [3][3]float64
}{
	{"protanopia", [3][3]float64{
		{0.152286, 1.052583, -0.204868},
		{0.114503, 0.786281, 0.099216},
		{-0.003882, -0.048116, 1.051998}}},
	{"deuteranopia", [3][3]float64{
		{0.367322, 0.860646, -0.227968},
		{0.280085, 0.672501, 0.047413},
		{-0.011820, 0.042940, 0.968881}}},
	{"tritanopia", [3][3]float64{
		{1.255528, -0.076749, -0.178779},
		{-0.078411, 0.930809, 0.147602},
		{0.004733, 0.691367, 0.303900}}},
}

// simulate shows c as a person with the deficiency m sees it.
func simulate(m [3][3]float64, c rgb) rgb {
	var out rgb
	for i := range 3 {
		v := m[i][0]*c[0] + m[i][1]*c[1] + m[i][2]*c[2]
		out[i] = math.Min(1, math.Max(0, v))
	}
	return out
}

// lab converts to CIE L*a*b* under D65.
func lab(c rgb) [3]float64 {
	x := 0.4124564*c[0] + 0.3575761*c[1] + 0.1804375*c[2]
	y := 0.2126729*c[0] + 0.7151522*c[1] + 0.0721750*c[2]
	z := 0.0193339*c[0] + 0.1191920*c[1] + 0.9503041*c[2]
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x/0.95047), f(y), f(z/1.08883)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// ciede2000 is the colour difference of G. Sharma, W. Wu and E. N. Dalal,
// "The CIEDE2000 color-difference formula: implementation notes,
// supplementary test data, and mathematical observations", Color Research
// and Application 30(1), 2005, with kL = kC = kH = 1.
func ciede2000(p, q [3]float64) float64 {
	const deg = math.Pi / 180
	l1, a1, b1 := p[0], p[1], p[2]
	l2, a2, b2 := q[0], q[1], q[2]
	cbar := (math.Hypot(a1, b1) + math.Hypot(a2, b2)) / 2
	c7 := math.Pow(cbar, 7)
	g := 0.5 * (1 - math.Sqrt(c7/(c7+math.Pow(25, 7))))
	a1p, a2p := (1+g)*a1, (1+g)*a2
	c1p, c2p := math.Hypot(a1p, b1), math.Hypot(a2p, b2)
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		h := math.Atan2(b, a) / deg
		if h < 0 {
			h += 360
		}
		return h
	}
	h1p, h2p := hue(b1, a1p), hue(b2, a2p)
	dLp, dCp := l2-l1, c2p-c1p
	var dhp float64
	switch {
	case c1p*c2p == 0:
		dhp = 0
	case math.Abs(h2p-h1p) <= 180:
		dhp = h2p - h1p
	case h2p-h1p > 180:
		dhp = h2p - h1p - 360
	default:
		dhp = h2p - h1p + 360
	}
	dHp := 2 * math.Sqrt(c1p*c2p) * math.Sin(dhp/2*deg)
	lbarp, cbarp := (l1+l2)/2, (c1p+c2p)/2
	var hbarp float64
	switch {
	case c1p*c2p == 0:
		hbarp = h1p + h2p
	case math.Abs(h1p-h2p) <= 180:
		hbarp = (h1p + h2p) / 2
	case h1p+h2p < 360:
		hbarp = (h1p + h2p + 360) / 2
	default:
		hbarp = (h1p + h2p - 360) / 2
	}
	t := 1 - 0.17*math.Cos((hbarp-30)*deg) + 0.24*math.Cos(2*hbarp*deg) +
		0.32*math.Cos((3*hbarp+6)*deg) - 0.20*math.Cos((4*hbarp-63)*deg)
	dTheta := 30 * math.Exp(-math.Pow((hbarp-275)/25, 2))
	cb7 := math.Pow(cbarp, 7)
	rc := 2 * math.Sqrt(cb7/(cb7+math.Pow(25, 7)))
	sl := 1 + 0.015*math.Pow(lbarp-50, 2)/math.Sqrt(20+math.Pow(lbarp-50, 2))
	sc := 1 + 0.045*cbarp
	sh := 1 + 0.015*cbarp*t
	rt := -math.Sin(2*dTheta*deg) * rc
	return math.Sqrt(math.Pow(dLp/sl, 2) + math.Pow(dCp/sc, 2) + math.Pow(dHp/sh, 2) + rt*(dCp/sc)*(dHp/sh))
}

// luminance is the WCAG 2 relative luminance.
func luminance(c rgb) float64 {
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over composites a colour with opacity alpha over an opaque background,
// in the gamma-encoded space browsers blend in.
func over(fg rgb, alpha float64, bg rgb) rgb {
	var out rgb
	for i := range 3 {
		f, b := fromLinear(fg[i]), fromLinear(bg[i])
		out[i] = toLinear(alpha*f + (1-alpha)*b)
	}
	return out
}

func fromLinear(v float64) float64 {
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// cssVars reads the custom properties (--name: #rrggbb) of a stylesheet's
// :root rule.
func cssVars(css string) map[string]string {
	vars := map[string]string{}
	start := strings.Index(css, ":root")
	if start < 0 {
		return vars
	}
	end := strings.Index(css[start:], "}")
	if end < 0 {
		return vars
	}
	body := css[start : start+end]
	body = body[strings.Index(body, "{")+1:]
	for _, decl := range strings.Split(body, ";") {
		name, value, ok := strings.Cut(decl, ":")
		name = strings.TrimSpace(name)
		if ok && strings.HasPrefix(name, "--") {
			vars[name] = strings.TrimSpace(value)
		}
	}
	return vars
}

// paletteDistances gives, for each way of seeing, the closest pair of a
// palette by CIEDE2000 and its distance.
func paletteDistances(palette map[string]string) (map[string]pairDistance, error) {
	views := append([]struct {
		name string
		m    [3][3]float64
	}{{"normal vision", [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}}, deficiencies...)
	slugs := make([]string, 0, len(palette))
	for s := range palette {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	out := map[string]pairDistance{}
	for _, v := range views {
		seen := make([][3]float64, len(slugs))
		for i, s := range slugs {
			c, err := parseHex(palette[s])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s, err)
			}
			seen[i] = lab(simulate(v.m, c))
		}
		closest := pairDistance{d: math.Inf(1)}
		for i := range slugs {
			for j := i + 1; j < len(slugs); j++ {
				if d := ciede2000(seen[i], seen[j]); d < closest.d {
					closest = pairDistance{slugs[i], slugs[j], d}
				}
			}
		}
		out[v.name] = closest
	}
	return out, nil
}

type pairDistance struct {
	a, b string
	d    float64
}

// Small dots of two colours read as different at about 10 CIEDE2000 units;
// fifteen types cannot all be that far apart for every deficiency, so the
// palette is held to 9 under each simulation and 12 with normal vision.
const (
	minDistanceNormal    = 12
	minDistanceSimulated = 9
)

func TestCategoryPaletteUnderColourVisionDeficiencies(t *testing.T) {
	got, err := paletteDistances(categoryColours)
	if err != nil {
		t.Fatal(err)
	}
	for view, p := range got {
		want := float64(minDistanceSimulated)
		if view == "normal vision" {
			want = minDistanceNormal
		}
		t.Logf("%s: closest pair %s and %s, ΔE00 %.1f", view, p.a, p.b, p.d)
		if p.d < want {
			t.Errorf("%s: %s (%s) and %s (%s) are %.1f apart (CIEDE2000), want at least %v",
				view, p.a, categoryColours[p.a], p.b, categoryColours[p.b], p.d, want)
		}
	}
}

// A palette of near twins must fail, so the check above can catch one.
func TestPaletteCheckCatchesConfusablePairs(t *testing.T) {
	cases := []struct {
		name, view string
		palette    map[string]string
	}{
		{"red and green", "deuteranopia", map[string]string{"a": "#d7191c", "b": "#7a8a00"}},
		{"purple and blue", "protanopia", map[string]string{"a": "#7570b3", "b": "#1f78b4"}},
		{"blue and green", "tritanopia", map[string]string{"a": "#1f78b4", "b": "#35978f"}},
		{"two oranges", "normal vision", map[string]string{"a": "#f2b134", "b": "#e6ab02"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := paletteDistances(tc.palette)
			if err != nil {
				t.Fatal(err)
			}
			if d := got[tc.view].d; d >= minDistanceSimulated {
				t.Errorf("%s: %v are %.1f apart, want under %v", tc.view, tc.palette, d, minDistanceSimulated)
			}
		})
	}
}

// Reference pairs from Sharma, Wu and Dalal (2005), table 1.
func TestCIEDE2000(t *testing.T) {
	cases := []struct {
		p, q [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, -1.3802, -84.2814}, [3]float64{50, 0, -82.7485}, 1.0000},
		{[3]float64{50, 2.5, 0}, [3]float64{50, 0, -2.5}, 4.3065},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{60.2574, -34.0099, 36.2677}, [3]float64{60.4626, -34.1751, 39.4387}, 1.2644},
		{[3]float64{22.7233, 20.0904, -46.694}, [3]float64{23.0331, 14.973, -42.5619}, 2.0373},
		{[3]float64{90.9257, -0.5406, -0.9208}, [3]float64{88.6381, -0.8985, -0.7239}, 1.5381},
	}
	for _, tc := range cases {
		if got := ciede2000(tc.p, tc.q); math.Abs(got-tc.want) > 1e-4 {
			t.Errorf("ciede2000(%v, %v) = %.4f, want %.4f", tc.p, tc.q, got, tc.want)
		}
	}
}

// The page's text colours, read from its stylesheet, against the
// backgrounds they are set on, at WCAG 2 AA for normal text (4.5:1).
func TestTextContrast(t *testing.T) {
	css, err := os.ReadFile(filepath.Join("static", "app", "map.css"))
	if err != nil {
		t.Fatal(err)
	}
	vars := cssVars(string(css))
	white := "#ffffff"
	cases := []struct {
		what, fg, bg string
		alpha        float64 // of bg over white, for translucent boxes
	}{
		{"body text", vars["--ink"], vars["--bg"], 1},
		{"body text in the sidebar", vars["--ink"], vars["--panel"], 1},
		{"secondary text", vars["--muted"], vars["--bg"], 1},
		{"secondary text in the sidebar", vars["--muted"], vars["--panel"], 1},
		{"links and accents", vars["--accent"], vars["--bg"], 1},
		{"error text", vars["--error"], vars["--bg"], 1},
		{"error text in the sidebar", vars["--error"], vars["--panel"], 1},
		{"buttons", white, vars["--accent"], 1},
		{"error status", white, vars["--error"], 1},
		{"status over a white map", white, "#1d232a", 0.88},
		{"cluster count in the legend", "#08306b", "#6baed6", 1},
	}
	for _, tc := range cases {
		if tc.fg == "" || tc.bg == "" {
			t.Errorf("%s: colour missing from map.css's :root", tc.what)
			continue
		}
		fg, err := parseHex(tc.fg)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		bg, err := parseHex(tc.bg)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		w, _ := parseHex(white)
		if r := contrast(fg, over(bg, tc.alpha, w)); r < 4.5 {
			t.Errorf("%s: %s on %s is %.2f:1, want at least 4.5:1", tc.what, tc.fg, tc.bg, r)
		}
	}
}
