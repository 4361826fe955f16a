package boundary

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

const southWales = "../testdata/boundaries/south-wales.kml"

// kml wraps placemarks in a KML 2.1 document as data.police.uk writes it.
func kml(placemarks string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document>` + placemarks + `</Document></kml>`
}

const square = `<Polygon><outerBoundaryIs><LinearRing><coordinates>0,0,0 1,0,0 1,1,0 0,1,0 0,0,0</coordinates></LinearRing></outerBoundaryIs></Polygon>`

func TestParseKML(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		names []string
		// rings lists, per placemark and polygon, the points of each ring.
		rings   [][][]int
		wantErr error
	}{
		{name: "one polygon", doc: kml(`<Placemark>` + square + `</Placemark>`),
			names: []string{""}, rings: [][][]int{{{5}}}},
		{name: "named, style skipped", doc: kml(`<Placemark><name> Cardiff Central </name><Style><PolyStyle><color>cc4dedf7</color></PolyStyle></Style>` + square + `</Placemark>`),
			names: []string{"Cardiff Central"}, rings: [][][]int{{{5}}}},
		{name: "inner rings", doc: kml(`<Placemark><Polygon>
			<outerBoundaryIs><LinearRing><coordinates>0,0,0 4,0,0 4,4,0 0,4,0 0,0,0</coordinates></LinearRing></outerBoundaryIs>
			<innerBoundaryIs><LinearRing><coordinates>1,1,0 2,1,0 2,2,0 1,1,0</coordinates></LinearRing></innerBoundaryIs>
			<innerBoundaryIs><LinearRing><coordinates>3,3 3.5,3 3.5,3.5</coordinates></LinearRing></innerBoundaryIs>
			</Polygon></Placemark>`),
			names: []string{""}, rings: [][][]int{{{5, 4, 4}}}},
		{name: "multigeometry", doc: kml(`<Placemark><MultiGeometry>` + square + square + square + `</MultiGeometry></Placemark>`),
			names: []string{""}, rings: [][][]int{{{5}, {5}, {5}}}},
		{name: "several placemarks, point skipped", doc: kml(`<Placemark><name>a</name>` + square + `</Placemark>
			<Placemark><name>pin</name><Point><coordinates>1,1,0</coordinates></Point></Placemark>
			<Placemark><name>b</name><MultiGeometry>` + square + square + `</MultiGeometry></Placemark>`),
			names: []string{"a", "b"}, rings: [][][]int{{{5}}, {{5}, {5}}}},
		{name: "open ring closed, newlines and tabs", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>
			-4.1,51.5,0
			-4.0,51.5,0	-4.0,51.6,0
			</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			names: []string{""}, rings: [][][]int{{{4}}}},
		{name: "no namespace, folders", doc: `<kml><Document><Folder><Placemark>` + square + `</Placemark></Folder></Document></kml>`,
			names: []string{""}, rings: [][][]int{{{5}}}},

		{name: "letters in coordinates", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0,0 1,x,0 1,1,0 0,0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadCoordinates},
		{name: "latitude out of range", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,91 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadCoordinates},
		{name: "one number", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadCoordinates},
		{name: "NaN", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 NaN,1 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadCoordinates},
		{name: "too few points", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadKML},
		{name: "truncated", doc: kml(`<Placemark>` + square + `</Placemark>`)[:200], wantErr: ErrBadKML},
		{name: "mismatched tags", doc: `<kml><Placemark><Polygon></Placemark></Polygon></kml>`, wantErr: ErrBadKML},
		{name: "polygon without outer ring", doc: kml(`<Placemark><Polygon><innerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadKML},
		{name: "two outer rings", doc: kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			wantErr: ErrBadKML},
		{name: "polygon outside a placemark", doc: kml(square), wantErr: ErrBadKML},
		{name: "points only", doc: kml(`<Placemark><Point><coordinates>1,1,0</coordinates></Point></Placemark>`), wantErr: ErrNoPolygon},
		{name: "empty", doc: "", wantErr: ErrNoPolygon},
		{name: "not XML", doc: "lon,lat\n1,2\n", wantErr: ErrNoPolygon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pms, err := ParseKML(strings.NewReader(tt.doc))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(pms) != len(tt.names) {
				t.Fatalf("%d placemarks, want %d", len(pms), len(tt.names))
			}
			for i, pm := range pms {
				if pm.Name != tt.names[i] {
					t.Errorf("placemark %d name %q, want %q", i, pm.Name, tt.names[i])
				}
				var got [][]int
				for _, poly := range pm.Polygons {
					var rs []int
					for _, r := range poly {
						if !r.Closed() {
							t.Errorf("placemark %d: ring not closed: %v", i, r)
						}
						rs = append(rs, len(r))
					}
					got = append(got, rs)
				}
				if !equalCounts(got, tt.rings[i]) {
					t.Errorf("placemark %d rings %v, want %v", i, got, tt.rings[i])
				}
			}
		})
	}
}

