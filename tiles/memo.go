package tiles

import (
	"container/list"
	"sync"

	"crimemap/geo"
)

// A filter on forces or outcomes cannot be answered by the count tables,
// so a low-zoom tile would scan every crime under it, the whole dataset at
// zoom 0. Instead, the first such tile of a filter counts every point once
// and sums the counts up the clusters of the shallow zooms, where clusters
// are few; the next tiles of that filter read the sums. A few filters'
// sums are kept, least recently used first out.

// memoClusters bounds the clusters of the zooms that get sums.
const memoClusters = 1 << 16

// memoFilters is how many filters' sums are kept.
const memoFilters = 16

type filterMemo struct {
	once sync.Once
	// Per memo level: ncat counts per cluster, then totals and weighted
	// coordinates per cluster.
	byCat  [][]uint32
	total  [][]uint32
	sx, sy [][]uint64
}

type memoCache struct {
	mu    sync.Mutex
	order *list.List // of string keys, front = most recent
	items map[string]*list.Element
	memos map[string]*filterMemo
}

// memoDepth returns the deepest level whose clusters, with all shallower
// levels', stay within memoClusters; -1 when even level 0 does not.
func (ix *Index) memoDepth() int {
	n, d := 0, -1
	for z := range ix.levels {
		n += len(ix.levels[z].first) - 1
		if n > memoClusters {
			break
		}
		d = z
	}
	return d
}

// memoFor returns the sums of filter f, computing them on first use.
func (ix *Index) memoFor(f *geo.Filter) *filterMemo {
	key := FilterKey(f)
	c := &ix.memo
	c.mu.Lock()
	if c.items == nil {
		c.order, c.items, c.memos = list.New(), map[string]*list.Element{}, map[string]*filterMemo{}
	}
	m, ok := c.memos[key]
	if ok {
		c.order.MoveToFront(c.items[key])
	} else {
		m = &filterMemo{}
		c.memos[key] = m
		c.items[key] = c.order.PushFront(key)
		for c.order.Len() > memoFilters {
			old := c.order.Remove(c.order.Back()).(string)
			delete(c.items, old)
			delete(c.memos, old)
		}
	}
	c.mu.Unlock()
	m.once.Do(func() { ix.fillMemo(m, f) })
	return m
}

func (ix *Index) fillMemo(m *filterMemo, f *geo.Filter) {
	depth := ix.memoDepthZ
	m.byCat = make([][]uint32, depth+1)
	m.total = make([][]uint32, depth+1)
	m.sx = make([][]uint64, depth+1)
	m.sy = make([][]uint64, depth+1)
	for z := 0; z <= depth; z++ {
		n := len(ix.levels[z].first) - 1
		m.byCat[z] = make([]uint32, n*ix.ncat)
		m.total[z] = make([]uint32, n)
		m.sx[z] = make([]uint64, n)
		m.sy[z] = make([]uint64, n)
	}
	// Points in perm order walk the deepest memo level's clusters in order.
	var a agg
	lv := &ix.levels[depth]
	for i := 0; i+1 < len(lv.first); i++ {
		a.reset(ix.ncat)
		for _, p := range ix.perm[lv.first[i]:lv.first[i+1]] {
			ix.addPoint(&a, p, f)
		}
		copy(m.byCat[depth][i*ix.ncat:], a.byCat)
		m.total[depth][i], m.sx[depth][i], m.sy[depth][i] = a.total, a.sx, a.sy
	}
	for z := depth - 1; z >= 0; z-- {
		ch := ix.levels[z].child
		for i := 0; i+1 < len(ch); i++ {
			bc := m.byCat[z][i*ix.ncat : (i+1)*ix.ncat]
			for c := ch[i]; c < ch[i+1]; c++ {
				m.total[z][i] += m.total[z+1][c]
				m.sx[z][i] += m.sx[z+1][c]
				m.sy[z][i] += m.sy[z+1][c]
				for k, v := range m.byCat[z+1][int(c)*ix.ncat : int(c+1)*ix.ncat] {
					bc[k] += v
				}
			}
		}
	}
}

// agg fills a from the sums of cluster i of level z.
func (m *filterMemo) agg(a *agg, z, i, ncat int) {
	copy(a.byCat, m.byCat[z][i*ncat:(i+1)*ncat])
	a.total, a.sx, a.sy = m.total[z][i], m.sx[z][i], m.sy[z][i]
}
