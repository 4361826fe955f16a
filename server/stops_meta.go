package server

import (
	"crimemap/geo"
	"crimemap/stopsearch"
)

// stopsMeta is what /v1/meta says of stop and search: how many, their
// months (/api/ without a date answers the meta's latest_month, that of the
// crimes, for stops too), and the values /v1/stops and /v1/stops/counts take for each of
// their dimensions, keyed by parameter name.
type stopsMeta struct {
	Count        int                   `json:"count"`
	Months       []geo.Month           `json:"months"`
	Vocabularies map[string][]metaTerm `json:"vocabularies"`
}

// stopsMetaOf describes x. Each vocabulary starts with none, the blank
// value, whose name is "".
func stopsMetaOf(x *stopsearch.Index) stopsMeta {
	m := stopsMeta{Count: x.Len(), Months: x.Months(), Vocabularies: map[string][]metaTerm{}}
	if m.Months == nil {
		m.Months = []geo.Month{}
	}
	for _, d := range stopFilterDims {
		ts := x.Terms(d)
		out := make([]metaTerm, len(ts))
		for i, t := range ts {
			out[i] = metaTerm{Slug: t.Slug, Name: t.Name}
		}
		m.Vocabularies[stopsearch.DimNames[d]] = out
	}
	return m
}