func equalCounts(a, b [][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestParseKMLErrorLine(t *testing.T) {
	doc := "<kml><Placemark><Polygon><outerBoundaryIs><LinearRing>\n<coordinates>0,0 1,0\n1,x 0,0</coordinates>\n</LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
	_, err := ParseKML(strings.NewReader(doc))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "point 3") {
		t.Fatalf("err = %v, want line 3 and point 3 named", err)
	}
}

// sinusoidalArea is an independent area: the shoelace formula on the
// sinusoidal projection (x = R·λ·cos φ, y = R·φ), which is equal-area, so
// only the straightness of edges in the projection differs from the sphere.
// The radius is orb's (WGS84's equatorial 6,378,137 m), so the two agree
// to the edge effect.
func sinusoidalArea(mp orb.MultiPolygon) float64 {
	const r = 6378137
	total := 0.0
	for _, poly := range mp {
		for i, ring := range poly {
			s := 0.0
			for j := 0; j+1 < len(ring); j++ {
				p, q := ring[j], ring[j+1]
				x1 := r * p[0] * math.Pi / 180 * math.Cos(p[1]*math.Pi/180)
				y1 := r * p[1] * math.Pi / 180
				x2 := r * q[0] * math.Pi / 180 * math.Cos(q[1]*math.Pi/180)
				y2 := r * q[1] * math.Pi / 180
				s += x1*y2 - x2*y1
			}
			a := math.Abs(s) / 2
			if i > 0 {
				a = -a
			}
			total += a
		}
	}
	return total
}

func TestSouthWales(t *testing.T) {
	set, err := Load(southWales)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := set.Get("south-wales")
	if !ok || set.Len() != 1 {
		t.Fatalf("ids %v, want south-wales", set.List())
	}
	if b.Name != "South Wales Police" {
		t.Errorf("name %q", b.Name)
	}
	if len(b.Geometry) != 1 || len(b.Geometry[0]) != 1 {
		t.Fatalf("%d polygons, want 1 with one ring", len(b.Geometry))
	}
	// grep -o on the file counts 26,503 lon,lat,0 tuples, the last repeating the first.
	if n := Vertices(b.Geometry); n != 26503 {
		t.Errorf("%d vertices, want 26503", n)
	}
	if n := Vertices(b.Simplified); n < 1000 || n > 5000 {
		t.Errorf("simplified to %d vertices, want a few thousand", n)
	}

	got := orbgeo.Area(b.Geometry)
	want := sinusoidalArea(b.Geometry)
	if math.Abs(got-want)/want > 0.001 {
		t.Errorf("area %.0f m², sinusoidal shoelace %.0f m²", got, want)
	}
	// The police area (Swansea to Cardiff and the valleys) is about
	// 2,000 km²; allow wide margins, this only rules out unit slips.
	if got < 1500e6 || got > 3000e6 {
		t.Errorf("area %.0f km², want about 2,000", got/1e6)
	}
	// The display copy keeps the shape: its area within 1 %.
	if s := orbgeo.Area(b.Simplified); math.Abs(s-got)/got > 0.01 {
		t.Errorf("simplified area %.0f km², exact %.0f km²", s/1e6, got/1e6)
	}

	for _, c := range []struct {
		name     string
		lon, lat float64
		in       bool
	}{
		{"Cardiff city centre", -3.1791, 51.4816, true},
		{"Swansea", -3.9436, 51.6214, true},
		{"Merthyr Tydfil", -3.3792, 51.7487, true},
		{"Bristol", -2.5879, 51.4545, false},
		{"Newport (Gwent Police)", -2.9977, 51.5842, false},
		{"Carmarthen (Dyfed-Powys)", -4.3098, 51.8576, false},
	} {
		if got := b.Area().Contains(c.lon, c.lat); got != c.in {
			t.Errorf("%s: contains = %v, want %v", c.name, got, c.in)
		}
	}
	if bd := b.Bound; !(bd.Min[0] < -4 && bd.Max[0] > -3.2 && bd.Min[1] < 51.45 && bd.Max[1] > 51.75) {
		t.Errorf("bound %v does not span Swansea to Merthyr", bd)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFolders(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "forces", "dyfed-powys.kml"), kml(`<Placemark>`+square+`</Placemark>`))
	writeFile(t, filepath.Join(dir, "forces", "README.txt"), "not a boundary")
	writeFile(t, filepath.Join(dir, "forces", "dyfed-powys", "llanelli.kml"), kml(`<Placemark><name>Llanelli Town</name>`+square+`</Placemark>`))
	writeFile(t, filepath.Join(dir, "forces", "nowhere", "x.KML"), kml(`<Placemark>`+square+`</Placemark>`))
	set, err := Load(filepath.Join(dir, "forces"), southWales)
	if err != nil {
		t.Fatal(err)
	}
	var ids, names []string
	for _, b := range set.List() {
		ids = append(ids, b.ID)
		names = append(names, b.Name)
	}
	wantIDs := "dyfed-powys dyfed-powys/llanelli nowhere/x south-wales"
	wantNames := "Dyfed-Powys Police|Llanelli Town|nowhere/x|South Wales Police"
	if strings.Join(ids, " ") != wantIDs || strings.Join(names, "|") != wantNames {
		t.Errorf("ids %q names %q, want %q and %q", ids, names, wantIDs, wantNames)
	}
	if _, ok := set.Get("llanelli"); ok {
		t.Error("a neighbourhood is found without its force")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad", "gwent.kml")
	writeFile(t, bad, kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0`))
	same := filepath.Join(dir, "same", "south-wales.kml")
	writeFile(t, same, kml(`<Placemark>`+square+`</Placemark>`))
	degenerate := filepath.Join(dir, "degenerate", "a.kml")
	writeFile(t, degenerate, kml(`<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>1,1 1,1 1,1 1,1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`))
	tests := []struct {
		name    string
		paths   []string
		wantErr error
		naming  string
	}{
		{"truncated file", []string{filepath.Join(dir, "bad")}, ErrBadKML, bad},
		{"missing path", []string{filepath.Join(dir, "missing.kml")}, os.ErrNotExist, "missing.kml"},
		{"duplicate id", []string{southWales, same}, ErrDuplicate, same},
		{"degenerate ring", []string{degenerate}, nil, degenerate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Load(tt.paths...)
			if err == nil {
				t.Fatalf("loaded %d boundaries, want an error", set.Len())
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("err = %v does not name %s", err, tt.naming)
			}
		})
	}
}

func TestWinding(t *testing.T) {
	// Outer ring clockwise and hole anticlockwise, as KML allows: New
	// turns both to RFC 7946's winding.
	doc := kml(`<Placemark><Polygon>
		<outerBoundaryIs><LinearRing><coordinates>0,0 0,4 4,4 4,0 0,0</coordinates></LinearRing></outerBoundaryIs>
		<innerBoundaryIs><LinearRing><coordinates>1,1 2,1 2,2 1,2 1,1</coordinates></LinearRing></innerBoundaryIs>
		</Polygon></Placemark>`)
	pms, err := ParseKML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if pms[0].Polygons[0][0].Orientation() != orb.CW {
		t.Fatal("test polygon's outer ring is not clockwise")
	}
	b, err := New("x", pms)
	if err != nil {
		t.Fatal(err)
	}
	for name, mp := range map[string]orb.MultiPolygon{"exact": b.Geometry, "simplified": b.Simplified} {
		if o := mp[0][0].Orientation(); o != orb.CCW {
			t.Errorf("%s outer ring orientation %v, want anticlockwise", name, o)
		}
		if o := mp[0][1].Orientation(); o != orb.CW {
			t.Errorf("%s hole orientation %v, want clockwise", name, o)
		}
	}
	if !b.Area().Contains(0.5, 0.5) || b.Area().Contains(1.5, 1.5) {
		t.Error("the hole is not a hole")
	}
}

func TestNilSet(t *testing.T) {
	var s *Set
	if _, ok := s.Get("south-wales"); ok || s.Len() != 0 || s.List() != nil {
		t.Error("a nil Set holds boundaries")
	}
}

func FuzzParseKML(f *testing.F) {
	f.Add(kml(`<Placemark>` + square + `</Placemark>`))
	f.Add(kml(`<Placemark><name>x</name><MultiGeometry>` + square + `<Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 4,0 4,4 0,0</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>1,1 2,1 2,2 1,1</coordinates></LinearRing></innerBoundaryIs></Polygon></MultiGeometry></Placemark>`))
	f.Add(`<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,x</coordinates>`)
	if b, err := os.ReadFile(southWales); err == nil {
		f.Add(string(b[:2000]))
	}
	f.Fuzz(func(t *testing.T, doc string) {
		pms, err := ParseKML(strings.NewReader(doc))
		if err != nil {
			if pms != nil {
				t.Fatal("placemarks with an error")
			}
			return
		}
		if len(pms) == 0 {
			t.Fatal("no placemarks and no error")
		}
		for _, pm := range pms {
			if len(pm.Polygons) == 0 {
				t.Fatal("a placemark without polygons")
			}
			for _, poly := range pm.Polygons {
				for _, r := range poly {
					if len(r) < 4 || !r.Closed() {
						t.Fatalf("ring %v: want closed with at least 4 points", r)
					}
					for _, p := range r {
						if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
							t.Fatalf("point %v out of range", p)
						}
					}
				}
			}
			// Building a boundary (validation, simplification) must not
			// panic either; degenerate rings may fail it.
			_, _ = New("fuzz", []Placemark{pm})
		}
	})
}
