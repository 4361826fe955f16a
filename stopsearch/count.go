package stopsearch

import (
	"context"
	"fmt"

	"crimemap/geo"
)

// Tally is what a count keeps of a group of stops: how many, how many ended
// in no further action, how many had a blank outcome, and how many had an
// outcome linked to the object of the search.
type Tally struct {
	Count           int `json:"count"`
	NoFurtherAction int `json:"no_further_action"`
	NoOutcome       int `json:"no_outcome"`
	Linked          int `json:"linked"`
}

func (t *Tally) add(o Tally) {
	t.Count += o.Count
	t.NoFurtherAction += o.NoFurtherAction
	t.NoOutcome += o.NoOutcome
	t.Linked += o.Linked
}

// Group is the tally of one value, or pair of values, of the grouped
// dimensions.
type Group struct {
	Keys []Term
	Tally
}

// Counts is the answer of Count: the total and, when grouped, one Group per
// value (pair) that has stops, in the dimensions' value order.
type Counts struct {
	Total  Tally
	Groups []Group
}

// MaxGroupDims is how many dimensions a count may group by.
const MaxGroupDims = 2

// Count tallies the stops in a (nil for everywhere) passing f, grouped by
// up to MaxGroupDims dimensions.
func (x *Index) Count(ctx context.Context, a geo.Area, f *Filter, dims []Dim) (Counts, error) {
	if len(dims) > MaxGroupDims {
		return Counts{}, fmt.Errorf("stopsearch: %d group dimensions, at most %d", len(dims), MaxGroupDims)
	}
	sizes := make([]int, len(dims))
	cells := 1
	for i, d := range dims {
		sizes[i] = len(x.vocabs[d].terms)
		cells *= sizes[i]
	}
	tallies := make([]Tally, cells)
	nfa := x.vocabs[DimOutcome].bySlug[NoFurtherAction.ID]
	_, hasNFA := x.vocabs[DimOutcome].bySlug[NoFurtherAction.ID]
	err := x.each(ctx, a, f, func(id ID) bool {
		k := 0
		for i, d := range dims {
			k = k*sizes[i] + int(x.codes[d][id])
		}
		t := &tallies[k]
		t.Count++
		switch o := x.codes[DimOutcome][id]; {
		case o == 0:
			t.NoOutcome++
		case hasNFA && o == nfa:
			t.NoFurtherAction++
		}
		if x.linked[id] == 1 {
			t.Linked++
		}
		return true
	})
	if err != nil {
		return Counts{}, err
	}
	var out Counts
	for k, t := range tallies {
		if t.Count == 0 {
			continue
		}
		out.Total.add(t)
		if len(dims) == 0 {
			continue
		}
		keys := make([]Term, len(dims))
		for i := len(dims) - 1; i >= 0; i-- {
			keys[i] = x.vocabs[dims[i]].terms[k%sizes[i]]
			k /= sizes[i]
		}
		out.Groups = append(out.Groups, Group{Keys: keys, Tally: t})
	}
	return out, nil
}

// Rates are a tally's shares, each in 0..1 (0 when there is nothing to
// divide by): of all searches, and of the searches that did not end in no
// further action (or a blank outcome), the ones that led to something.
type Rates struct {
	// LinkedShare is the share of searches whose outcome was linked to
	// the object of the search.
	LinkedShare float64 `json:"linked_share"`
	// NoFurtherActionShare is the share of searches ending in no further
	// action.
	NoFurtherActionShare float64 `json:"no_further_action_share"`
	// ActionShare is the share of searches with an outcome other than no
	// further action (a blank outcome counts as none).
	ActionShare float64 `json:"action_share"`
	// LinkedShareOfActions is LinkedShare among the searches that had an
	// outcome other than no further action.
	LinkedShareOfActions float64 `json:"linked_share_of_actions"`
}

// Rates derives t's shares.
func (t Tally) Rates() Rates {
	share := func(n, of int) float64 {
		if of == 0 {
			return 0
		}
		return float64(n) / float64(of)
	}
	actions := t.Count - t.NoFurtherAction - t.NoOutcome
	return Rates{
		LinkedShare:          share(t.Linked, t.Count),
		NoFurtherActionShare: share(t.NoFurtherAction, t.Count),
		ActionShare:          share(actions, t.Count),
		LinkedShareOfActions: share(t.Linked, actions),
	}
}
