package geo

import (
	"fmt"
	"reflect"
	"slices"
)

// UnmatchedRows returns the outcome rows d keeps as matching no crime, as
// text, sorted.
func UnmatchedRows(d *Dataset) []string {
	out := make([]string, len(d.unmatched))
	for i, r := range d.unmatched {
		out[i] = fmt.Sprintf("%x %q %v %d", r.id, r.other, r.month, r.outcome)
	}
	slices.Sort(out)
	return out
}

// LowerRevisedLimit lowers the fewest crimes a part revised in place may
// hold to n, until the test ends.
func LowerRevisedLimit(t interface{ Cleanup(func()) }, n int) {
	old := minRevisedLimit
	minRevisedLimit = n
	t.Cleanup(func() { minRevisedLimit = old })
}

// RevisedCubeSame reports whether part k of d, made again by Revise, has
// its counts at res worked out from the cube of the part it replaced, and
// whether they equal a count of its crimes.
func RevisedCubeSame(d *Dataset, res, k int) (fromOld, same bool) {
	lv := d.hexLevel(res)
	c := revisedCube(d.parts[k], lv, res)
	if c == nil {
		return false, false
	}
	return true, reflect.DeepEqual(c, d.buildHexCube(lv, d.parts[k]))
}
