package tiles

import (
	"cmp"
	"slices"

	"crimemap/geo"
)

// Layer names.
const (
	LayerCrimes   = "crimes"
	LayerClusters = "clusters"
)

// Index renders vector tiles of one Dataset. It is immutable and safe for
// concurrent use.
type Index struct {
	ds     *geo.Dataset
	opt    Options
	levels []level // zooms 0..CrimesZoom-1
	perm   []geo.PointID
	ptX    []float64 // world position by PointID
	ptY    []float64
	// The fixed-point position (see fixed) of perm[i], x at 2i and y at
	// 2i+1: a cluster's points are a run of perm, so a scan reads their
	// positions in a row rather than from two arrays by PointID.
	permXY []uint32
	// For each part of the dataset, the points of perm with crimes in it,
	// in perm order, where fewer than half the points have any (a month a
	// reload appended); nil for the other parts (see partRuns).
	runs []*runList

	months []geo.Month
	ncat   int
	slugs  []string
	// Count tables, by row: rows 0..len(months), row m covering months[:m]
	// cumulatively. Row r of table t is tabN[r][t*ncat:(t+1)*ncat], ncat
	// counts, with their count-weighted sums of world coordinates (fixed
	// point, see agg) at the same place in tabX[r] and tabY[r]. Rows are
	// slices of their own so that an extended index shares the rows of the
	// index it extends, adding only its new months' rows.
	tabN [][]uint32
	tabX [][]uint64
	tabY [][]uint64
	ntab int
	// Crimes before each month, from the first (see monthShares).
	monthCum   []uint64
	firstMonth geo.Month
	crimeKeys  []keySlot
	clustKeys  []keySlot

	memoDepthZ int // deepest zoom with per-filter sums, see memo.go
	memo       memoCache
}

// keySlot is one property key of a layer: a category or a fixed field.
type keySlot struct {
	name string
	cat  int // category index, or -1
}

// Fixed property names.
const (
	propCount      = "count"
	propLocationID = "location_id"
	propStreet     = "street"
	propClusterID  = "cluster_id"
	propPointCount = "point_count"
	propAbbrev     = "point_count_abbreviated"
)

// NewIndex clusters the snap points of ds for every zoom below
// opt.CrimesZoom and precomputes the count tables. It takes about a second
// per million snap points.
func NewIndex(ds *geo.Dataset, opt Options) *Index {
	ix := newBase(ds, opt.withDefaults(), nil)
	// A snapshot's stored hierarchy and tables serve when they were built
	// with these options; otherwise they are built again.
	if b := ds.SnapshotPart(snapshotPartName); b == nil || ix.readPart(b) != nil {
		ix.build()
		ix.buildTables()
	}
	ix.finish()
	return ix
}

// newBase returns an index of ds without levels or tables: its options,
// keys and point positions, those of the points of prev (when not nil)
// copied rather than projected again.
func newBase(ds *geo.Dataset, opt Options, prev *Index) *Index {
	ix := &Index{ds: ds, opt: opt, months: ds.Months(), ncat: ds.Categories().Len()}
	for c := 0; c < ix.ncat; c++ {
		ix.slugs = append(ix.slugs, ds.Categories().Term(c).Slug)
	}
	ix.crimeKeys = ix.keySlots(propCount, propLocationID, propStreet)
	ix.clustKeys = ix.keySlots(propClusterID, propPointCount, propAbbrev)
	np := ds.NumPoints()
	ix.ptX, ix.ptY = make([]float64, np), make([]float64, np)
	from := 0
	if prev != nil {
		from = copy(ix.ptX, prev.ptX)
		copy(ix.ptY, prev.ptY)
	}
	for p := from; p < np; p++ {
		ix.ptX[p], ix.ptY[p] = Project(ds.PointLonLat(geo.PointID(p)))
	}
	return ix
}

// finish derives what the levels and tables imply.
func (ix *Index) finish() {
	ix.permXY = make([]uint32, 2*len(ix.perm))
	for i, p := range ix.perm {
		x, y := ix.fixedAt(p)
		ix.permXY[2*i], ix.permXY[2*i+1] = uint32(x), uint32(y)
	}
	ix.partRuns(runsShare)
	ix.monthShares()
	ix.memoDepthZ = ix.memoDepth()
}

func (ix *Index) keySlots(fixed ...string) []keySlot {
	var ks []keySlot
	seen := map[string]bool{}
	for _, f := range fixed {
		ks = append(ks, keySlot{f, -1})
		seen[f] = true
	}
	for c, s := range ix.slugs {
		if !seen[s] {
			ks = append(ks, keySlot{s, c})
			seen[s] = true
		}
	}
	slices.SortFunc(ks, func(a, b keySlot) int { return cmp.Compare(a.name, b.name) })
	return ks
}

// Options returns the options the index was built with, defaults filled in.
func (ix *Index) Options() Options { return ix.opt }

// Dataset returns the dataset the index renders.
func (ix *Index) Dataset() *geo.Dataset { return ix.ds }
