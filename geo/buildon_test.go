package geo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"crimemap/fault"
)

// onUnits is a load of force-months for BuildOn: street rows as
// buildIDUnits makes them, some at points no earlier month uses, with a
// context now and then, and per force-month an outcomes file whose rows
// name its own crimes, an earlier month's and no crime at all.
type onUnits struct {
	units []idUnit
}

func (o onUnits) builder(t *testing.T, keep func(Unit) bool) *Builder {
	t.Helper()
	b := NewBuilder()
	for k, x := range o.units {
		if !keep(x.u) {
			continue
		}
		sb := NewStreetBatch(x.u, 0, x.u.String())
		rng := rand.New(rand.NewPCG(x.seed, 5))
		for i, r := range idUnitRows(x.seed, x.n) {
			row := StreetRow{CrimeID: []byte(x.tag(i)), Month: x.u.Month, FallsWithin: []byte(x.u.Force),
				CrimeType: []byte(r.ctype), LastOutcome: []byte("Under investigation")}
			if i%50 == 7 {
				row.Context = []byte(fmt.Sprintf("context %d", i))
			}
			if i%97 == 3 {
				row.CrimeType = []byte(fmt.Sprintf("New type of %s", x.u.Month))
			}
			if r.pt >= 0 {
				p := idPoints[r.pt]
				if i%40 == 0 {
					// A point of this month only.
					p = idPoint{-1.5 + rng.Float64()/2, 50.8 + rng.Float64()/2, fmt.Sprintf("On or near New Street %d", i)}
				}
				row.HasLocation, row.Lon, row.Lat, row.Location = true, p.lon, p.lat, []byte(p.street)
				row.LSOACode, row.LSOAName = []byte("E01000001"), []byte("Somewhere 001A")
			}
			sb.AddStreet(&row)
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
		ob := NewOutcomeBatch(x.u, 0, x.u.String())
		for i := 0; i < x.n; i += 13 {
			ob.AddOutcome(&OutcomeRow{CrimeID: []byte(x.tag(i)), Month: x.u.Month, OutcomeType: []byte("Investigation complete; no suspect identified")})
		}
		if k >= 2 {
			// A crime of an earlier month, in this month's file.
			ob.AddOutcome(&OutcomeRow{CrimeID: []byte(o.units[k-2].tag(5)), Month: x.u.Month, OutcomeType: []byte("Offender given a caution")})
		}
		ob.AddOutcome(&OutcomeRow{CrimeID: []byte("no such crime"), Month: x.u.Month, OutcomeType: []byte("An outcome of " + x.u.Month.String())})
		if err := b.AddOutcomes(ob); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestBuildOnMatchesOnePiece builds months 1..N-1, then month N on them,
// and checks that month N's crimes are what the build of all N months
// gives: the same points with the same ids, the same public ids with the
// same crimes, outcome histories from the month's own file, the rows for
// earlier crimes kept to be joined later, and sums that add up.
func TestBuildOnMatchesOnePiece(t *testing.T) {
	saved := locationHash
	t.Cleanup(func() { locationHash = saved })
	// Points are found in the base by their location hash: colliding
	// hashes, and runs of ids past the top, must find them all the same.
	for name, h := range map[string]func(lon, lat float64, street string) uint64{
		"location hash": saved,
		"three values":  func(lon, lat float64, street string) uint64 { return saved(lon, lat, street) % 3 },
		// Runs among the base's points, which the new points miss.
		"ten thousand values": func(lon, lat float64, street string) uint64 { return saved(lon, lat, street) % 10000 },
		"top of range":        func(lon, lat float64, street string) uint64 { return MaxPublicID - saved(lon, lat, street)%3 },
	} {
		t.Run(name, func(t *testing.T) {
			locationHash = h
			testBuildOnMatchesOnePiece(t)
		})
	}
}

// threeMonths are the force-months of the BuildOn tests: two forces in
// January and February, in March one of them and a force of its own.
func threeMonths() (o onUnits, jan, feb, mar Month) {
	jan, feb, mar = MakeMonth(2023, 1), MakeMonth(2023, 2), MakeMonth(2023, 3)
	o = onUnits{[]idUnit{
		{Unit{"hampshire", jan}, 1, 900}, {Unit{"kent", jan}, 2, 700},
		{Unit{"hampshire", feb}, 4, 850}, {Unit{"kent", feb}, 5, 650},
		{Unit{"hampshire", mar}, 7, 800}, {Unit{"zz-new", mar}, 8, 300},
	}}
	return o, jan, feb, mar
}

func testBuildOnMatchesOnePiece(t *testing.T) {
	o, _, feb, mar := threeMonths()
	all := func(Unit) bool { return true }
	full, _, err := o.builder(t, all).Build()
	if err != nil {
		t.Fatal(err)
	}
	base, _, err := o.builder(t, func(u Unit) bool { return u.Month < mar }).Build()
	if err != nil {
		t.Fatal(err)
	}
	baseVersion := base.Version()
	month, st, err := o.builder(t, func(u Unit) bool { return u.Month == mar }).BuildOn(base)
	if err != nil {
		t.Fatal(err)
	}
	if base.Version() != baseVersion || base.NumPoints() >= month.NumPoints() {
		t.Fatalf("base changed, or no new points: %d then %d points", base.NumPoints(), month.NumPoints())
	}

	if month.NumPoints() != full.NumPoints() {
		t.Fatalf("%d points, want %d", month.NumPoints(), full.NumPoints())
	}
	for p := range PointID(full.NumPoints()) {
		if a, b := month.Point(p), full.Point(p); a != b || month.LocationID(p) != full.LocationID(p) {
			t.Fatalf("point %d: %+v, want %+v", p, a, b)
		}
		if q, ok := month.PointByLocationID(full.LocationID(p)); !ok || q != p {
			t.Fatalf("location id %d finds point %d (%v), want %d", full.LocationID(p), q, ok, p)
		}
		if month.PointCell(p) != full.PointCell(p) {
			t.Fatalf("point %d: cell %v, want %v", p, month.PointCell(p), full.PointCell(p))
		}
	}
	for _, v := range [][2]*Vocab{{month.categories, full.categories}, {month.outcomes, full.outcomes}, {month.forces, full.forces}} {
		if !slices.Equal(v[0].terms, v[1].terms) {
			t.Fatalf("vocabulary %v, want %v", v[0].terms, v[1].terms)
		}
	}
	if !slices.Equal(month.Months(), []Month{mar}) {
		t.Fatalf("months %v", month.Months())
	}
	n := 0
	for c := range CrimeID(full.Len()) {
		if full.Month(c) != mar {
			continue
		}
		n++
		id := full.PublicID(c)
		mc, ok := month.CrimeByPublicID(id)
		if !ok {
			t.Fatalf("crime %d (id %d) is not in the month", c, id)
		}
		a, b := month.Crime(mc), full.Crime(c)
		a.ID, b.ID = 0, 0
		if a != b {
			t.Fatalf("id %d: %+v, want %+v", id, a, b)
		}
		if ha, hb := month.OutcomeHistory(mc), full.OutcomeHistory(c); !slices.Equal(ha, hb) {
			t.Fatalf("id %d: history %v, want %v", id, ha, hb)
		}
	}
	if n != month.Len() || n == 0 {
		t.Fatalf("the month has %d crimes, the one-piece build %d of its month", month.Len(), n)
	}
	// Every row is kept for the base's crimes; two name February crimes,
	// two none at all.
	if len(month.later) != st.OutcomeRows || st.OutcomesUnmatch != 4 {
		t.Fatalf("%d rows kept of %d, %d unmatched; want all, and 4", len(month.later), st.OutcomeRows, st.OutcomesUnmatch)
	}
	sums := *base.sums
	sums.add(*month.sums)
	want := *full.sums
	// The one-piece build joined the rows for the February crimes.
	for _, x := range o.units[2:4] {
		sums.hist += histEntryHash(t, full, x.tag(5), mar)
		sums.nHist++
	}
	if sums != want {
		t.Fatalf("sums of base and month %+v, want %+v", sums, want)
	}
	// Appended, the month's catalogue and vocabularies are the dataset's,
	// and its months are the base's and its own.
	appended := *month
	appended.months = append(slices.Clone(base.months), month.months...)
	if appended.versionFrom(sums) != full.Version() {
		t.Fatal("the base's and the month's sums do not give the one-piece version")
	}

	if _, _, err := o.builder(t, func(u Unit) bool { return u.Month == feb }).BuildOn(base); !errors.Is(err, ErrNotLater) || fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a month already loaded: %v", err)
	}
}

// histEntryHash returns the hash of the history entry in month m of the
// crime with Crime ID tag, as full holds it.
func histEntryHash(t *testing.T, full *Dataset, tag string, m Month) uint64 {
	t.Helper()
	cs := full.CrimesByPersistentID(tag)
	if len(cs) != 1 {
		t.Fatalf("%d crimes with Crime ID %s", len(cs), tag[:8])
	}
	var sum uint64
	for _, s := range full.keySpans() {
		full.walkKeys(s, func(c int, k crimeKey) {
			if CrimeID(c) != cs[0] {
				return
			}
			for _, e := range full.OutcomeHistory(cs[0]) {
				if e.Month == m {
					sum += hashKey(k, tagHist, uint64(e.Month)<<8|uint64(e.Outcome), 0)
				}
			}
		})
	}
	return sum
}
