package geo

// CircleCells returns how many cells a count over c reads from the
// precomputed counts rather than crime by crime.
func CircleCells(d *Dataset, c *Circle) int {
	cc := d.circleCells(c)
	if cc == nil {
		return 0
	}
	defer cc.release()
	return len(cc.idx)
}
