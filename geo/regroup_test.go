package geo

import "testing"

// TestRegroups builds January, then February and March on it two ways: a
// part each, as two monthly reloads append them, and one part for both, as
// serve merges appended parts. Each regroups the other; neither regroups
// the base, a dataset missing a month, the one in one piece of other
// crimes, or itself.
func TestRegroups(t *testing.T) {
	o, jan, feb, mar := threeMonths()
	build := func(base *Dataset, keep func(Unit) bool) *Dataset {
		t.Helper()
		part, _, err := o.builder(t, keep).BuildOn(base)
		if err != nil {
			t.Fatal(err)
		}
		if base == nil {
			return part
		}
		d, err := Append(base, part)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := build(nil, func(u Unit) bool { return u.Month == jan })
	toFeb := build(base, func(u Unit) bool { return u.Month == feb })
	appended := build(toFeb, func(u Unit) bool { return u.Month == mar })
	merged := build(base, func(u Unit) bool { return u.Month > jan })
	full, _, err := o.builder(t, func(Unit) bool { return true }).Build()
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := o.builder(t, func(u Unit) bool { return u.Force != "kent" }).Build()
	if err != nil {
		t.Fatal(err)
	}
	if appended.NumParts() != 3 || merged.NumParts() != 2 || full.NumParts() != 1 {
		t.Fatalf("%d, %d and %d parts, want 3, 2 and 1", appended.NumParts(), merged.NumParts(), full.NumParts())
	}
	for _, c := range []struct {
		name    string
		d, base *Dataset
		want    bool
	}{
		{"merged, the appended", merged, appended, true},
		{"appended, the merged", appended, merged, true},
		{"in one piece, the appended", full, appended, true},
		{"merged, the base", merged, base, false},
		{"merged, a month fewer", merged, toFeb, false},
		{"other crimes, the merged", other, merged, false},
		{"merged, itself", merged, merged, false},
	} {
		if got := c.d.Regroups(c.base); got != c.want {
			t.Errorf("%s: Regroups %v, want %v", c.name, got, c.want)
		}
	}
}
