package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The vendored style's every POI kind, the place dots, arrows and shields
// get an image, and the sheet's images do not overlap.
func TestSheetOfTheVendoredStyle(t *testing.T) {
	icons, err := iconsOf(filepath.Join("..", "..", "static", "protomaps", "light.json"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, ic := range icons {
		names[ic.name] = true
	}
	for _, want := range []string{"townspot", "capital", "arrow", "generic_shield-1char", "generic_shield-6char", "train_station", "cafe", "park", "school"} {
		if !names[want] {
			t.Errorf("no %s icon", want)
		}
	}
	if names["station"] {
		t.Error("station is drawn as train_station, as the style maps it")
	}
	base := filepath.Join(t.TempDir(), "light")
	if err := writeSheet(base, icons, 2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]spriteEntry
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var es []spriteEntry
	for name, e := range index {
		if e.PixelRatio != 2 || e.X+e.Width > img.Bounds().Dx() || e.Y+e.Height > img.Bounds().Dy() {
			t.Errorf("%s: %+v outside the %v sheet", name, e, img.Bounds())
		}
		es = append(es, e)
	}
	for i := range es {
		for j := i + 1; j < len(es); j++ {
			a, b := es[i], es[j]
			if a.X < b.X+b.Width && b.X < a.X+a.Width && a.Y < b.Y+b.Height && b.Y < a.Y+a.Height {
				t.Errorf("%+v and %+v overlap", a, b)
			}
		}
	}
}

func TestLiteralStringsAndColours(t *testing.T) {
	var expr []any
	if err := json.Unmarshal([]byte(`["in", ["get", "kind"], ["literal", ["cafe", "bar"]]]`), &expr); err != nil {
		t.Fatal(err)
	}
	if got := literalStrings(expr); len(got) != 2 || got[0] != "cafe" || got[1] != "bar" {
		t.Errorf("literalStrings = %v", got)
	}
	tests := []struct {
		in any
		ok bool
	}{{"#CB6704", true}, {"#cb6704", true}, {"#fff", false}, {"red", false}, {3.0, false}, {"#zzzzzz", false}}
	for _, tc := range tests {
		if _, ok := parseHex(tc.in); ok != tc.ok {
			t.Errorf("parseHex(%v) ok = %v", tc.in, ok)
		}
	}
}
