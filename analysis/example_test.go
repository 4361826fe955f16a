package analysis_test

import (
	"fmt"

	"crimemap/analysis"
)

func ExampleGiStar() {
	// Four cells in a row, every crime in the last one; each cell's
	// neighbourhood is itself and the cells beside it.
	x := []float64{0, 0, 0, 4}
	nbrs := [][]int32{{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}}
	for i, g := range analysis.GiStar(x, nbrs) {
		fmt.Printf("cell %d: z %+.3f p %.3f bin %+d\n", i, g.Z, g.P, g.Bin)
	}
	// Output:
	// cell 0: z -1.000 p 0.317 bin +0
	// cell 1: z -1.732 p 0.083 bin -1
	// cell 2: z +0.577 p 0.564 bin +0
	// cell 3: z +1.000 p 0.317 bin +0
}
