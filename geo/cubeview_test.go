package geo

import (
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
