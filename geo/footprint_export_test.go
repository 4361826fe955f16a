package geo

import "unsafe"

// ColumnBytes is the memory one column or index of a Dataset holds,
// capacity included.
type ColumnBytes struct {
	Name  string
	Bytes int
}

func capBytes[T any](s []T) int {
	var z T
	return cap(s) * int(unsafe.Sizeof(z))
}

// Footprint lists the Dataset's columns and indexes with their sizes, for
// the memory benchmarks. Maps and the R-tree are not listed: the caller
// takes them as the rest of the heap.
func Footprint(d *Dataset) []ColumnBytes {
	strs := capBytes(d.strs)
	for _, s := range d.strs {
		strs += len(s)
	}
	return []ColumnBytes{
		{"month", capBytes(d.month)},
		{"cat", capBytes(d.cat)},
		{"force", capBytes(d.force)},
		{"outcome", capBytes(d.outcome)},
		{"ordLow", capBytes(d.ordLow)},
		{"crime id directory (forceKey, unitKey, samples)", capBytes(d.forceKey) + capBytes(d.unitKey) + capBytes(d.unitSampleStart) + capBytes(d.unitSample)},
		{"hasID+idRank", capBytes(d.hasID) + capBytes(d.idRank)},
		{"ids", capBytes(d.ids)},
		{"byID", capBytes(d.byID.packed) + capBytes(d.byID.dir)},
		{"hist", capBytes(d.hist) + capBytes(d.histStart) + capBytes(d.histOne) + capBytes(d.histOneRank) + capBytes(d.histOneEv)},
		{"points (lon, lat, street, LSOA, cell, start, ids)", capBytes(d.ptLon) + capBytes(d.ptLat) + capBytes(d.ptStreet) + capBytes(d.ptLSOACode) + capBytes(d.ptLSOAName) + capBytes(d.ptCell) + capBytes(d.ptStart) + capBytes(d.ptID) + capBytes(d.ptByID)},
		{"strings", strs},
		{"months, stops", capBytes(d.months) + capBytes(d.stops.rows) + capBytes(d.stops.terms) + capBytes(d.stops.off) + len(d.stops.text)},
	}
}

// FootprintCounts returns the counts the footprint depends on.
func FootprintCounts(d *Dataset) (ids, hist, points, other, ctx int) {
	return len(d.ids), len(d.hist) + len(d.histOneEv), len(d.ptLon), len(d.other), len(d.ctx)
}
