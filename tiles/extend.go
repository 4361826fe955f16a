package tiles

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"crimemap/geo"
	"crimemap/internal/parallel"
)

// ErrNotExtension is returned by Extend for a dataset that is not the
// index's dataset with later months added; such a dataset needs NewIndex.
var ErrNotExtension = errors.New("tiles: dataset does not extend the index's")

// Extend returns the index of ds, which must hold ix's dataset unchanged
// with crimes of later months added, and perhaps new snap points after
// ix's in the point order (geo.Append makes such datasets). ix is left as
// it was, so readers of it are unaffected.
//
// Clusters depend on the points' positions and order alone (see build), so
// the new points join the clusters a build over ds would give them and the
// old points stay where they were. The count tables are cumulative by
// month: each table is extended by the rows of the new months, counted from
// the crimes of those months at its cluster's points, and the clusters that
// had tables keep them. A cluster's position is summed exactly whichever
// clusters have tables, so every tile is byte for byte the tile of
// NewIndex(ds, ix.Options()).
//
// It returns an error wrapping ErrNotExtension where ds does not extend
// ix's dataset: other months before ix's last, points moved or fewer,
// crime categories renamed.
func (ix *Index) Extend(ds *geo.Dataset) (*Index, error) {
	if err := ix.checkExtension(ds); err != nil {
		return nil, err
	}
	nx := newBase(ds, ix.opt, ix)
	var renum [][]uint32
	trees := func() {}
	if len(nx.ptX) == len(ix.perm) {
		nx.shareLevels(ix)
	} else {
		// The tables do not need the trees, so are extended while the
		// trees are filled.
		renum, trees = nx.extendLevels(ix)
	}
	nx.extendTables(ix, renum)
	nx.finish()
	trees()
	return nx, nil
}

// Restated returns the index of ds, which restates ix's dataset (see
// geo.Restate): the same crimes with other last outcomes. The clusters and
// count tables, which count by month and type, are shared; the sums kept
// for filters the tables cannot answer, which may filter by outcome,
// start again. It returns an error wrapping ErrNotExtension where ds does
// not restate ix's dataset.
func (ix *Index) Restated(ds *geo.Dataset) (*Index, error) {
	if !ds.Restates(ix.ds) {
		return nil, fmt.Errorf("%w: the dataset does not restate the index's", ErrNotExtension)
	}
	return ix.sharedWith(ds), nil
}

// Regrouped returns the index of ds, which holds ix's dataset's crimes in
// other parts (see geo.Dataset.Regroups): the clusters and count tables
// are the same, and only where each point's crimes lie changes, which a
// query reads from the dataset. It returns an error wrapping
// ErrNotExtension where ds does not regroup ix's dataset.
func (ix *Index) Regrouped(ds *geo.Dataset) (*Index, error) {
	if !ds.Regroups(ix.ds) {
		return nil, fmt.Errorf("%w: the dataset does not regroup the index's", ErrNotExtension)
	}
	return ix.sharedWith(ds), nil
}

// sharedWith returns the index of ds with ix's clusters and tables.
func (ix *Index) sharedWith(ds *geo.Dataset) *Index {
	nx := newBase(ds, ix.opt, ix)
	nx.levels, nx.perm = ix.levels, ix.perm
	nx.tabN, nx.tabX, nx.tabY, nx.ntab = ix.tabN, ix.tabX, ix.tabY, ix.ntab
	nx.finish()
	return nx
}

func (ix *Index) checkExtension(ds *geo.Dataset) error {
	old := ix.ds
	np := old.NumPoints()
	if ds.NumPoints() < np {
		return fmt.Errorf("%w: %d snap points, the index has %d", ErrNotExtension, ds.NumPoints(), np)
	}
	months := ds.Months()
	if len(months) < len(ix.months) || !slices.Equal(months[:len(ix.months)], ix.months) {
		return fmt.Errorf("%w: its %d months do not begin with the index's %d", ErrNotExtension, len(months), len(ix.months))
	}
	if ds.Categories().Len() < ix.ncat {
		return fmt.Errorf("%w: %d crime categories, the index has %d", ErrNotExtension, ds.Categories().Len(), ix.ncat)
	}
	for c, s := range ix.slugs {
		if got := ds.Categories().Term(c).Slug; got != s {
			return fmt.Errorf("%w: category %d is %q, was %q", ErrNotExtension, c, got, s)
		}
	}
	for p := range np {
		lon, lat := ds.PointLonLat(geo.PointID(p))
		if olon, olat := old.PointLonLat(geo.PointID(p)); lon != olon || lat != olat {
			return fmt.Errorf("%w: snap point %d moved", ErrNotExtension, p)
		}
	}
	return nil
}

