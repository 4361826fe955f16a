package geo

// CountByCategory adds the crimes of point p that pass f to byCat, indexed
// by Category (it must have Categories().Len() entries), and returns how
// many there were. Tile rendering calls it for every point of a tile, so it
// reads the columns directly instead of testing crime by crime.
func (d *Dataset) CountByCategory(p PointID, f *Filter, byCat []uint32) uint32 {
	r := d.monthRangeOf(f)
	byCat = byCat[:d.categories.Len()]
	n := uint32(0)
	for _, pt := range d.partsIn(r) {
		s, e := pt.span(p, r)
		n += pt.countByCategory(s, e, f, byCat)
	}
	return n
}

// countByCategory is CountByCategory over the part's crimes [s, e).
func (pt *tablePart) countByCategory(s, e uint32, f *Filter, byCat []uint32) uint32 {
	cats := pt.cat[s:e]
	switch {
	case f.termsFree():
		for _, c := range cats {
			byCat[c]++
		}
		return e - s
	case f.Forces.Empty() && f.Outcomes.Empty():
		n := uint32(0)
		for _, c := range cats {
			if f.Categories.Has(int(c)) {
				byCat[c]++
				n++
			}
		}
		return n
	}
	forces, outcomes := pt.force[s:e], pt.outcome[s:e]
	anyCat, anyForce, anyOutcome := f.Categories.Empty(), f.Forces.Empty(), f.Outcomes.Empty()
	n := uint32(0)
	for i, c := range cats {
		if (anyCat || f.Categories.Has(int(c))) && (anyForce || f.Forces.Has(int(forces[i]))) &&
			(anyOutcome || f.Outcomes.Has(int(outcomes[i]))) {
			byCat[c]++
			n++
		}
	}
	return n
}
