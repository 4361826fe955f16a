package geo

import (
	"context"
	"errors"
	"testing"

	"crimemap/internal/testsupport"

	"github.com/uber/h3-go/v4"
)

// Valid H3 cells finer than FinestRes: the dataset keeps no column for them.
var (
	cellRes14 = h3.LatLngToCell(h3.NewLatLng(50.9, -1.4), 14)
	cellRes15 = h3.Cell(0x8f195da49a4b6c0)
)

func TestParseCellRejectsResolutionsBeyondFinest(t *testing.T) {
	for _, c := range []h3.Cell{cellRes14, cellRes15} {
		if !c.IsValid() {
			t.Fatalf("test cell %v is not a valid H3 cell", c)
		}
		got, err := ParseCell(c.String())
		if !errors.Is(err, ErrBadCell) {
			t.Errorf("ParseCell(%q) = %v, %v, want ErrBadCell", c.String(), got, err)
		}
	}
}

func TestCountCellsRejectsResolutionsBeyondFinest(t *testing.T) {
	ds, _ := buildFromCSV(t, streetFiles(t, testsupport.HampshireDir(t)))
	for _, c := range []h3.Cell{cellRes14, cellRes15} {
		if _, err := ds.CountCells(context.Background(), []h3.Cell{c}, &Filter{}); !errors.Is(err, ErrBadCell) {
			t.Errorf("CountCells(%v) err = %v, want ErrBadCell", c, err)
		}
	}
}

// FuzzCountCells feeds arbitrary cell indexes, valid or not, of any
// resolution: CountCells answers or returns ErrBadCell, never panics.
func FuzzCountCells(f *testing.F) {
	ds, _ := buildFromCSV(f, streetFiles(f, testsupport.HampshireDir(f)))
	for _, seed := range []struct {
		c uint64
		k uint8
	}{
		{0x89194ad3353ffff, 1}, {uint64(cellRes14), 0}, {uint64(cellRes15), 2}, {0, 0},
		{0x8019fffffffffff, 1}, {0xffffffffffffffff, 0},
	} {
		f.Add(seed.c, seed.k)
	}
	f.Fuzz(func(t *testing.T, v uint64, k uint8) {
		cells := []h3.Cell{h3.Cell(v)}
		if h3.Cell(v).IsValid() && k%4 > 0 && CellRes(h3.Cell(v)) <= FinestRes {
			cells = h3.GridDisk(h3.Cell(v), int(k%4))
		}
		cc, err := ds.CountCells(context.Background(), cells, &Filter{})
		if err != nil {
			if !errors.Is(err, ErrBadCell) {
				t.Fatalf("CountCells(%v): %v is not ErrBadCell", cells, err)
			}
			return
		}
		sum := 0
		for _, n := range cc.Count {
			sum += n
		}
		if sum < cc.Total {
			t.Fatalf("CountCells(%v): cells sum to %d, total %d", cells, sum, cc.Total)
		}
	})
}