// shareLevels gives nx the hierarchy of old, which has the same points:
// the clusters, their order and trees are old's, read-only in both.
func (nx *Index) shareLevels(old *Index) {
	nx.perm = old.perm
	nx.levels = make([]level, len(old.levels))
	for z := range old.levels {
		lv := &old.levels[z]
		nx.levels[z] = level{child: lv.child, first: lv.first, tree: lv.tree}
	}
}

// extendLevels lays out nx's levels from old's with nx's new points added,
// and returns for each level the number in nx of each cluster of old, and
// number's wait for the trees.
func (nx *Index) extendLevels(old *Index) (renum [][]uint32, wait func()) {
	zc := len(old.levels) - 1
	npOld, np := len(old.perm), len(nx.ptX)
	// A cluster is created when the greedy pass meets its seed, which comes
	// before its other members in the point order and, with it, at every
	// zoom; clusters are numbered with each parent's children in creation
	// order, so the seed is the first point of its cluster in perm. Creation
	// order is seed order.
	cre := make([][]uint32, zc+1)
	seeds := make([][]geo.PointID, zc+1)
	at := make([]int32, npOld)
	for i := range at {
		at[i] = -1
	}
	for z := range old.levels {
		lv := &old.levels[z]
		n := len(lv.first) - 1
		for i := range n {
			at[old.perm[lv.first[i]]] = int32(i)
		}
		cre[z] = make([]uint32, n)
		seeds[z] = make([]geo.PointID, 0, n)
		for p, i := range at {
			if i >= 0 {
				cre[z][i] = uint32(len(seeds[z]))
				seeds[z] = append(seeds[z], geo.PointID(p))
				at[p] = -1
			}
		}
	}
	// The parents of the old items of each level, in creation order.
	up := make([][]uint32, zc+1)
	for z := zc; z >= 0; z-- {
		lv := &old.levels[z]
		if z == zc {
			up[z] = make([]uint32, npOld, np)
			for i := range len(lv.first) - 1 {
				for _, p := range old.perm[lv.first[i]:lv.first[i+1]] {
					up[z][p] = cre[z][i]
				}
			}
			continue
		}
		up[z] = make([]uint32, len(cre[z+1]))
		for i := range len(lv.child) - 1 {
			for c := lv.child[i]; c < lv.child[i+1]; c++ {
				up[z][cre[z+1][c]] = cre[z][i]
			}
		}
	}
	// The new items of each level, by their seeds: the new points, then
	// the clusters they seeded, level by level upwards.
	items := make([]geo.PointID, 0, np-npOld)
	for p := npOld; p < np; p++ {
		items = append(items, geo.PointID(p))
	}
	for z := zc; z >= 0; z-- {
		parents, grown := nx.join(seeds[z], items, nx.radius(z))
		up[z] = append(up[z], parents...)
		items = grown[len(seeds[z]):]
		seeds[z] = grown
	}
	nums, wait := nx.number(len(seeds[0]), up)
	renum = cre
	for z := range renum {
		for i, c := range renum[z] {
			renum[z][i] = nums[z][c]
		}
	}
	return renum, wait
}

// join assigns items, in order and after every item of the seeds' level,
// to the clusters of radius r seeded at seeds, as cluster does: an item
// joins the first seed within r, else seeds a cluster of its own. Items and
// seeds are named by their seed points. It returns each item's cluster, in
// creation order, and the seeds with the new ones appended.
func (nx *Index) join(seeds, items []geo.PointID, r float64) (parents []uint32, grown []geo.PointID) {
	grown = slices.Clip(seeds)
	if len(items) == 0 {
		return nil, grown
	}
	pos := func(p geo.PointID) item { return item{x: nx.ptX[p], y: nx.ptY[p]} }
	// Only the cells around the items matter: gather those cells' seeds.
	near := map[uint64][]uint32{}
	for _, p := range items {
		it := pos(p)
		c := cellOf(it.x, it.y, r)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				near[cellAt(uint32(c>>32), uint32(c), dx, dy)] = nil
			}
		}
	}
	for s, p := range seeds {
		it := pos(p)
		c := cellOf(it.x, it.y, r)
		if list, ok := near[c]; ok {
			near[c] = append(list, uint32(s))
		}
	}
	r2 := r * r
	parents = make([]uint32, len(items))
	for j, p := range items {
		o := pos(p)
		c := cellOf(o.x, o.y, r)
		best := uint32(len(grown))
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				for _, s := range near[cellAt(uint32(c>>32), uint32(c), dx, dy)] {
					if s >= best {
						break
					}
					if it := pos(grown[s]); within(&it, &o, r2) {
						best = s
						break
					}
				}
			}
		}
		if best == uint32(len(grown)) {
			grown = append(grown, p)
			near[c] = append(near[c], best)
		}
		parents[j] = best
	}
	return parents, grown
}

