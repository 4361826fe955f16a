package geo

// OutcomeGroup sorts outcome categories into the few a reader asks about.
type OutcomeGroup uint8

// The groups, in display order. Resolved means a suspect was charged or
// otherwise dealt with, in or out of court; UnderInvestigation is the
// police's own status; NoSuspect is an investigation closed without one;
// OtherOutcome is the rest: no outcome recorded, unable to prosecute,
// not in the public interest, passed to another organisation, a status
// or court result unavailable, found not guilty.
const (
	Resolved OutcomeGroup = iota
	UnderInvestigation
	NoSuspect
	OtherOutcome
	NumOutcomeGroups
)

var outcomeGroupNames = [NumOutcomeGroups]string{"Resolved", "Under investigation", "No suspect identified", "Other"}

// String is the group's display name.
func (g OutcomeGroup) String() string {
	if g >= NumOutcomeGroups {
		return "Other"
	}
	return outcomeGroupNames[g]
}

// outcomeGroups maps outcome codes to a group; a code absent here, the
// blank outcome and any non-standard outcome are OtherOutcome.
var outcomeGroups = map[string]OutcomeGroup{
	"under-investigation": UnderInvestigation,
	"no-further-action":   NoSuspect,

	"charged":                   Resolved,
	"awaiting-court-result":     Resolved,
	"sent-to-crown-court":       Resolved,
	"cautioned":                 Resolved,
	"drugs-possession-warning":  Resolved,
	"imprisoned":                Resolved,
	"penalty-notice-issued":     Resolved,
	"community-penalty":         Resolved,
	"fined":                     Resolved,
	"suspended-sentence":        Resolved,
	"conditional-discharge":     Resolved,
	"absolute-discharge":        Resolved,
	"compensation":              Resolved,
	"deprived-of-property":      Resolved,
	"other-court-disposal":      Resolved,
	"sentenced-in-another-case": Resolved,
	"local-resolution":          Resolved,
}

// GroupOf returns the group of the outcome with code slug.
func GroupOf(slug string) OutcomeGroup {
	if g, ok := outcomeGroups[slug]; ok {
		return g
	}
	return OtherOutcome
}

// OutcomeGroupSets returns, for each group, the set of the vocabulary's
// outcomes in it, for a Filter's Outcomes.
func OutcomeGroupSets(outcomes *Vocab) [NumOutcomeGroups]Set {
	var sets [NumOutcomeGroups]Set
	for i, t := range outcomes.Terms() {
		sets[GroupOf(t.Slug)].Add(i)
	}
	return sets
}
