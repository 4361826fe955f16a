package locate_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crimemap/boundary"
	"crimemap/locate"
	"crimemap/neighbourhood"
)

// squareKML is a neighbourhood boundary over lng -1.42..-1.38, lat
// 50.90..50.95, which overlaps the SO14 team data's box.
const squareKML = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark><name>From KML</name><Polygon>
<outerBoundaryIs><LinearRing><coordinates>-1.42,50.90 -1.38,50.90 -1.38,50.95 -1.42,50.95 -1.42,50.90</coordinates></LinearRing></outerBoundaryIs>
</Polygon></Placemark></Document></kml>`

func TestBuild(t *testing.T) {
	teams, _, err := neighbourhood.LoadDir(context.Background(), "../neighbourhood/testdata/api")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"hampshire/SO14.kml", "hampshire/Extra Ward.kml", "hampshire.kml", "force kmls/hampshire.kml"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(squareKML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kml, err := boundary.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, sum, err := locate.Build(teams, kml)
	if err != nil {
		t.Fatal(err)
	}
	// The force boundaries are no neighbourhoods; SO14's KML replaces its
	// boundary.json; Extra Ward has no team data.
	if sum.Regions != 2 || sum.FromKML != 2 || sum.FromTeam != 0 {
		t.Errorf("summary %+v", sum)
	}
	if want := []string{"hampshire/Extra Ward"}; !slices.Equal(sum.NoTeam, want) {
		t.Errorf("NoTeam %q, want %q", sum.NoTeam, want)
	}
	for _, want := range []string{"hampshire/Bargate Ward", "hampshire/SO15", "leicestershire/NC04"} {
		if !slices.Contains(sum.NoBoundary, want) {
			t.Errorf("NoBoundary %q lacks %q", sum.NoBoundary, want)
		}
	}
	// Inside the KML square but outside SO14's boundary.json: the KML's.
	// Both neighbourhoods hold it; "Extra Ward" sorts before "SO14".
	reg, err := l.Locate(50.94, -1.40)
	if err != nil || reg.ID != "Extra Ward" || reg.Name != "From KML" {
		t.Errorf("Locate = %+v, %v", reg, err)
	}
	// The team data names a neighbourhood that has it.
	for _, r := range l.Regions() {
		if r.ID == "SO14" && r.Name != "Southampton City Centre" {
			t.Errorf("SO14 named %q", r.Name)
		}
	}

	// Team data alone: SO14 from boundary.json.
	l, sum, err = locate.Build(teams, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Regions != 1 || sum.FromTeam != 1 {
		t.Errorf("summary %+v", sum)
	}
	if _, err := l.Locate(50.94, -1.40); err == nil {
		t.Error("located a point outside SO14's boundary.json")
	}
	if reg, err := l.Locate(50.90, -1.40); err != nil || reg.ID != "SO14" {
		t.Errorf("Locate = %+v, %v", reg, err)
	}
}
