package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/uber/h3-go/v4"
)

// TestAlignCells: a part's cube built on an earlier level, with fewer
// cells, is read through the map from the later level's cells to its own.
func TestAlignCells(t *testing.T) {
	for _, tc := range []struct {
		cells, sub []h3.Cell
		want       []int32
	}{
		{[]h3.Cell{1, 3, 5, 7}, []h3.Cell{3, 7}, []int32{-1, 0, -1, 1}},
		{[]h3.Cell{1, 3}, []h3.Cell{1, 3}, []int32{0, 1}},
		{[]h3.Cell{2, 4}, nil, []int32{-1, -1}},
		{nil, nil, []int32{}},
	} {
		if got := alignCells(tc.cells, tc.sub); !slices.Equal(got, tc.want) {
			t.Errorf("alignCells(%v, %v) = %v, want %v", tc.cells, tc.sub, got, tc.want)
		}
	}
	old := &hexCube{cells: []h3.Cell{3, 7}, start: []uint32{0, 1, 2}, key: []uint32{10 << 8, 10<<8 | 1}, n: []uint32{4, 5}}
	v := viewOf(&hexLevel{cells: []h3.Cell{1, 3, 5, 7}}, []*hexCube{old})
	for i, want := range []uint32{0, 4, 0, 5} {
		got := uint32(0)
		_, ns := v.run(0, i, 0, ^uint32(0))
		for _, n := range ns {
			got += n
		}
		if got != want {
			t.Errorf("level cell %d: %d crimes, want %d", i, got, want)
		}
	}
}

// TestExtendLevel: a level extended by points added to the catalogue is
// the level built over the whole catalogue.
func TestExtendLevel(t *testing.T) {
	// Points scattered over England, some sharing cells.
	rng := rand.New(rand.NewPCG(1, 2))
	np := 3000
	d := &Dataset{ptLon: make([]float64, np), ptLat: make([]float64, np), ptCell: make([]h3.Cell, np)}
	for p := range np {
		d.ptLon[p], d.ptLat[p] = -3+rng.Float64()*3, 51+rng.Float64()*2
		if p%5 == 4 {
			d.ptLon[p], d.ptLat[p] = d.ptLon[p-1]+1e-6, d.ptLat[p-1]
		}
		d.ptCell[p] = h3.LatLngToCell(h3.LatLng{Lat: d.ptLat[p], Lng: d.ptLon[p]}, FinestRes)
	}
	for _, np0 := range []int{0, 1, np / 2, np - 1, np} {
		old := &Dataset{ptLon: d.ptLon[:np0], ptLat: d.ptLat[:np0], ptCell: d.ptCell[:np0]}
		for _, res := range []int{0, 5, 9, FinestRes} {
			got := d.extendLevel(old.buildHexLevel(res, 1), res)
			want := d.buildHexLevel(res, 1)
			if !slices.Equal(got.cells, want.cells) || !slices.Equal(got.of, want.of) {
				t.Errorf("%d of %d points at resolution %d: extended level differs from the built one", np0, np, res)
			}
		}
	}
}
