package geo_test

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/internal/testsupport"
	"crimemap/internal/testsupport/datasets"
)

// row is a CSV row as the test reads it, independently of package ingest.
type row struct {
	id, month, force, lsoa, street, ctype, outcome, context string
	lon, lat                                                float64
	located                                                 bool
}

// hampshireRows reads the real Hampshire month.
func hampshireRows(t testing.TB) []row {
	t.Helper()
	recs := testsupport.ReadCSV(t, testsupport.HampshireStreet(t))
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []row
	for _, r := range recs[1:] {
		x := row{id: r[col["Crime ID"]], month: r[col["Month"]], force: r[col["Falls within"]],
			street: r[col["Location"]], lsoa: r[col["LSOA code"]], ctype: r[col["Crime type"]], outcome: r[col["Last outcome category"]]}
		if r[col["Longitude"]] != "" {
			x.lon, _ = strconv.ParseFloat(r[col["Longitude"]], 64)
			x.lat, _ = strconv.ParseFloat(r[col["Latitude"]], 64)
			x.located = true
		}
		rows = append(rows, x)
	}
	return rows
}

// build loads rows into a Dataset through the Builder.
func build(t testing.TB, rows []row, force string) *geo.Dataset {
	t.Helper()
	batches := map[string]*geo.StreetBatch{}
	for _, r := range rows {
		m, err := geo.ParseMonth(r.month)
		if err != nil {
			t.Fatal(err)
		}
		sb := batches[r.month]
		if sb == nil {
			sb = geo.NewStreetBatch(geo.Unit{Force: force, Month: m}, 0, "test")
			batches[r.month] = sb
		}
		sb.AddStreet(&geo.StreetRow{CrimeID: []byte(r.id), Month: m, FallsWithin: []byte(r.force), HasLocation: r.located,
			Lon: r.lon, Lat: r.lat, Location: []byte(r.street), LSOACode: []byte(r.lsoa), CrimeType: []byte(r.ctype), LastOutcome: []byte(r.outcome),
			Context: []byte(r.context)})
	}
	return datasets.Build(t, slices.Collect(maps.Values(batches))...)
}

// vincentyDist is the great-circle distance by the Vincenty formula on a
// sphere: an independent formula from the haversine the package uses.
func vincentyDist(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	p1, p2 := lat1*rad, lat2*rad
	dl := (lon2 - lon1) * rad
	a := math.Cos(p2) * math.Sin(dl)
	b := math.Cos(p1)*math.Sin(p2) - math.Sin(p1)*math.Cos(p2)*math.Cos(dl)
	c := math.Sin(p1)*math.Sin(p2) + math.Cos(p1)*math.Cos(p2)*math.Cos(dl)
	return 6371008.8 * math.Atan2(math.Hypot(a, b), c)
}

