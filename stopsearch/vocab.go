package stopsearch

import (
	"strings"

	"crimemap/geo"
)

// Outcome is a stop-and-search outcome in data.police.uk's current
// vocabulary: the id of its outcome_object and its label.
type Outcome struct {
	ID, Name string
}

// Current outcome labels. The files kept older labels for the same
// disposals, so counts over several years need them mapped onto one set.
var (
	NoFurtherAction = Outcome{"bu-no-further-action", "A no further action disposal"}
	Arrest          = Outcome{"bu-arrest", "Arrest"}
	Summons         = Outcome{"bu-summons", "Summons / charged by post"}
	Caution         = Outcome{"bu-caution", "Caution (simple or conditional)"}
	Community       = Outcome{"bu-community-resolution", "Community resolution"}
	PenaltyNotice   = Outcome{"bu-penalty-notice", "Penalty Notice for Disorder"}
	CannabisWarning = Outcome{"bu-khat-or-cannabis-warning", "Khat or Cannabis warning"}
)

// outcomeLabels maps every label seen in the files, lower-cased, to its
// current outcome. The older ones date from before the 2017 relabelling:
// "Nothing found - no further action" then meant what "A no further action
// disposal" means now.
var outcomeLabels = map[string]Outcome{}

func init() {
	for _, o := range []Outcome{NoFurtherAction, Arrest, Summons, Caution, Community, PenaltyNotice, CannabisWarning} {
		outcomeLabels[strings.ToLower(o.Name)] = o
	}
	for old, o := range map[string]Outcome{
		"Nothing found - no further action":       NoFurtherAction,
		"No further action":                       NoFurtherAction,
		"Suspect arrested":                        Arrest,
		"Suspect summonsed to court":              Summons,
		"Offender cautioned":                      Caution,
		"Local resolution":                        Community,
		"Offender given penalty notice":           PenaltyNotice,
		"Offender given drugs possession warning": CannabisWarning,
	} {
		outcomeLabels[strings.ToLower(old)] = o
	}
}

// NormaliseOutcome returns the current outcome for a label as a file writes
// it. A label with no current equivalent ("Article found - Detailed outcome
// unavailable") is its own outcome, its id the label's slug; the blank
// label gives the zero Outcome.
func NormaliseOutcome(label string) Outcome {
	label = strings.TrimSpace(label)
	if label == "" {
		return Outcome{}
	}
	if o, ok := outcomeLabels[strings.ToLower(label)]; ok {
		return o
	}
	return Outcome{ID: geo.Slug(label), Name: label}
}

// Term is one value of a dimension: the slug that filters name and the
// label as data.police.uk writes it.
type Term struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// None is the slug of a blank value in every dimension.
const None = "none"

// vocab numbers the distinct values of one dimension by slug; index 0 is the
// blank value. Labels that differ only in case or punctuation share a slug
// and are counted as one, under the first label seen.
type vocab struct {
	terms  []Term
	bySlug map[string]uint16
	// byLabel remembers the code of each label as written: a file repeats
	// a handful of labels, and slugging each of them again was most of
	// the cost of indexing.
	byLabel map[string]uint16
}

func newVocab() *vocab {
	return &vocab{terms: []Term{{Slug: None}}, bySlug: map[string]uint16{None: 0}, byLabel: map[string]uint16{}}
}

// code returns the index of slug, adding it with name when new.
func (v *vocab) code(slug, name string) uint16 {
	if slug == "" {
		return 0
	}
	if c, ok := v.bySlug[slug]; ok {
		return c
	}
	c := uint16(len(v.terms))
	v.terms = append(v.terms, Term{Slug: slug, Name: name})
	v.bySlug[slug] = c
	return c
}

// label adds a free-text value by its slug.
func (v *vocab) label(name string) uint16 {
	if c, ok := v.byLabel[name]; ok {
		return c
	}
	trimmed := strings.TrimSpace(name)
	c := v.code(geo.Slug(trimmed), trimmed)
	v.byLabel[name] = c
	return c
}

// outcome adds an outcome label by its current outcome's id, and returns
// that outcome too.
func (v *vocab) outcome(label string) (uint16, Outcome) {
	if c, ok := v.byLabel[label]; ok {
		return c, Outcome{}
	}
	o := NormaliseOutcome(label)
	c := v.code(o.ID, o.Name)
	v.byLabel[label] = c
	return c, o
}
