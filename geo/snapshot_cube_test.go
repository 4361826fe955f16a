package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestCheckHexCube refuses stored hex counts whose lookups would fall
// outside their columns or the query's month and category tables.
func TestCheckHexCube(t *testing.T) {
	d := &Dataset{categories: newVocab(StandardCategories, nil), months: []Month{MakeMonth(2024, 1), MakeMonth(2024, 3)}}
	jan, mar := uint32(MakeMonth(2024, 1))<<8, uint32(MakeMonth(2024, 3))<<8
	good := func() *hexCube {
		return &hexCube{start: []uint32{0, 2, 3}, key: []uint32{jan | 1, mar, jan}, n: []uint32{4, 1, 2}, center: make([]orb.Point, 2)}
	}
	if err := d.checkHexCube(good(), 2); err != nil {
		t.Fatalf("a good cube: %v", err)
	}
	for name, spoil := range map[string]func(c *hexCube){
		"a month the dataset lacks":  func(c *hexCube) { c.key[1] = uint32(MakeMonth(2024, 2)) << 8 },
		"a month past the range":     func(c *hexCube) { c.key[1] = 1 << 24 },
		"an unknown category":        func(c *hexCube) { c.key[0] = jan | uint32(d.categories.Len()) },
		"starts out of order":        func(c *hexCube) { c.start[1] = 4 },
		"starts past the keys":       func(c *hexCube) { c.start[2] = 4 },
		"a count missing":            func(c *hexCube) { c.n = c.n[:2] },
		"a centre missing":           func(c *hexCube) { c.center = c.center[:1] },
		"a start missing":            func(c *hexCube) { c.start = c.start[:2] },
		"a cell's keys out of order": func(c *hexCube) { c.key[0], c.key[1] = c.key[1], c.key[0] },
		"a cell's key twice":         func(c *hexCube) { c.key[1] = c.key[0] },
	} {
		c := good()
		spoil(c)
		if err := d.checkHexCube(c, 2); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
