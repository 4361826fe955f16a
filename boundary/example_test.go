package boundary_test

import (
	"fmt"
	"strings"

	"crimemap/boundary"
)

func ExampleParseKML() {
	doc := `<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark>
	<name>Riverside</name>
	<Polygon>
	  <outerBoundaryIs><LinearRing><coordinates>-3.19,51.47,0 -3.17,51.47,0 -3.17,51.49,0 -3.19,51.49,0 -3.19,51.47,0</coordinates></LinearRing></outerBoundaryIs>
	  <innerBoundaryIs><LinearRing><coordinates>-3.185,51.475,0 -3.18,51.475,0 -3.18,51.48,0 -3.185,51.475,0</coordinates></LinearRing></innerBoundaryIs>
	</Polygon></Placemark></Document></kml>`
	pms, err := boundary.ParseKML(strings.NewReader(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pms[0].Name, len(pms[0].Polygons), "polygon with", len(pms[0].Polygons[0]), "rings")
	// Output: Riverside 1 polygon with 2 rings
}

func ExampleLoad() {
	set, err := boundary.Load("../testdata/boundaries")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range set.List() {
		fmt.Println(b.ID, "|", b.Name, "|", boundary.Vertices(b.Geometry), "vertices")
	}
	b, _ := set.Get("south-wales")
	fmt.Println("Cardiff inside:", b.Area().Contains(-3.1791, 51.4816))
	// Output:
	// south-wales | South Wales Police | 26503 vertices
	// Cardiff inside: true
}
