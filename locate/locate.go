package locate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tidwall/rtree"

	"crimemap/fault"
	"crimemap/geo"
)

// ErrNotFound is a point outside every boundary.
var ErrNotFound = fault.New(fault.NotFound, "no neighbourhood holds this point")

// ErrDuplicate is two regions with the same force and id.
var ErrDuplicate = fault.New(fault.Invalid, "duplicate neighbourhood")

// Region is one neighbourhood's boundary.
type Region struct {
	Force string // force id, as data.police.uk spells it ("hampshire")
	ID    string // neighbourhood id within the force ("SO14", "Bargate Ward")
	Name  string // display name: the team data's, else the KML's
	Area  *geo.Polygon
}

// Locator answers which region holds a point. It is immutable, so any
// number of goroutines may use it.
type Locator struct {
	regions []Region // by Force, then ID: the order that breaks ties
	tree    rtree.RTreeGN[float64, int32]
}

// New indexes regions. Two regions with the same force and id are an
// error; a region without an Area is skipped.
func New(regions []Region) (*Locator, error) {
	l := &Locator{}
	for _, r := range regions {
		if r.Area != nil {
			l.regions = append(l.regions, r)
		}
	}
	slices.SortFunc(l.regions, compare)
	for i := 1; i < len(l.regions); i++ {
		if compare(l.regions[i-1], l.regions[i]) == 0 {
			return nil, fmt.Errorf("%s/%s: %w", l.regions[i].Force, l.regions[i].ID, ErrDuplicate)
		}
	}
	for i, r := range l.regions {
		b := r.Area.Bound()
		l.tree.Insert(b.Min, b.Max, int32(i))
	}
	return l, nil
}

func compare(a, b Region) int {
	return cmp.Or(cmp.Compare(a.Force, b.Force), cmp.Compare(a.ID, b.ID))
}

// Len is the number of regions.
func (l *Locator) Len() int {
	if l == nil {
		return 0
	}
	return len(l.regions)
}

// Regions returns the regions in their tie-breaking order. The slice is
// shared and must not be changed.
func (l *Locator) Regions() []Region {
	if l == nil {
		return nil
	}
	return l.regions
}

// Locate returns the region holding lat,lng, or ErrNotFound. A nil
// Locator holds nothing.
func (l *Locator) Locate(lat, lng float64) (Region, error) {
	if l == nil {
		return Region{}, ErrNotFound
	}
	p := [2]float64{lng, lat}
	best := int32(-1)
	// Only a region sorting before the best so far can take its place, so
	// a candidate's polygon is tested only then.
	l.tree.Search(p, p, func(_, _ [2]float64, i int32) bool {
		if (best < 0 || i < best) && l.regions[i].Area.Contains(lng, lat) {
			best = i
		}
		return true
	})
	if best < 0 {
		return Region{}, fmt.Errorf("%v,%v: %w", lat, lng, ErrNotFound)
	}
	return l.regions[best], nil
}
