package geo

import "testing"

func TestGroupOf(t *testing.T) {
	tests := []struct {
		slug string
		want OutcomeGroup
	}{
		{"charged", Resolved},
		{"awaiting-court-result", Resolved},
		{"local-resolution", Resolved},
		{"under-investigation", UnderInvestigation},
		{"no-further-action", NoSuspect},
		{"", OtherOutcome},
		{"not-guilty", OtherOutcome},
		{"unable-to-prosecute", OtherOutcome},
		{"status-update-unavailable", OtherOutcome},
		{"a-new-outcome", OtherOutcome},
	}
	for _, tc := range tests {
		if got := GroupOf(tc.slug); got != tc.want {
			t.Errorf("GroupOf(%q) = %v, want %v", tc.slug, got, tc.want)
		}
	}
}

// Every standard outcome is in exactly one group's set.
func TestOutcomeGroupSets(t *testing.T) {
	v := newVocab(StandardOutcomes, nil)
	sets := OutcomeGroupSets(v)
	for i, term := range v.Terms() {
		n := 0
		for _, s := range sets {
			if s.Has(i) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("outcome %q is in %d groups", term.Slug, n)
		}
	}
}