// extendTables gives nx the tables of old, at the numbers their clusters
// have in nx, with the rows of nx's new months and any new crime
// categories; renum is extendLevels's, nil where the clusters are old's
// in old's order. Clusters of the zooms up to
// TableZoom that have grown to MinTableCrimes get tables, as a build gives
// them.
func (nx *Index) extendTables(old *Index, renum [][]uint32) {
	type cand struct{ z, i int }
	var cands []cand
	for z := range old.levels {
		for i, t := range old.levels[z].table {
			if t >= 0 {
				for len(cands) <= int(t) {
					cands = append(cands, cand{-1, -1})
				}
				if renum != nil {
					i = int(renum[z][i])
				}
				cands[t] = cand{z, i}
			}
		}
	}
	nOld := len(cands)
	for z := range nx.levels {
		lv := &nx.levels[z]
		lv.table = make([]int32, len(lv.first)-1)
		for i := range lv.table {
			lv.table[i] = -1
		}
	}
	for t, cd := range cands {
		nx.levels[cd.z].table[cd.i] = int32(t)
	}
	// Clusters without a table are small, so counting them is cheap.
	for z := range min(nx.opt.TableZoom+1, len(nx.levels)) {
		lv := &nx.levels[z]
		for i, t := range lv.table {
			if t < 0 && int(nx.crimesOf(z, i)) >= nx.opt.MinTableCrimes {
				lv.table[i] = int32(len(cands))
				cands = append(cands, cand{z, i})
			}
		}
	}
	tr := nx.tableRows()
	oldRows := len(old.tabN)
	if len(cands) == nOld && nx.ncat == old.ncat {
		// The old rows serve as they are: they are never written again.
		nx.ntab = nOld
		nx.tabN, nx.tabX, nx.tabY = slices.Clip(old.tabN), slices.Clip(old.tabX), slices.Clip(old.tabY)
		nx.addRows(tr.n - oldRows)
	} else {
		// Wider rows: copy the old tables into them and fill the new ones.
		nx.allocTables(len(cands))
		parallel.Each(oldRows, func(r int) {
			for t := range nOld {
				from, to := t*old.ncat, t*nx.ncat
				copy(nx.tabN[r][to:to+old.ncat], old.tabN[r][from:from+old.ncat])
				copy(nx.tabX[r][to:to+old.ncat], old.tabX[r][from:from+old.ncat])
				copy(nx.tabY[r][to:to+old.ncat], old.tabY[r][from:from+old.ncat])
			}
		})
		parallel.Each(len(cands)-nOld, func(k int) {
			var sc tableScratch
			t := nOld + k
			nx.fillTable(t, cands[t].z, cands[t].i, tr, &sc)
		})
	}
	if tr.n > oldRows {
		nx.countNewRows(tr, oldRows, nOld)
		parallel.Each(nOld, func(t int) { nx.accumulate(t, oldRows) })
	}
	nx.markTabledBelow()
}

