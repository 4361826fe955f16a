package stopsearch

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"crimemap/fault"
	"crimemap/geo"
)

// Filter selects stops by month range and by values of any dimension. The
// zero Filter selects every stop.
type Filter struct {
	From, To geo.Month // inclusive; 0 leaves that end open
	// allow[d][code] says whether dimension d's value code passes; nil
	// passes every value.
	allow [NumDims][]bool
}

// ErrUnknownValue is a filter value that no stop has.
var ErrUnknownValue = fault.New(fault.Invalid, "unknown value")

// ValueError names the dimension and value a filter could not use.
type ValueError struct {
	Dim   Dim
	Value string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s %q: no stop has it (give slugs; %q for blank)", DimNames[e.Dim], e.Value, None)
}

func (e *ValueError) Unwrap() error { return ErrUnknownValue }

// Restrict narrows f to the comma-separated values of dimension d, each a
// slug or the label as written (case and punctuation aside; an outcome by
// its id or any of its labels); "" leaves f as it is.
func (x *Index) Restrict(f *Filter, d Dim, values string) error {
	if strings.TrimSpace(values) == "" {
		return nil
	}
	v := x.vocabs[d]
	if f.allow[d] == nil {
		f.allow[d] = make([]bool, len(v.terms))
	}
	for _, s := range strings.Split(values, ",") {
		s = strings.TrimSpace(s)
		slug := s
		if slug != None {
			slug = geo.Slug(s)
		}
		c, ok := v.bySlug[slug]
		if !ok && d == DimOutcome {
			// An outcome's slug is its id; its label, current or older,
			// names it too.
			c, ok = v.bySlug[NormaliseOutcome(s).ID]
		}
		if !ok || s == "" {
			return &ValueError{Dim: d, Value: s}
		}
		f.allow[d][c] = true
	}
	return nil
}

// Matches reports whether stop id passes f.
func (x *Index) Matches(id ID, f *Filter) bool {
	m := x.month[id]
	if (f.From != 0 && m < f.From) || (f.To != 0 && m > f.To) {
		return false
	}
	for d, allow := range f.allow {
		if allow != nil && !allow[x.codes[d][id]] {
			return false
		}
	}
	return true
}

// each calls fn for the stops in a (nil for everywhere) passing f, in no
// set order, until fn returns false; it stops with an error when ctx ends.
func (x *Index) each(ctx context.Context, a geo.Area, f *Filter, fn func(ID) bool) error {
	if a != nil {
		b := a.Bound()
		n := 0
		var err error
		x.tree.Search([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, func(_, _ [2]float64, l uint32) bool {
			if n++; n%checkEvery == 0 && ctx.Err() != nil {
				err = fmt.Errorf("stopsearch: area scan stopped: %w", ctx.Err())
				return false
			}
			loc := x.locs[l]
			if !a.Contains(loc.Lon, loc.Lat) {
				return true
			}
			for _, id := range x.locStops[x.locStart[l]:x.locStart[l+1]] {
				if x.Matches(id, f) && !fn(id) {
					return false
				}
			}
			return true
		})
		return err
	}
	// A force's months are a handful of ranges, so a filter by force reads
	// those rather than every stop.
	if forces := f.allow[DimForce]; forces != nil {
		for k, r := range x.byUnit {
			code := x.codes[DimForce][r.lo]
			if !forces[code] || (f.From != 0 && k.month < f.From) || (f.To != 0 && k.month > f.To) {
				continue
			}
			if ctx.Err() != nil {
				return fmt.Errorf("stopsearch: scan stopped: %w", ctx.Err())
			}
			for id := r.lo; id < r.hi; id++ {
				if x.inUnit(id, k.force, k.month) && x.Matches(id, f) && !fn(id) {
					return nil
				}
			}
		}
		return nil
	}
	for i := range x.Len() {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return fmt.Errorf("stopsearch: scan stopped: %w", ctx.Err())
		}
		if x.Matches(ID(i), f) && !fn(ID(i)) {
			return nil
		}
	}
	return nil
}

// In returns the stops in area a passing f, ascending; a nil area is
// everywhere, stops without a location included. It stops with an error
// when ctx ends, and with over set and no stops once there are more than
// max (0 for no cap): data.police.uk refuses such areas rather than
// truncate them.
func (x *Index) In(ctx context.Context, a geo.Area, f *Filter, max int) (ids []ID, over bool, err error) {
	err = x.each(ctx, a, f, func(id ID) bool {
		if max > 0 && len(ids) == max {
			over = true
			return false
		}
		ids = append(ids, id)
		return true
	})
	if err != nil || over {
		return nil, over, err
	}
	slices.Sort(ids)
	return ids, false, nil
}

// RestrictForces narrows f to the forces in s (indexes of the dataset's
// force table, as a crime filter holds them); an empty s leaves f as it is.
func (x *Index) RestrictForces(f *Filter, s *geo.Set) {
	if s.Empty() {
		return
	}
	v := x.vocabs[DimForce]
	f.allow[DimForce] = make([]bool, len(v.terms))
	for i, t := range x.ds.Forces().Terms() {
		if s.Has(i) {
			f.allow[DimForce][v.bySlug[t.Slug]] = true
		}
	}
}
