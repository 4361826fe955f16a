package geo

// CellsInside returns how many cells wholly inside c a count reads from the
// precomputed counts rather than crime by crime.
func CellsInside(d *Dataset, c *Circle) int {
	in := d.cellsInside(c)
	if in == nil {
		return 0
	}
	defer in.release()
	return len(in.idx)
}
