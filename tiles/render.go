package tiles

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"crimemap/geo"
)

// feature is one point of a tile before encoding.
type feature struct {
	wx, wy float64
	id     uint64
	hasID  bool
	point  geo.PointID // layer crimes
	total  uint32
	byCat  []uint32
}

// Tile renders tile z/x/y for the crimes passing f (nil for all) and returns
// its uncompressed MVT bytes, or nil when no crime of the tile passes. The
// bytes depend only on the dataset, the options, the tile and the filter. It
// returns ErrBadTile for a tile out of range and ctx's error if it is done.
func (ix *Index) Tile(ctx context.Context, z, x, y int, f *geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y, MaxZoom); err != nil {
		return nil, err
	}
	if f == nil {
		f = &geo.Filter{}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	feats, layer := ix.features(z, x, y, f)
	if len(feats) == 0 {
		return nil, nil
	}
	if len(feats) > ix.opt.MaxFeatures {
		feats, layer = ix.merge(z, x, y, feats, layer, ix.opt.MaxFeatures), LayerClusters
	}
	for {
		b := ix.encode(z, x, y, layer, feats)
		if len(b) <= ix.opt.MaxBytes || len(feats) == 1 {
			return b, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
		}
		// Shrink the feature budget in proportion to the overshoot.
		limit := int(float64(len(feats)) * float64(ix.opt.MaxBytes) / float64(len(b)) * 0.9)
		feats, layer = ix.merge(z, x, y, feats, layer, max(limit, 1)), LayerClusters
	}
}

// features collects the features owned by the tile, in a fixed order.
func (ix *Index) features(z, x, y int, f *geo.Filter) ([]feature, string) {
	q := ix.newQuery(f)
	if !q.tables && z <= ix.memoDepthZ {
		q.memo = ix.memoFor(f)
	}
	x0, y0, x1, y1 := WorldBound(z, x, y)
	owns := func(wx, wy float64) bool { return wx >= x0 && wx < x1 && wy >= y0 && wy < y1 }
	var feats []feature
	var a agg
	if z >= ix.opt.CrimesZoom {
		b := TileBound(z, x, y)
		// Widen the lon/lat box a little: ownership is decided in world
		// coordinates, and a point on the edge must not be missed.
		const eps = 1e-9
		b.Min[0], b.Min[1], b.Max[0], b.Max[1] = b.Min[0]-eps, b.Min[1]-eps, b.Max[0]+eps, b.Max[1]+eps
		// Points beyond Mercator's latitude limit are clamped onto the
		// first and last rows of tiles.
		if y == 0 {
			b.Max[1] = 90
		}
		if y == 1<<z-1 {
			b.Min[1] = -90
		}
		var pts []geo.PointID
		ix.ds.SearchBound(b, func(p geo.PointID) bool {
			if owns(ix.ptX[p], ix.ptY[p]) {
				pts = append(pts, p)
			}
			return true
		})
		// In point order, which is the crime table's, the points' crimes
		// are read in ascending order within each part.
		slices.Sort(pts)
		// A dense tile has thousands of points: their features and counts
		// by type are made in two allocations, not one per point.
		feats = make([]feature, 0, len(pts))
		cats := make([]uint32, len(pts)*ix.ncat)
		ix.eachPointAgg(pts, f, &q, func(p geo.PointID, a *agg) {
			if a.total > 0 {
				byCat := cats[:ix.ncat:ix.ncat]
				cats = cats[ix.ncat:]
				copy(byCat, a.byCat)
				feats = append(feats, feature{wx: ix.ptX[p], wy: ix.ptY[p], id: uint64(ix.ds.LocationID(p)), hasID: true,
					point: p, total: a.total, byCat: byCat})
			}
		})
		return feats, LayerCrimes
	}
	lv := &ix.levels[z]
	lo, hi := geo.Bound32(orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}})
	lv.tree.Search(lo, hi, func(bmin, bmax [2]float32, i uint32) bool {
		ix.clusterAgg(&a, z, int(i), f, &q)
		if a.total == 0 {
			return true
		}
		cx, cy := a.centre()
		wx := clamp(cx, float64(bmin[0]), float64(bmax[0]))
		wy := clamp(cy, float64(bmin[1]), float64(bmax[1]))
		if owns(wx, wy) {
			feats = append(feats, feature{wx: wx, wy: wy, id: ix.clusterID(z, int(i)), hasID: true,
				total: a.total, byCat: slices.Clone(a.byCat)})
		}
		return true
	})
	slices.SortFunc(feats, func(a, b feature) int { return cmp.Compare(a.id, b.id) })
	return feats, LayerClusters
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// merge combines features that share a cell of a grid laid over the tile,
// coarsening the grid until at most limit features remain. Merged features
// stay inside the tile, so the tile still owns exactly its crimes.
func (ix *Index) merge(z, x, y int, feats []feature, layer string, limit int) []feature {
	for cell := Extent / 128; ; cell *= 2 {
		idx := map[[2]int]int{}
		var out []feature
		for _, ft := range feats {
			px, py := InTile(z, x, y, ft.wx, ft.wy)
			k := [2]int{px / cell, py / cell}
			j, ok := idx[k]
			if !ok {
				idx[k] = len(out)
				out = append(out, feature{byCat: make([]uint32, ix.ncat)})
				j = len(out) - 1
			}
			m := &out[j]
			m.wx += ft.wx * float64(ft.total)
			m.wy += ft.wy * float64(ft.total)
			m.total += ft.total
			for c, n := range ft.byCat {
				m.byCat[c] += n
			}
			if !ok && layer == LayerClusters {
				// A cell of one cluster keeps its identity.
				m.id, m.hasID = ft.id, ft.hasID
			} else {
				m.hasID = false
			}
		}
		x0, y0, x1, y1 := WorldBound(z, x, y)
		for i := range out {
			m := &out[i]
			m.wx = clamp(m.wx/float64(m.total), x0, math.Nextafter(x1, 0))
			m.wy = clamp(m.wy/float64(m.total), y0, math.Nextafter(y1, 0))
		}
		if len(out) <= limit || cell >= Extent {
			return out
		}
	}
}

