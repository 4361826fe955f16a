package geo

import (
	"fmt"

	"crimemap/fault"
)

// H3 aggregation.
//
// A crime belongs to the H3 cell at resolution N that contains its snap point
// (h3 latLngToCell at N). That is not always the resolution-N ancestor of the
// point's FinestRes cell: H3 children are not nested inside their parent's
// boundary, and for about 6.5% of points the ancestor is a neighbouring cell.
// Counting by ancestor would put those crimes in a hexagon they are not drawn
// in, so each resolution gets its own cell column, computed once per dataset
// on first use (about 1.3 us of cgo per snap point, spread over all cores;
// PrepareHex does it ahead). Up to CubeMaxRes, counts by cell, month and
// category are also kept, so the whole country at a coarse resolution is a
// walk over cells rather than crimes.

// Errors returned by the hex queries.
var (
	// ErrBadRes is returned for a resolution outside 0..FinestRes.
	ErrBadRes = fault.New(fault.Invalid, "H3 resolution must be 0..13")
	// ErrBadCell is returned for a string or index that is not a valid H3 cell.
	ErrBadCell = fault.New(fault.Invalid, "not a valid H3 cell")
	// ErrTooManyCells is wrapped by CellLimitError.
	ErrTooManyCells = fault.New(fault.TooLarge, "too many H3 cells")
)

// CellLimitError reports a hex query whose answer exceeds its cell limit.
type CellLimitError struct {
	Res   int // the resolution asked for
	Cells int // cells the answer would have had (at least)
	Limit int
	// Fits is the finest coarser resolution whose answer fits the limit, or
	// -1 when even resolution 0 does not.
	Fits int
}

func (e *CellLimitError) Error() string {
	if e.Fits < 0 {
		return fmt.Sprintf("%d cells at resolution %d exceed the limit of %d", e.Cells, e.Res, e.Limit)
	}
	return fmt.Sprintf("%d cells at resolution %d exceed the limit of %d; resolution %d fits", e.Cells, e.Res, e.Limit, e.Fits)
}

// Unwrap makes errors.Is(err, ErrTooManyCells) true.
func (e *CellLimitError) Unwrap() error { return ErrTooManyCells }
