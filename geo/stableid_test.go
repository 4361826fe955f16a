package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// idRow is a street row of a synthetic force-month: its point (an index
// into idPoints, or -1 without a location) and its crime type.
type idRow struct {
	pt    int
	ctype string
}

type idPoint struct {
	lon, lat float64
	street   string
}

// idPoints are shared by every force-month, as snap points are: some sit
// at the same coordinates with another street name.
var idPoints = func() []idPoint {
	rng := rand.New(rand.NewPCG(7, 8))
	pts := make([]idPoint, 400)
	for i := range pts {
		pts[i] = idPoint{-1.5 + rng.Float64()/2, 50.8 + rng.Float64()/2, fmt.Sprintf("On or near Street %d", i)}
		if i%10 == 9 {
			pts[i].lon, pts[i].lat = pts[i-1].lon, pts[i-1].lat
		}
	}
	return pts
}()

// idUnitRows makes the rows of a force-month from a seed: a revised file
// of the same force-month is another seed.
func idUnitRows(seed uint64, n int) []idRow {
	rng := rand.New(rand.NewPCG(seed, 99))
	types := []string{"Burglary", "Drugs", "Vehicle crime", "Anti-social behaviour"}
	rows := make([]idRow, n)
	for i := range rows {
		rows[i] = idRow{pt: rng.IntN(len(idPoints)+20) - 20, ctype: types[rng.IntN(len(types))]}
		if rows[i].pt < 0 {
			rows[i].pt = -1
		}
	}
	return rows
}

type idUnit struct {
	u    Unit
	seed uint64
	n    int
}

// tag is the Crime ID the test gives row i of a unit's file, which names
// the row in every dataset it is loaded into.
func (x idUnit) tag(i int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d", x.u, x.seed, i))
	return hex.EncodeToString(s[:])
}

func buildIDUnits(t testing.TB, units []idUnit) *Dataset {
	t.Helper()
	rows := map[Unit][]StreetRow{}
	for _, x := range units {
		for i, r := range idUnitRows(x.seed, x.n) {
			row := StreetRow{CrimeID: []byte(x.tag(i)), Month: x.u.Month, FallsWithin: []byte(x.u.Force),
				CrimeType: []byte(r.ctype), LastOutcome: []byte("Under investigation")}
			if r.pt >= 0 {
				p := idPoints[r.pt]
				row.HasLocation, row.Lon, row.Lat, row.Location = true, p.lon, p.lat, []byte(p.street)
				row.LSOACode, row.LSOAName = []byte("E01000001"), []byte("Somewhere 001A")
			}
			rows[x.u] = append(rows[x.u], row)
		}
	}
	return buildStreetRows(t, rows)
}

