package geo

import (
	"cmp"
	"slices"
	"testing"
)

// TestCrimeKeysArePublicIDs checks that a crime's key names it as its
// public id does: within a force-month, the crimes ordered by key (point,
// then rank at the point) have the ordinals 0, 1, 2, ... so either can be
// told from the other, and no two crimes share a key.
func TestCrimeKeysArePublicIDs(t *testing.T) {
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	d := buildIDUnits(t, []idUnit{
		{Unit{"hampshire", jan}, 1, 900}, {Unit{"kent", jan}, 2, 700},
		{Unit{"hampshire", feb}, 4, 850}, {Unit{"kent", feb}, 5, 650},
	})
	type keyed struct {
		k  crimeKey
		id int64
	}
	byUnit := map[uint64][]keyed{}
	n := 0
	for _, s := range d.keySpans() {
		d.walkKeys(s, func(c int, k crimeKey) {
			byUnit[k.k1] = append(byUnit[k.k1], keyed{k, d.PublicID(CrimeID(c))})
			n++
		})
	}
	if n != d.Len() || len(byUnit) != 4 {
		t.Fatalf("walked %d crimes in %d force-months, want %d in 4", n, len(byUnit), d.Len())
	}
	for unit, ks := range byUnit {
		slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.k.k0, b.k.k0) })
		for i, k := range ks {
			if ord := k.id & (MaxUnitCrimes - 1); ord != int64(i) || i > 0 && ks[i-1].k.k0 == k.k.k0 {
				t.Fatalf("force-month %x: crime with key %x has ordinal %d, want %d", unit, k.k.k0, ord, i)
			}
		}
	}
	if got := d.versionFrom(d.computeSums()); got != d.Version() {
		t.Fatalf("version %s computed again as %s", d.Version(), got)
	}
}

// TestVersionStops checks that a change to any stop and search, or to the
// order of a force-month's stops, gives another version.
func TestVersionStops(t *testing.T) {
	m := MakeMonth(2023, 1)
	rows := []StopRow{
		{Type: "Person search", Date: "2023-01-02T10:00:00+00:00", Gender: "Male", Outcome: "A no further action disposal"},
		{Type: "Vehicle search", Date: "2023-01-03T11:00:00+00:00", HasLocation: true, Lon: -1.4, Lat: 50.9},
	}
	version := func(rows []StopRow) string {
		t.Helper()
		b := NewBuilder()
		if err := b.AddStops(&StopBatch{Unit: Unit{"hampshire", m}, Rows: rows}); err != nil {
			t.Fatal(err)
		}
		d, _, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return d.Version()
	}
	seen := map[string]string{version(rows): "the rows"}
	for name, change := range map[string]func([]StopRow){
		"a gender":        func(rs []StopRow) { rs[0].Gender = "Female" },
		"an outcome":      func(rs []StopRow) { rs[0].Outcome = "Arrest" },
		"a coordinate":    func(rs []StopRow) { rs[1].Lon = -1.5 },
		"the rows' order": func(rs []StopRow) { rs[0], rs[1] = rs[1], rs[0] },
	} {
		rs := slices.Clone(rows)
		change(rs)
		v := version(rs)
		if prev, ok := seen[v]; ok {
			t.Errorf("%s: version %s, the same as with %s", name, v, prev)
		}
		seen[v] = name
	}
}
