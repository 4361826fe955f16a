package tiles

import (
	"fmt"
	"strconv"

	"crimemap/geo"
)

// ErrClusterNotFound is returned for a cluster id that names no cluster of
// the index, or a cluster with no crime passing the filter. It wraps
// geo.ErrNotFound.
var ErrClusterNotFound = fmt.Errorf("cluster %w", geo.ErrNotFound)

// A cluster id packs the zoom where the cluster was formed (5 bits) and its
// index at that zoom, like Supercluster's ids. A cluster that passes
// unchanged through several zooms has one id: the one of its deepest zoom.
// Snap points are the level below the deepest cluster zoom. Ids are only
// meaningful for one dataset version and options.
const idLevelBits = 5

func (ix *Index) clusterID(z, i int) uint64 {
	z, i = ix.origin(z, i)
	return uint64(i)<<idLevelBits | uint64(z)
}

// origin follows a cluster down while it has a single child.
func (ix *Index) origin(z, i int) (int, int) {
	for z < len(ix.levels) {
		lv := &ix.levels[z]
		if lv.child[i+1]-lv.child[i] != 1 {
			break
		}
		z, i = z+1, int(lv.child[i])
	}
	return z, i
}

// ParseClusterID parses a decimal cluster id and checks that it names a
// cluster of the index.
func (ix *Index) ParseClusterID(s string) (uint64, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: id %q", ErrClusterNotFound, s)
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: id %q", ErrClusterNotFound, s)
	}
	if _, _, err := ix.unpack(id); err != nil {
		return 0, err
	}
	return id, nil
}

// unpack returns the level and index of an id; level len(levels) is the
// snap points, indexed in perm order.
func (ix *Index) unpack(id uint64) (z, i int, err error) {
	z, n := int(id&(1<<idLevelBits-1)), id>>idLevelBits
	switch {
	case z < len(ix.levels) && n < uint64(len(ix.levels[z].first)-1):
	case z == len(ix.levels) && n < uint64(len(ix.perm)):
	default:
		return 0, 0, fmt.Errorf("%w: id %d", ErrClusterNotFound, id)
	}
	if got := ix.clusterIDAt(z, int(n)); got != id {
		// Not an origin: the same cluster is known by a deeper id.
		return 0, 0, fmt.Errorf("%w: id %d", ErrClusterNotFound, id)
	}
	return z, int(n), nil
}

func (ix *Index) clusterIDAt(z, i int) uint64 {
	if z == len(ix.levels) {
		return uint64(i)<<idLevelBits | uint64(z)
	}
	return ix.clusterID(z, i)
}

// count returns the filtered crime count of cluster i at level z, where
// level len(levels) is the snap points.
func (ix *Index) count(a *agg, z, i int, f *geo.Filter, q *query) uint32 {
	if z == len(ix.levels) {
		a.reset(ix.ncat)
		ix.addPoint(a, ix.perm[i], f)
		return a.total
	}
	ix.clusterAgg(a, z, i, f, q)
	return a.total
}

// ExpansionZoom returns the zoom at which the cluster splits into more than
// one feature for the crimes passing f (nil for all), as Supercluster's
// getClusterExpansionZoom does. A single snap point expands at CrimesZoom,
// where it is shown as a crime location. It returns ErrClusterNotFound for
// an unknown id or a cluster without crimes passing f.
func (ix *Index) ExpansionZoom(id uint64, f *geo.Filter) (int, error) {
	if f == nil {
		f = &geo.Filter{}
	}
	z, i, err := ix.unpack(id)
	if err != nil {
		return 0, err
	}
	q := ix.newQuery(f)
	var a agg
	if ix.count(&a, z, i, f, &q) == 0 {
		return 0, fmt.Errorf("%w: id %d has no crimes for the filter", ErrClusterNotFound, id)
	}
	for z < len(ix.levels) {
		lv := &ix.levels[z]
		only, live := -1, 0
		for c := int(lv.child[i]); c < int(lv.child[i+1]) && live < 2; c++ {
			if ix.count(&a, z+1, c, f, &q) > 0 {
				only = c
				live++
			}
		}
		if live > 1 {
			return z + 1, nil
		}
		z, i = z+1, only
	}
	return ix.opt.CrimesZoom, nil
}

// Leaf is one snap point of a cluster with its crimes passing the filter.
type Leaf struct {
	Point geo.PointID
	Count int
	// ByCategory holds the count of each category, indexed by geo.Category.
	ByCategory []int
}

// Leaves returns the snap points of a cluster that have crimes passing f
// (nil for all), skipping offset of them and returning at most limit, in a
// fixed order, like Supercluster's getLeaves. It also returns how many
// there are in all. It returns ErrClusterNotFound for an unknown id.
func (ix *Index) Leaves(id uint64, f *geo.Filter, limit, offset int) ([]Leaf, int, error) {
	if f == nil {
		f = &geo.Filter{}
	}
	z, i, err := ix.unpack(id)
	if err != nil {
		return nil, 0, err
	}
	pts := ix.perm[i : i+1]
	if z < len(ix.levels) {
		lv := &ix.levels[z]
		pts = ix.perm[lv.first[i]:lv.first[i+1]]
	}
	var a agg
	var out []Leaf
	total := 0
	for _, p := range pts {
		a.reset(ix.ncat)
		ix.addPoint(&a, p, f)
		if a.total == 0 {
			continue
		}
		if total >= offset && len(out) < limit {
			l := Leaf{Point: p, Count: int(a.total), ByCategory: make([]int, ix.ncat)}
			for c, n := range a.byCat {
				l.ByCategory[c] = int(n)
			}
			out = append(out, l)
		}
		total++
	}
	return out, total, nil
}