// buildStreetRows builds a dataset of one street batch per unit.
func buildStreetRows(t testing.TB, units map[Unit][]StreetRow) *Dataset {
	t.Helper()
	b := NewBuilder()
	for u, rows := range units {
		sb := NewStreetBatch(u, 0, u.String())
		for i := range rows {
			sb.AddStreet(&rows[i])
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
	}
	d, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type idPointKey struct {
	lon, lat float64
	street   string
}

// publicIDs returns the ids of a dataset's crimes by their tag and of its
// points by their coordinates and street, and checks that each id is
// unique, JSON-safe and found again by its lookup.
func publicIDs(t *testing.T, d *Dataset) (crimes map[string]int64, points map[idPointKey]int64) {
	t.Helper()
	crimes, points = map[string]int64{}, map[idPointKey]int64{}
	seen := map[int64]bool{}
	for p := range d.NumPoints() {
		id := d.LocationID(PointID(p))
		if id < 0 || id > MaxPublicID || seen[id] {
			t.Fatalf("point %d: location id %d out of range or taken twice", p, id)
		}
		seen[id] = true
		if q, ok := d.PointByLocationID(id); !ok || q != PointID(p) {
			t.Fatalf("location id %d: found %d, %v; want point %d", id, q, ok, p)
		}
		pt := d.Point(PointID(p))
		points[idPointKey{pt.Lon, pt.Lat, pt.Street}] = id
	}
	clear(seen)
	for c := range d.Len() {
		id := d.PublicID(CrimeID(c))
		if id < 0 || id > MaxPublicID || seen[id] {
			t.Fatalf("crime %d: id %d out of range or taken twice", c, id)
		}
		seen[id] = true
		if got, ok := d.CrimeByPublicID(id); !ok || got != CrimeID(c) {
			t.Fatalf("crime id %d: found %d, %v; want crime %d", id, got, ok, c)
		}
		crimes[d.PersistentID(CrimeID(c))] = id
	}
	return crimes, points
}

// TestPublicIDsStable loads a set of force-months, then the same set with
// a later month and another force: every crime and point in both keeps its
// id. With one older force-month revised too, the crimes of that month and
// earlier keep theirs: points are ordered by their first month, which a
// revision can move only for later months' crimes. The same files in
// another order give the same ids.
func TestPublicIDsStable(t *testing.T) {
	jan, feb, mar := MakeMonth(2023, 1), MakeMonth(2023, 2), MakeMonth(2023, 3)
	base := []idUnit{
		{Unit{"hampshire", jan}, 1, 900}, {Unit{"kent", jan}, 2, 700}, {Unit{"zz-other", jan}, 3, 300},
		{Unit{"hampshire", feb}, 4, 850}, {Unit{"kent", feb}, 5, 650}, {Unit{"zz-other", feb}, 6, 200},
	}
	later := append(slices.Clone(base),
		idUnit{Unit{"hampshire", mar}, 7, 800}, idUnit{Unit{"kent", mar}, 8, 500}, idUnit{Unit{"aa-new", feb}, 9, 400})
	more := slices.Clone(later)
	more[1] = idUnit{Unit{"kent", jan}, 20, 720} // kent's January revised

	c1, p1 := publicIDs(t, buildIDUnits(t, base))
	c2, p2 := publicIDs(t, buildIDUnits(t, later))
	c3, p3 := publicIDs(t, buildIDUnits(t, more))
	monthOf := map[string]Month{}
	for _, x := range base {
		for i := range x.n {
			monthOf[x.tag(i)] = x.u.Month
		}
	}
	revised := map[string]bool{}
	for i := range base[1].n {
		revised[base[1].tag(i)] = true
	}
	same := func(name string, c map[string]int64, keep func(tag string) bool) {
		t.Helper()
		shared := 0
		for tag, id := range c1 {
			if !keep(tag) {
				continue
			}
			if got, ok := c[tag]; !ok || got != id {
				t.Fatalf("%s: crime %s: id %d, then %d (%v)", name, tag[:8], id, got, ok)
			}
			shared++
		}
		if shared < 1000 {
			t.Fatalf("%s: only %d crimes compared", name, shared)
		}
	}
	same("a later month", c2, func(string) bool { return true })
	same("a revision", c3, func(tag string) bool { return !revised[tag] && monthOf[tag] <= jan })
	for _, p := range []map[idPointKey]int64{p2, p3} {
		for k, id := range p1 {
			if got, ok := p[k]; ok && got != id {
				t.Fatalf("point %v: location id %d, then %d", k, id, got)
			}
		}
	}

	reversed := slices.Clone(more)
	slices.Reverse(reversed)
	c4, p4 := publicIDs(t, buildIDUnits(t, reversed))
	if !mapsEqual(c3, c4) || !mapsEqual(p3, p4) {
		t.Fatal("the same files in another order give other ids")
	}
}

func mapsEqual[K comparable](a, b map[K]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestLocationIDCollisions forces every point's hash into a few values, or
// onto the top of the range: ids stay unique, found by their lookup, and
// independent of the order the files are read in.
func TestLocationIDCollisions(t *testing.T) {
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	units := []idUnit{{Unit{"hampshire", jan}, 1, 600}, {Unit{"kent", feb}, 2, 600}}
	saved := locationHash
	t.Cleanup(func() { locationHash = saved })
	for name, h := range map[string]func(lon, lat float64, street string) uint64{
		"three values": func(lon, lat float64, street string) uint64 { return saved(lon, lat, street) % 3 },
		"top of range": func(lon, lat float64, street string) uint64 { return MaxPublicID - saved(lon, lat, street)%3 },
	} {
		t.Run(name, func(t *testing.T) {
			locationHash = h
			d := buildIDUnits(t, units)
			_, p1 := publicIDs(t, d)
			reversed := slices.Clone(units)
			slices.Reverse(reversed)
			_, p2 := publicIDs(t, buildIDUnits(t, reversed))
			if !mapsEqual(p1, p2) {
				t.Fatal("colliding points numbered by load order")
			}
			if _, ok := d.PointByLocationID(int64(d.NumPoints()) + 5); ok {
				t.Fatal("a free id found a point")
			}
		})
	}
}

// TestPublicIDLookupMisses checks ids that name nothing.
func TestPublicIDLookupMisses(t *testing.T) {
	d := buildIDUnits(t, []idUnit{{Unit{"hampshire", MakeMonth(2023, 1)}, 1, 200}})
	last := d.PublicID(CrimeID(d.Len() - 1))
	for _, id := range []int64{-1, 0, MaxPublicID + 1, d.PublicID(0) + int64(d.Len()), last + 1<<ordBits} {
		if c, ok := d.CrimeByPublicID(id); ok {
			t.Errorf("crime id %d found crime %d", id, c)
		}
	}
	for _, id := range []int64{-1, MaxPublicID + 1} {
		if p, ok := d.PointByLocationID(id); ok {
			t.Errorf("location id %d found point %d", id, p)
		}
	}
}

// TestUnitCrimesLimit refuses a force-month with more crimes than a crime
// id's ordinal holds, and takes one with as many.
func TestUnitCrimesLimit(t *testing.T) {
	saved := maxUnitCrimes
	t.Cleanup(func() { maxUnitCrimes = saved })
	maxUnitCrimes = 50
	for n, ok := range map[int]bool{50: true, 51: false} {
		sb := NewStreetBatch(Unit{"kent", MakeMonth(2023, 1)}, 0, "test")
		for range n {
			sb.AddStreet(&StreetRow{Month: MakeMonth(2023, 1), CrimeType: []byte("Drugs")})
		}
		if err := NewBuilder().AddStreet(sb); (err == nil) != ok {
			t.Errorf("%d crimes: error %v", n, err)
		}
	}
}

// TestCrimeOrdinals checks the ordinal part of every crime id against its
// definition: a force-month's crimes, in position order, are numbered from
// zero without gaps, across several blocks of samples and past the
// ordinals the low bits hold. Every id finds its crime.
func TestCrimeOrdinals(t *testing.T) {
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	d := buildIDUnits(t, []idUnit{
		{Unit{"hampshire", jan}, 1, 3*sampleEvery + 5}, {Unit{"kent", jan}, 2, 2<<ordLowBits + 3},
		{Unit{"hampshire", feb}, 3, 1}, {Unit{"kent", feb}, 4, 2*sampleEvery - 1},
	})
	if len(d.bigBounds) != 2 {
		t.Fatalf("%d steps of the high bits, want 2", len(d.bigBounds))
	}
	next := map[int64]int64{}
	for c := range d.Len() {
		id := d.PublicID(CrimeID(c))
		key, ord := id>>ordBits, id&(MaxUnitCrimes-1)
		if ord != next[key] {
			t.Fatalf("crime %d: ordinal %d, want %d", c, ord, next[key])
		}
		if got, ok := d.CrimeByPublicID(id); !ok || got != CrimeID(c) {
			t.Fatalf("crime id %d: found %d, %v; want crime %d", id, got, ok, c)
		}
		next[key]++
	}
	if len(next) != 4 || next[int64(d.unitOf(0))] == 0 {
		t.Fatalf("force-months %v", next)
	}
}

// TestOutcomeHistories joins outcome rows of two months to crimes on both
// sides of the words the histories are kept by: each crime gets its rows
// ordered by month, rows of one month in the order of their files.
func TestOutcomeHistories(t *testing.T) {
	jan, feb, mar := MakeMonth(2023, 1), MakeMonth(2023, 2), MakeMonth(2023, 3)
	x := idUnit{Unit{"hampshire", jan}, 1, 200}
	b := NewBuilder()
	sb := NewStreetBatch(x.u, 0, "street")
	for i := range x.n {
		row := StreetRow{CrimeID: []byte(x.tag(i)), Month: jan, CrimeType: []byte("Burglary")}
		if i%3 > 0 {
			p := idPoints[i%len(idPoints)]
			row.HasLocation, row.Lon, row.Lat, row.Location = true, p.lon, p.lat, []byte(p.street)
		}
		sb.AddStreet(&row)
	}
	if err := b.AddStreet(sb); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for k, m := range []Month{mar, feb} {
		ob := NewOutcomeBatch(Unit{"hampshire", m}, k, "outcomes")
		for i := range x.n {
			if i%7 == k {
				continue
			}
			for j := range 1 + i%2 {
				o := fmt.Sprintf("Outcome %d-%d", i%5, j)
				ob.AddOutcome(&OutcomeRow{CrimeID: []byte(x.tag(i)), Month: m, OutcomeType: []byte(o)})
				want[x.tag(i)] = append(want[x.tag(i)], m.String()+" "+o)
			}
		}
		if err := b.AddOutcomes(ob); err != nil {
			t.Fatal(err)
		}
	}
	d, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for c := range d.Len() {
		tag := d.PersistentID(CrimeID(c))
		// March's file came first, but February's rows go first.
		w := want[tag]
		slices.SortStableFunc(w, func(a, b string) int { return strings.Compare(a[:7], b[:7]) })
		var got []string
		for _, e := range d.OutcomeHistory(CrimeID(c)) {
			got = append(got, e.Month.String()+" "+d.Outcomes().Term(int(e.Outcome)).Name)
		}
		if !slices.Equal(got, w) {
			t.Fatalf("crime %d (%s): history %q, want %q", c, tag[:8], got, w)
		}
	}
}