// inRing is a plain even-odd ray cast, independent of orb's planar package.
func inRing(ring [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// key identifies a crime for comparing sets: rows are not unique, so sets are
// multisets of (street, lon, lat, type, id).
type key struct {
	street, ctype, id string
	lon, lat          float64
}

func multiset(ds *geo.Dataset, a geo.Area, f *geo.Filter) map[key]int {
	out := map[key]int{}
	for p, c := range ds.CrimesIn(context.Background(), a, f) {
		pt := ds.Point(p)
		out[key{pt.Street, ds.Categories().Term(int(ds.Category(c))).Name, ds.PersistentID(c), pt.Lon, pt.Lat}]++
	}
	return out
}

func TestQueriesMatchBruteForce(t *testing.T) {
	rows := hampshireRows(t)
	ds := build(t, rows, "hampshire")
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	var located []row
	for _, r := range rows {
		if r.located {
			located = append(located, r)
		}
	}
	for i := 0; i < 60; i++ {
		centre := located[rng.IntN(len(located))]
		radius := []float64{50, 500, 1609.344, 5000, 20000}[i%5]
		// Put some circles exactly through a crime to test the boundary.
		if i%7 == 0 {
			other := located[rng.IntN(len(located))]
			radius = vincentyDist(centre.lon, centre.lat, other.lon, other.lat)
			if radius == 0 {
				radius = 10
			}
		}
		circle, err := geo.NewCircle(centre.lon, centre.lat, radius)
		if err != nil {
			t.Fatal(err)
		}
		want := map[key]int{}
		for _, r := range located {
			d := vincentyDist(centre.lon, centre.lat, r.lon, r.lat)
			// Skip the last-ulp disagreements of two formulas at the rim.
			if math.Abs(d-radius) < 1e-6 && d != 0 {
				if circle.Contains(r.lon, r.lat) {
					want[key{r.street, r.ctype, r.id, r.lon, r.lat}]++
				}
				continue
			}
			if d <= radius {
				want[key{r.street, r.ctype, r.id, r.lon, r.lat}]++
			}
		}
		got := multiset(ds, circle, &geo.Filter{})
		if !equalMultisets(got, want) {
			t.Fatalf("circle %v,%v r=%v: got %d crimes, want %d", centre.lon, centre.lat, radius, total(got), total(want))
		}
		k, err := ds.Count(context.Background(), circle, &geo.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if k.Total != total(want) {
			t.Fatalf("Count: got %d, want %d", k.Total, total(want))
		}
	}

	// A polygon with a hole around Southampton.
	outer := [][2]float64{{-1.5, 50.85}, {-1.3, 50.85}, {-1.3, 50.98}, {-1.5, 50.98}, {-1.5, 50.85}}
	hole := [][2]float64{{-1.42, 50.89}, {-1.38, 50.89}, {-1.38, 50.93}, {-1.42, 50.93}, {-1.42, 50.89}}
	toRing := func(r [][2]float64) orb.Ring {
		out := orb.Ring{}
		for _, p := range r {
			out = append(out, orb.Point{p[0], p[1]})
		}
		return out
	}
	poly, err := geo.NewPolygon(orb.MultiPolygon{{toRing(outer), toRing(hole)}})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := ds.Categories().BySlug("violent-crime")
	var f geo.Filter
	f.Categories.Add(cat)
	want := map[key]int{}
	for _, r := range located {
		if r.ctype == "Violence and sexual offences" && inRing(outer, r.lon, r.lat) && !inRing(hole, r.lon, r.lat) {
			want[key{r.street, r.ctype, r.id, r.lon, r.lat}]++
		}
	}
	if got := multiset(ds, poly, &f); !equalMultisets(got, want) || total(want) == 0 {
		t.Fatalf("polygon: got %d, want %d", total(got), total(want))
	}
}

func total(m map[key]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func equalMultisets(a, b map[key]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCountMatchesRows(t *testing.T) {
	rows := hampshireRows(t)
	ds := build(t, rows, "hampshire")
	byType := map[string]int{}
	noLoc := 0
	for _, r := range rows {
		byType[r.ctype]++
		if !r.located {
			noLoc++
		}
	}
	k, err := ds.Count(context.Background(), nil, &geo.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if k.Total != len(rows) {
		t.Fatalf("total %d, want %d rows", k.Total, len(rows))
	}
	for name, n := range byType {
		c, ok := ds.Categories().ByName(name)
		if !ok {
			t.Fatalf("category %q missing", name)
		}
		if got := k.ByCategory(geo.Category(c)); got != n {
			t.Errorf("%s: got %d, want %d", name, got, n)
		}
	}
	got := 0
	for range ds.NoLocation(&geo.Filter{}) {
		got++
	}
	if got != noLoc || ds.Len()-ds.Located() != noLoc {
		t.Errorf("no location: got %d (table %d), want %d", got, ds.Len()-ds.Located(), noLoc)
	}
}

func TestPagesCoverEachCrimeOnce(t *testing.T) {
	rows := hampshireRows(t)
	ds := build(t, rows, "hampshire")
	box, err := geo.NewBox(-1.6, 50.7, -0.9, 51.1)
	if err != nil {
		t.Fatal(err)
	}
	burglary, ok := ds.Categories().ByName("Burglary")
	if !ok {
		t.Fatal("no burglary in the month")
	}
	var onlyBurglary geo.Filter
	onlyBurglary.Categories.Add(burglary)
	inBox := func(r row) bool { return r.lon >= -1.6 && r.lon <= -0.9 && r.lat >= 50.7 && r.lat <= 51.1 }
	for _, tc := range []struct {
		name string
		area geo.Area
		f    geo.Filter
		want func(row) bool // brute force over the file's rows
	}{
		{"box", box, geo.Filter{}, inBox},
		{"everywhere", nil, geo.Filter{}, func(row) bool { return true }},
		{"everywhere, burglary", nil, onlyBurglary, func(r row) bool { return r.ctype == "Burglary" }},
		{"box, burglary", box, onlyBurglary, func(r row) bool { return inBox(r) && r.ctype == "Burglary" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := 0
			for _, r := range rows {
				if r.located && tc.want(r) {
					want++
				}
			}
			seen := map[geo.CrimeID]bool{}
			after := int64(-1)
			for {
				pg, err := ds.PageIn(context.Background(), tc.area, &tc.f, after, 997)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range pg.Crimes {
					if seen[c] {
						t.Fatalf("crime %d on two pages", c)
					}
					seen[c] = true
				}
				if !slices.IsSorted(pg.Crimes) {
					t.Fatal("page not in table order")
				}
				if !pg.More {
					break
				}
				after = int64(pg.Next)
			}
			if len(seen) != want || want == 0 {
				t.Fatalf("pages listed %d crimes, the file has %d", len(seen), want)
			}
		})
	}
}

func TestMonthFilterAndPersistentIDs(t *testing.T) {
	rows := hampshireRows(t)
	ds := build(t, rows, "hampshire")
	// Every crime ID in the file resolves to as many crimes as rows carry it.
	ids := map[string]int{}
	for _, r := range rows {
		if r.id != "" {
			ids[r.id]++
		}
	}
	for id, n := range ids {
		cs := ds.CrimesByPersistentID(id)
		if len(cs) != n {
			t.Fatalf("%s: %d crimes, want %d", id, len(cs), n)
		}
		for _, c := range cs {
			if ds.PersistentID(c) != id {
				t.Fatalf("crime %d has id %s, want %s", c, ds.PersistentID(c), id)
			}
		}
	}
	m, _ := geo.ParseMonth("2017-03")
	if k, err := ds.Count(context.Background(), nil, &geo.Filter{From: m}); err != nil || k.Total != 0 {
		t.Fatalf("crimes after 2017-03: %d", k.Total)
	}
}

func TestReplacingAUnitNeverDoubles(t *testing.T) {
	rows := hampshireRows(t)
	b := geo.NewBuilder()
	m, _ := geo.ParseMonth("2017-02")
	for seq := 0; seq < 2; seq++ {
		sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, seq, "copy"+strconv.Itoa(seq))
		for _, r := range rows {
			sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: r.located, Lon: r.lon, Lat: r.lat, Location: []byte(r.street), CrimeType: []byte(r.ctype)})
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
	}
	ds, st, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != len(rows) || len(st.Replaced) != 1 {
		t.Fatalf("got %d crimes and %d replacements, want %d and 1", ds.Len(), len(st.Replaced), len(rows))
	}
}

// TestVersion checks that equal rows give equal versions and that a change
// to anything a response shows gives another.
func TestVersion(t *testing.T) {
	rows := hampshireRows(t)
	base := build(t, rows, "hampshire").Version()
	if again := build(t, rows, "hampshire").Version(); again != base {
		t.Fatalf("versions differ: %s %s", base, again)
	}
	first := slices.IndexFunc(rows, func(r row) bool { return r.located })
	withID := slices.IndexFunc(rows, func(r row) bool { return r.id != "" })
	cases := []struct {
		name   string
		change func([]row) []row
	}{
		{"a row less", func(rs []row) []row { return rs[:len(rs)-1] }},
		{"an outcome", func(rs []row) []row { rs[withID].outcome = "Under investigation (changed)"; return rs }},
		{"a street", func(rs []row) []row { rs[first].street = "On or near Nowhere"; return rs }},
		{"a point's LSOA", func(rs []row) []row {
			for i := range rs {
				if rs[i].lon == rs[first].lon && rs[i].lat == rs[first].lat && rs[i].street == rs[first].street {
					rs[i].lsoa = "E01999999"
				}
			}
			return rs
		}},
		{"a context", func(rs []row) []row { rs[first].context = "seen twice"; return rs }},
		{"a Crime ID", func(rs []row) []row { rs[withID].id = strings.Repeat("ab", 32); return rs }},
		{"a Crime ID not in hex", func(rs []row) []row { rs[withID].id = "not hex"; return rs }},
		{"another Crime ID not in hex", func(rs []row) []row { rs[withID].id = "not hex either"; return rs }},
		{"two rows of a point swapped", func(rs []row) []row {
			// Same point, other crime types: each crime's public id
			// now shows the other's type.
			for i := range rs {
				for j := i + 1; j < len(rs); j++ {
					if rs[i].located && rs[j].lon == rs[i].lon && rs[j].lat == rs[i].lat && rs[j].street == rs[i].street && rs[j].ctype != rs[i].ctype {
						rs[i], rs[j] = rs[j], rs[i]
						return rs
					}
				}
			}
			t.Fatal("no point with two crime types")
			return rs
		}},
	}
	seen := map[string]string{base: "the rows as read"}
	for _, tc := range cases {
		v := build(t, tc.change(slices.Clone(rows)), "hampshire").Version()
		if prev, ok := seen[v]; ok {
			t.Errorf("%s: version %s, the same as with %s", tc.name, v, prev)
		}
		seen[v] = tc.name
	}
}

func TestNearest(t *testing.T) {
	rows := hampshireRows(t)
	ds := build(t, rows, "hampshire")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 260; i++ {
		lon, lat := -1.6+rng.Float64()*0.8, 50.7+rng.Float64()*0.5
		switch {
		case i >= 240: // far outside the data: London to Cornwall
			lon, lat = -5.5+rng.Float64()*5.5, 50+rng.Float64()*1.6
		case i >= 220: // on a snap point
			lon, lat = ds.PointLonLat(geo.PointID(rng.IntN(ds.NumPoints())))
		}
		p, ok := ds.Nearest(lon, lat)
		if !ok {
			t.Fatal("no nearest")
		}
		plon, plat := ds.PointLonLat(p)
		got := vincentyDist(lon, lat, plon, plat)
		for q := 0; q < ds.NumPoints(); q++ {
			qlon, qlat := ds.PointLonLat(geo.PointID(q))
			if d := vincentyDist(lon, lat, qlon, qlat); d < got-1e-6 {
				t.Fatalf("nearest to %v,%v is %v m away, but point %d is %v m", lon, lat, got, q, d)
			}
		}
	}
}

func TestMonthRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{{"2017-02", true}, {"0001-01", true}, {"5000-12", true}, {"9999-12", false}, {"2017-13", false}, {"2017-00", false}, {"17-02", false}, {"2017/02", false}, {"", false}, {"0000-01", false}} {
		m, err := geo.ParseMonth(tc.in)
		if (err == nil) != tc.want {
			t.Errorf("ParseMonth(%q) error = %v, want ok=%v", tc.in, err, tc.want)
			continue
		}
		if err == nil && m.String() != tc.in {
			t.Errorf("ParseMonth(%q).String() = %q", tc.in, m.String())
		}
	}
}

func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2017-02", "2017-13", "abcd-ef", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := geo.ParseMonth(s)
		if err == nil && m.String() != s {
			t.Fatalf("ParseMonth(%q) = %v", s, m)
		}
	})
}

