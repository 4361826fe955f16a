package geo

import (
	"runtime"
	"testing"
)

// A level keeps only its distinct cells and its per-point index, not the
// per-point array the cells were sorted in: a level is built for each of
// a dozen resolutions and lives as long as its dataset, and at the
// national year that array is 6 MB a level.
func TestHexLevelHoldsOnlyItsCells(t *testing.T) {
	const np = 1 << 18
	d := &Dataset{ptLon: make([]float64, np), ptLat: make([]float64, np)}
	for p := range np {
		d.ptLon[p] = -1.5 + float64(p%512)*0.0001
		d.ptLat[p] = 50.9 + float64(p/512)*0.0001
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	lv := d.buildHexLevel(3, 1)
	held := int64(heap()) - int64(before)
	runtime.KeepAlive(lv)
	runtime.KeepAlive(d)
	if len(lv.cells) > 10 {
		t.Fatalf("%d cells at resolution 3 for points within 6 km", len(lv.cells))
	}
	// The index is 4 bytes a point; the sorted copy would be 8 more.
	if limit := int64(np*4 + np); held > limit {
		t.Errorf("a level of %d cells over %d points holds %d bytes, want at most %d", len(lv.cells), np, held, limit)
	}
}
