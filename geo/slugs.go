package geo

import (
	"fmt"
	"strings"

	"crimemap/fault"
)

// The filter parameters whose values are comma-separated slug lists, named
// as the HTTP API and the command line name them.
const (
	ParamCategory = "category"
	ParamForce    = "force"
	ParamOutcome  = "outcome"
)

// AllCrime is data.police.uk's category slug for every category: in a
// category list it restricts nothing. No other parameter has such a slug.
const AllCrime = "all-crime"

// NoOutcomeSlug selects the blank outcome in an outcome list: the blank
// outcome has no slug of its own in the vocabulary.
const NoOutcomeSlug = "none"

// SlugError is a slug that is not in the dataset's vocabulary of its
// parameter.
type SlugError struct {
	Param string // ParamCategory, ParamForce or ParamOutcome
	Slug  string
}

func (e *SlugError) Error() string { return fmt.Sprintf("unknown %s %q", e.Param, e.Slug) }

// Kind makes an unknown slug the caller's mistake.
func (e *SlugError) Kind() fault.Kind { return fault.Invalid }

// AddSlugs restricts f to the comma-separated slugs of list, a value of
// param (ParamCategory, ParamForce or ParamOutcome), as the dataset's
// vocabularies spell them. Empty items and AllCrime in a category list add
// nothing; NoOutcomeSlug in an outcome list is the blank outcome. An unknown
// slug is a *SlugError naming param.
func (d *Dataset) AddSlugs(f *Filter, param, list string) error {
	var vocab *Vocab
	var set *Set
	switch param {
	case ParamCategory:
		vocab, set = d.Categories(), &f.Categories
	case ParamForce:
		vocab, set = d.Forces(), &f.Forces
	case ParamOutcome:
		vocab, set = d.Outcomes(), &f.Outcomes
	default:
		return fmt.Errorf("geo: %q is not a slug parameter", param)
	}
	if list == "" {
		return nil
	}
	for _, slug := range strings.Split(list, ",") {
		slug = strings.TrimSpace(slug)
		switch {
		case slug == "" || (param == ParamCategory && slug == AllCrime):
			continue
		case param == ParamOutcome && slug == NoOutcomeSlug:
			set.Add(int(NoOutcome))
			continue
		}
		i, ok := vocab.BySlug(slug)
		if !ok || (param == ParamOutcome && i == int(NoOutcome)) {
			return &SlugError{Param: param, Slug: slug}
		}
		set.Add(i)
	}
	return nil
}