// encode writes the features as one MVT layer.
func (ix *Index) encode(z, x, y int, layer string, feats []feature) []byte {
	keys := ix.clustKeys
	if layer == LayerCrimes {
		keys = ix.crimeKeys
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	// Each feature has an id of its own; a point, its street besides.
	streets := 0
	if layer == LayerCrimes {
		streets = len(feats)
	}
	w := newLayerWriter(layer, names, len(feats), streets)
	// Most features take 20 to 60 bytes; growing the buffer showed in
	// profiles.
	w.feats = make([]byte, 0, 48*len(feats))
	// A value takes 4 to 8 bytes, and a street's some 30.
	w.values = make([]byte, 0, 8*len(feats)+32*streets)
	for i := range feats {
		ft := &feats[i]
		for slot, k := range keys {
			if k.cat >= 0 {
				if n := ft.byCat[k.cat]; n > 0 {
					w.uintTag(slot, uint64(n))
				}
				continue
			}
			switch k.name {
			case propCount:
				w.uintTag(slot, uint64(ft.total))
			case propLocationID:
				w.uintTag(slot, uint64(ix.ds.LocationID(ft.point)))
			case propStreet:
				w.strTag(slot, ix.ds.PointStreet(ft.point))
			case propClusterID:
				if ft.hasID {
					w.uintTag(slot, ft.id)
				}
			case propPointCount:
				w.uintTag(slot, uint64(ft.total))
			case propAbbrev:
				if ft.total < 1000 {
					w.uintTag(slot, uint64(ft.total))
				} else {
					w.strTag(slot, Abbreviate(int(ft.total)))
				}
			}
		}
		px, py := InTile(z, x, y, ft.wx, ft.wy)
		w.point(ft.hasID, ft.id, min(max(px, 0), Extent-1), min(max(py, 0), Extent-1))
	}
	return w.tile()
}

// Abbreviate writes a count the way Supercluster's point_count_abbreviated
// does: 1234 -> "1.2k", 12345 -> "12k"; counts under 1000 as digits.
func Abbreviate(n int) string {
	switch {
	case n >= 10000:
		return strconv.Itoa(int(math.Round(float64(n)/1000))) + "k"
	case n >= 1000:
		return strconv.FormatFloat(math.Round(float64(n)/100)/10, 'f', -1, 64) + "k"
	}
	return strconv.Itoa(n)
}