// countNewRows counts the crimes of the months from row r0 on into tables
// 0..tables-1, not yet accumulated. Every cluster with a table holds a run
// of perm, so one walk over the points in perm order meets each point once,
// with the tables of the clusters holding it: far fewer lookups of a
// point's crimes than a walk over each table's points.
func (nx *Index) countNewRows(tr tableRows, r0, tables int) {
	ds := nx.ds
	f := geo.Filter{From: nx.months[r0-1]}
	// The parts holding the new months, and whether each holds only them,
	// when a point's crimes in it need no search.
	var parts []int
	var whole []bool
	for k := range ds.NumParts() {
		if ds.PartInFilter(k, &f) {
			first, _ := ds.PartMonths(k)
			parts, whole = append(parts, k), append(whole, first >= f.From)
		}
	}
	cur := make([]int, len(nx.levels))
	var tabs []int // offsets of the tables of the clusters holding the point
	stale := true
	for pos, p := range nx.perm {
		for z := range nx.levels {
			for first := nx.levels[z].first; int(first[cur[z]+1]) <= pos; {
				cur[z]++
				stale = true
			}
		}
		if stale {
			tabs = tabs[:0]
			for z := range nx.levels {
				if t := int(nx.levels[z].table[cur[z]]); t >= 0 && t < tables {
					tabs = append(tabs, t*nx.ncat)
				}
			}
			stale = false
		}
		if len(tabs) == 0 {
			continue
		}
		for j, k := range parts {
			var s, e geo.CrimeID
			if whole[j] {
				s, e = ds.PartCrimes(k, p)
			} else {
				s, e = ds.PartMonthSpan(k, p, &f)
			}
			if s == e {
				continue
			}
			x, y := nx.fixedAt(p)
			cs := ds.PartColumns(k)
			for c := s; c < e; c++ {
				r, k := tr.rowOf[cs.Month(c)-tr.first], int(cs.Category(c))
				n, sx, sy := nx.tabN[r], nx.tabX[r], nx.tabY[r]
				for _, b := range tabs {
					n[b+k]++
					sx[b+k] += x
					sy[b+k] += y
				}
			}
		}
	}
}

// Revised returns the index of ds, which geo.Revise made from ix's dataset:
// the same points, months and crime categories, with the crimes of some
// force-months replaced. The clusters are shared, as they depend on the
// points alone; so are the count tables' rows of the months before the
// first month a crime was taken out or put in, and the later rows are
// copies with those crimes' counts and coordinates moved (the rows are
// cumulative). Which clusters have tables does not change what a tile
// shows, so a cluster keeps its table, or none, whatever it now counts.
// It returns an error wrapping ErrNotExtension where ds was not revised
// from ix's dataset so.
func (ix *Index) Revised(ds *geo.Dataset) (*Index, error) {
	rev := ds.Revises(ix.ds)
	switch {
	case rev == nil:
		return nil, fmt.Errorf("%w: the dataset does not revise the index's", ErrNotExtension)
	case ds.NumPoints() != len(ix.perm) || ds.Categories().Len() != ix.ncat || !slices.Equal(ds.Months(), ix.months):
		return nil, fmt.Errorf("%w: the revised dataset has other points, categories or months", ErrNotExtension)
	}
	nx := ix.sharedWith(ds)
	tr := nx.tableRows()
	// A crime replaced by one at its point with its month and type moves
	// no count.
	type at struct {
		p   geo.PointID
		row int32
		cat geo.Category
	}
	net := map[at]int{}
	for _, ch := range rev.Changes {
		if ch.Point != geo.NoPoint {
			net[at{ch.Point, tr.rowOf[ch.Month-tr.first], ch.Category}] += ch.Delta
		}
	}
	maps.DeleteFunc(net, func(_ at, d int) bool { return d == 0 })
	if len(net) == 0 || nx.ntab == 0 {
		return nx, nil
	}
	first := int32(tr.n)
	for a := range net {
		first = min(first, a.row)
	}
	nx.tabN, nx.tabX, nx.tabY = slices.Clone(ix.tabN), slices.Clone(ix.tabX), slices.Clone(ix.tabY)
	for r := int(first); r < tr.n; r++ {
		nx.tabN[r], nx.tabX[r], nx.tabY[r] = slices.Clone(ix.tabN[r]), slices.Clone(ix.tabX[r]), slices.Clone(ix.tabY[r])
	}
	pos := make([]uint32, len(nx.perm))
	for i, p := range nx.perm {
		pos[p] = uint32(i)
	}
	for a, d := range net {
		x, y := nx.fixedAt(a.p)
		for z := range nx.levels {
			lv := &nx.levels[z]
			cl, _ := slices.BinarySearch(lv.first, pos[a.p]+1)
			if cl-1 >= len(lv.table) || lv.table[cl-1] < 0 {
				continue
			}
			t := lv.table[cl-1]
			b := int(t)*nx.ncat + int(a.cat)
			for r := int(a.row); r < tr.n; r++ {
				// Two's complement: adding a negative count's image
				// subtracts.
				nx.tabN[r][b] += uint32(d)
				nx.tabX[r][b] += uint64(int64(d)) * x
				nx.tabY[r][b] += uint64(int64(d)) * y
			}
		}
	}
	return nx, nil
}
