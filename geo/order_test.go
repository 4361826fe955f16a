package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

type orderRow struct {
	lon, lat      float64
	street, ctype string
	outcome       string
}

func buildOrderUnits(t *testing.T, units map[Unit][]orderRow) *Dataset {
	t.Helper()
	rows := map[Unit][]StreetRow{}
	for u, rs := range units {
		for _, r := range rs {
			rows[u] = append(rows[u], StreetRow{Month: u.Month, FallsWithin: []byte(u.Force), CrimeType: []byte(r.ctype),
				LastOutcome: []byte(r.outcome), HasLocation: true, Lon: r.lon, Lat: r.lat, Location: []byte(r.street),
				LSOACode: []byte("E01000001"), LSOAName: []byte("Somewhere 001A")})
		}
	}
	return buildStreetRows(t, rows)
}

// TestPointOrderFirstMonth checks the order rule: points are numbered by
// the month of their first crime, then along the curve, so a later month's
// new points follow every earlier point wherever they lie; and terms new
// in a later month take the next numbers, whatever their names.
func TestPointOrderFirstMonth(t *testing.T) {
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	west := orderRow{-1.9, 50.9, "On or near West Street", "Burglary", "Under investigation"}
	east := orderRow{-1.1, 50.9, "On or near East Street", "Burglary", "Under investigation"}
	if hilbert(west.lon, west.lat) > hilbert(east.lon, east.lat) {
		west, east = east, west
	}
	lateType := west
	lateType.ctype, lateType.outcome = "Aardvark crime", "Aardvark outcome"
	earlyType := east
	earlyType.ctype, earlyType.outcome = "Zebra crime", "Zebra outcome"
	d := buildOrderUnits(t, map[Unit][]orderRow{
		{"hampshire", jan}: {east, earlyType},
		{"kent", feb}:      {west, east, lateType},
	})
	if d.NumPoints() != 2 {
		t.Fatalf("%d points, want 2", d.NumPoints())
	}
	// West comes first along the curve but is first used a month later.
	if p := d.Point(0); p.Street != east.street {
		t.Fatalf("point 0 is %q, want the January point %q", p.Street, east.street)
	}
	for _, v := range []struct {
		vocab       *Vocab
		early, late string
	}{{d.categories, "Zebra crime", "Aardvark crime"}, {d.outcomes, "Zebra outcome", "Aardvark outcome"}} {
		e, ok1 := v.vocab.ByName(v.early)
		l, ok2 := v.vocab.ByName(v.late)
		if !ok1 || !ok2 || e >= l {
			t.Fatalf("%q is term %d (%v), %q term %d (%v): want the January term first", v.early, e, ok1, v.late, l, ok2)
		}
	}
}

// TestTreeGroupsSpan checks that the R-tree's groups stay small when
// consecutive points are far apart, as a later month's new points are,
// and that a search still finds every point.
func TestTreeGroupsSpan(t *testing.T) {
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	units := map[Unit][]orderRow{}
	for i := range 40 {
		// January's points are dense; February's new ones across the map.
		units[Unit{"hampshire", jan}] = append(units[Unit{"hampshire", jan}],
			orderRow{-1.4 + float64(i)*0.0001, 50.9, "On or near Dense Street", "Burglary", "Under investigation"})
		units[Unit{"kent", feb}] = append(units[Unit{"kent", feb}],
			orderRow{-4 + float64(i)*0.1, 51 + float64(i%7)*0.1, "On or near Sparse Street", "Burglary", "Under investigation"})
	}
	d := buildOrderUnits(t, units)
	var seen []int
	groups := 0
	d.tree.Scan(func(lo, hi [2]float32, g uint32) bool {
		groups++
		if hi[0]-lo[0] > groupSpan+1e-3 || hi[1]-lo[1] > groupSpan+1e-3 {
			p0, p1 := d.group(g)
			if p1-p0 > 1 {
				t.Errorf("group of points %d..%d spans %v..%v", p0, p1, lo, hi)
			}
		}
		return true
	})
	if groups < 40+40/treeGroup {
		t.Fatalf("%d groups for 40 far-apart points and 40 dense ones", groups)
	}
	d.SearchBound(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, func(p PointID) bool {
		seen = append(seen, int(p))
		return true
	})
	slices.Sort(seen)
	if len(seen) != d.NumPoints() || seen[0] != 0 || seen[len(seen)-1] != d.NumPoints()-1 {
		t.Fatalf("search found %d of %d points", len(seen), d.NumPoints())
	}
}
