package tiles

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// The cluster hierarchy and count tables cost a national year about 5 s to
// build, most of a start from a snapshot, so they are stored in it as a
// part. The R-trees of the levels are the library's layout: their boxes
// are stored and inserted again on open, in the order the build inserts
// them, which gives the same trees.

const snapshotPartName = "tiles/clusters"

// snapshotPartLayout is the layout of the part; raise it when the part
// changes what it holds.
const snapshotPartLayout = 5

// errOtherOptions marks a stored index built with other options, which is
// rebuilt rather than used.
var errOtherOptions = errors.New("tiles: stored cluster index built with other options")

// SnapshotPart returns the index as a part of its dataset's snapshot; see
// geo.SnapshotPart. The options that shape the hierarchy and the tables
// are recorded: an index wanted with others is built again.
func (ix *Index) SnapshotPart() geo.SnapshotPart {
	var w geo.PartWriter
	w.Uint64(snapshotPartLayout)
	ix.putOptions(&w)
	w.Uint64(uint64(len(ix.levels)))
	geo.PutColumn(&w, ix.perm)
	boxes := make([][]float32, len(ix.levels))
	parallel.Each(len(ix.levels), func(z int) { boxes[z] = ix.boxes(z) })
	for z := range ix.levels {
		lv := &ix.levels[z]
		geo.PutColumn(&w, lv.child)
		geo.PutColumn(&w, lv.first)
		geo.PutColumn(&w, lv.table)
		geo.PutColumn(&w, boxes[z])
	}
	w.Uint64(uint64(len(ix.tabN)))
	for r := range ix.tabN {
		geo.PutColumn(&w, ix.tabN[r])
		geo.PutColumn(&w, ix.tabX[r])
		geo.PutColumn(&w, ix.tabY[r])
	}
	return geo.SnapshotPart{Name: snapshotPartName, Data: w.Bytes()}
}

func (ix *Index) putOptions(w *geo.PartWriter) {
	o := ix.opt
	w.Uint64(uint64(o.CrimesZoom))
	w.Uint64(math.Float64bits(o.Radius))
	w.Uint64(math.Float64bits(o.TileSize))
	w.Uint64(uint64(o.TableBytes))
	w.Uint64(uint64(o.MinTableCrimes))
	w.Uint64(uint64(o.TableZoom))
	w.Uint64(math.Float64bits(o.TableBytesPerCrime))
}

// readPart installs a stored hierarchy and its tables, in place. It
// returns errOtherOptions for an index built with other options, and an
// error wrapping geo.ErrSnapshotCorrupt for one that does not fit the
// dataset; the index is then left for a build.
func (ix *Index) readPart(b []byte) error {
	r := geo.NewPartReader(b, "tile cluster index")
	if layout := r.Uint64(); layout != snapshotPartLayout {
		return fmt.Errorf("%w: layout %d", errOtherOptions, layout)
	}
	var want geo.PartWriter
	ix.putOptions(&want)
	w := want.Bytes()
	for k := 0; k < len(w); k += 8 {
		if r.Uint64() != binary.LittleEndian.Uint64(w[k:]) {
			return errOtherOptions
		}
	}
	nl := r.Uint64()
	if nl != uint64(ix.opt.CrimesZoom) {
		return fmt.Errorf("%w: %d levels for crimes zoom %d", geo.ErrSnapshotCorrupt, nl, ix.opt.CrimesZoom)
	}
	perm := geo.Column[geo.PointID](r)
	levels := make([]level, nl)
	boxes := make([][]float32, nl)
	for z := range levels {
		lv := &levels[z]
		lv.child, lv.first, lv.table = geo.Column[uint32](r), geo.Column[uint32](r), geo.Column[int32](r)
		boxes[z] = geo.Column[float32](r)
	}
	rows := len(ix.months) + 1
	if nr := r.Uint64(); nr != uint64(rows) {
		return fmt.Errorf("%w: count tables of %d rows for %d months", geo.ErrSnapshotCorrupt, nr, len(ix.months))
	}
	tabN, tabX, tabY := make([][]uint32, rows), make([][]uint64, rows), make([][]uint64, rows)
	for k := range rows {
		tabN[k], tabX[k], tabY[k] = geo.Column[uint32](r), geo.Column[uint64](r), geo.Column[uint64](r)
	}
	if err := r.Err(); err != nil {
		return err
	}
	for k := range rows {
		if len(tabN[k]) != len(tabN[0]) || len(tabX[k]) != len(tabN[0]) || len(tabY[k]) != len(tabN[0]) {
			return fmt.Errorf("%w: count table row %d of %d, %d and %d values, row 0 of %d", geo.ErrSnapshotCorrupt, k, len(tabN[k]), len(tabX[k]), len(tabY[k]), len(tabN[0]))
		}
	}
	if err := ix.checkPart(perm, levels, boxes, len(tabN[0])); err != nil {
		return err
	}
	ix.perm, ix.levels, ix.tabN, ix.tabX, ix.tabY = perm, levels, tabN, tabX, tabY
	ix.ntab = len(tabN[0]) / ix.ncat
	ix.markTabledBelow()
	parallel.Each(len(ix.levels), func(z int) { ix.fillTree(z, boxes[z]) })
	return nil
}

// checkPart checks that a stored hierarchy fits the dataset, so that no
// lookup of a tile can fall outside a column.
func (ix *Index) checkPart(perm []geo.PointID, levels []level, boxes [][]float32, rowLen int) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: tile cluster index: %s", geo.ErrSnapshotCorrupt, fmt.Sprintf(format, a...))
	}
	np := ix.ds.NumPoints()
	if len(perm) != np {
		return bad("%d points in the order, %d in the dataset", len(perm), np)
	}
	seen := make([]bool, np)
	for _, p := range perm {
		if int(p) >= np || seen[p] {
			return bad("point order is not a permutation")
		}
		seen[p] = true
	}
	if ix.ncat == 0 || rowLen%ix.ncat != 0 {
		return bad("count table rows of %d values", rowLen)
	}
	tables := rowLen / ix.ncat
	for z := range levels {
		lv := &levels[z]
		n := len(lv.first) - 1
		below := np // clusters of the next level, or points
		if z+1 < len(levels) {
			below = len(levels[z+1].first) - 1
		}
		if n < 0 || len(lv.child) != n+1 || len(lv.table) != n || len(boxes[z]) != 4*n {
			return bad("level %d has columns of different lengths", z)
		}
		if !monotone(lv.child, below) || !monotone(lv.first, np) {
			return bad("level %d ranges out of order", z)
		}
		if slices.ContainsFunc(lv.table, func(t int32) bool { return t < -1 || int(t) >= tables }) {
			return bad("level %d names a table beyond the %d", z, tables)
		}
	}
	return nil
}

// monotone reports whether s runs from 0 to end without going down.
func monotone(s []uint32, end int) bool {
	return len(s) > 0 && s[0] == 0 && int(s[len(s)-1]) == end && slices.IsSorted(s)
}
