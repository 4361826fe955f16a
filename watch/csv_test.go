package watch

import (
	"errors"
	"strings"
	"testing"

	"crimemap/fault"
)

func TestParseSchemes(t *testing.T) {
	in := "name,description,lat,lng,radius_m,wkt,force,status\n" +
		"Green,Around the green,52.63,-1.13,400,,leicestershire,active\n" +
		"Square,,,,,\"POLYGON((-1.14 52.63,-1.13 52.63,-1.13 52.64,-1.14 52.63))\",leicestershire,\n" +
		"Multi,,,,,\"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((2 2,3 2,3 3,2 2)))\",metropolitan,closed\n" +
		"NoRadius,,52.63,-1.13,,,leicestershire,active\n" +
		"Point,,,,,POINT(1 2),leicestershire,active\n" +
		",,52.63,-1.13,400,,leicestershire,active\n" +
		"\"Two\nlines\",,52.63,-1.13,400,,leicestershire,bogus\n" +
		"Both,,52.63,-1.13,400,\"POLYGON((0 0,1 0,1 1,0 0))\",leicestershire,active\n"
	got, errs := ParseSchemes(strings.NewReader(in))
	if len(got) != 3 {
		t.Fatalf("%d schemes, want 3: %+v", len(got), got)
	}
	if got[0].Area.RadiusM != 400 || got[0].Area.Centre[1] != 52.63 || got[0].Status != SchemeActive {
		t.Errorf("circle: %+v", got[0])
	}
	if got[1].Status != SchemePending || len(got[1].Area.Polygon) != 1 {
		t.Errorf("polygon, status defaulted: %+v", got[1])
	}
	if len(got[2].Area.Polygon) != 2 || got[2].Status != SchemeClosed {
		t.Errorf("multipolygon: %+v", got[2])
	}
	wantLines := []int{5, 6, 7, 8, 10}
	if len(errs) != len(wantLines) {
		t.Fatalf("errors %v, want lines %v", errs, wantLines)
	}
	for i, err := range errs {
		var le *LineError
		if !errors.As(err, &le) || le.Line != wantLines[i] || !fault.Is(err, fault.Invalid) {
			t.Errorf("error %d: %v, want line %d, invalid", i, err, wantLines[i])
		}
	}
}

func TestParseSchemesHeader(t *testing.T) {
	for _, in := range []string{"", "name,force,colour\n", "name,name,force\n", "name,lat\n", "\"unclosed\n"} {
		got, errs := ParseSchemes(strings.NewReader(in))
		if len(got) != 0 || len(errs) != 1 {
			t.Errorf("%q: %v, %v; want one error", in, got, errs)
			continue
		}
		var le *LineError
		if !errors.As(errs[0], &le) || le.Line != 1 {
			t.Errorf("%q: %v, want line 1", in, errs[0])
		}
	}
}

func TestParseSchemesBOMAndOrder(t *testing.T) {
	got, errs := ParseSchemes(strings.NewReader("\ufeffforce,radius_m,lng,lat,name\nkent,100,0.5,51.2,Oak\n"))
	if len(errs) != 0 || len(got) != 1 || got[0].Name != "Oak" || got[0].Area.Centre[0] != 0.5 {
		t.Fatalf("%+v %v", got, errs)
	}
}

func TestParseSchemesRowLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,force,lat,lng,radius_m\n")
	for range MaxImportRows + 1 {
		b.WriteString("a,kent,51,0,100\n")
	}
	got, errs := ParseSchemes(strings.NewReader(b.String()))
	if len(got) != MaxImportRows || len(errs) != 1 || !fault.Is(errs[0], fault.TooLarge) {
		t.Fatalf("%d schemes, errors %v", len(got), errs)
	}
}

func FuzzParseSchemes(f *testing.F) {
	f.Add("name,lat,lng,radius_m,force,status\nGreen,52.6,-1.1,400,leicestershire,active\n")
	f.Add("name,wkt,force\nSq,\"POLYGON((0 0,1 0,1 1,0 0))\",kent\n")
	f.Add("name,wkt,force\nM,\"MULTIPOLYGON(((0 0,1 0,1 1,0 0)))\",kent\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, _ := ParseSchemes(strings.NewReader(in))
		for _, s := range got {
			if err := s.Validate(); err != nil {
				t.Fatalf("returned an invalid scheme: %v", err)
			}
		}
	})
}