// TestCircleContainsAgreesWithDistance checks the fast paths of Contains
// against Distance for circles of every size and latitude.
func TestCircleContainsAgreesWithDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 2000; i++ {
		lat := rng.Float64()*170 - 85
		lon := rng.Float64()*360 - 180
		switch i % 10 {
		case 0: // near a pole
			lat = math.Copysign(89+rng.Float64(), lat)
		case 1: // near the antimeridian
			lon = math.Copysign(179.9+rng.Float64()*0.1, lon)
		case 2: // across the equator
			lat = rng.Float64()*0.2 - 0.1
		}
		r := math.Exp(rng.Float64()*math.Log(geo.MaxRadius/1)) + 1
		c, err := geo.NewCircle(lon, lat, math.Min(r, geo.MaxRadius))
		if err != nil {
			t.Fatal(err)
		}
		b := c.Bound()
		for j := 0; j < 200; j++ {
			plon := b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0])
			plat := b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])
			if plon < -180 || plon > 180 {
				continue
			}
			want := geo.Distance(lon, lat, plon, plat) <= c.Radius
			if got := c.Contains(plon, plat); got != want {
				t.Fatalf("circle %v,%v r=%v: Contains(%v,%v)=%v, distance %v", lon, lat, c.Radius, plon, plat, got, geo.Distance(lon, lat, plon, plat))
			}
		}
		// Points on and about the rim, where the bounds must give way to
		// the exact test.
		for _, rel := range []float64{-1e-3, -1e-6, -1e-9, -1e-12, 0, 1e-12, 1e-9, 1e-6, 1e-3} {
			for k := 0; k < 8; k++ {
				plon, plat := destination(lon, lat, rng.Float64()*2*math.Pi, c.Radius*(1+rel))
				want := geo.Distance(lon, lat, plon, plat) <= c.Radius
				if got := c.Contains(plon, plat); got != want {
					t.Fatalf("circle %v,%v r=%v: Contains(%v,%v)=%v, distance %v", lon, lat, c.Radius, plon, plat, got, geo.Distance(lon, lat, plon, plat))
				}
			}
		}
	}
}

// destination is the point dist metres from lon/lat along bearing
// (radians from north), on the sphere: the direct formula, independent of
// the code under test.
func destination(lon, lat, bearing, dist float64) (float64, float64) {
	const rad = math.Pi / 180
	d := dist / geo.EarthRadius
	p1, l1 := lat*rad, lon*rad
	p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(bearing))
	l2 := l1 + math.Atan2(math.Sin(bearing)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
	lon2 := math.Mod(l2/rad+540, 360) - 180
	return lon2, p2 / rad
}
