package geo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

func TestCellParentMatchesH3(t *testing.T) {
	seed := uint64(1)
	if s := os.Getenv("SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := 0; i < 2000; i++ {
		ll := h3.LatLng{Lat: rng.Float64()*180 - 90, Lng: rng.Float64()*360 - 180}
		from := rng.IntN(16) // 0..15, every H3 resolution
		c := h3.LatLngToCell(ll, from)
		for r := 0; r <= from; r++ {
			if got, want := CellParent(c, r), c.Parent(r); got != want {
				t.Fatalf("CellParent(%v, %d) = %v, want %v", c, r, got, want)
			}
		}
		if got := CellRes(c); got != from {
			t.Fatalf("CellRes(%v) = %d, want %d", c, got, from)
		}
	}
}

func TestParseCell(t *testing.T) {
	tests := []struct {
		name, in string
		want     h3.Cell
		wantErr  error
	}{
		{"res 9", "89194ad3353ffff", h3.Cell(0x89194ad3353ffff), nil},
		{"upper case", "89194AD3353FFFF", h3.Cell(0x89194ad3353ffff), nil},
		{"res 0", "8019fffffffffff", h3.Cell(0x8019fffffffffff), nil},
		{"empty", "", 0, ErrBadCell},
		{"not hex", "89194ad3353fffg", 0, ErrBadCell},
		{"too long", "089194ad3353ffff0", 0, ErrBadCell},
		{"digit after res is not 7", "89194ad3353fff0", 0, ErrBadCell},
		{"mode 0", "09194ad3353ffff", 0, ErrBadCell},
		{"zero", "0", 0, ErrBadCell},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCell(tc.in)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Errorf("ParseCell(%q) = %v, %v, want %v, %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseCell(f *testing.F) {
	for _, s := range []string{"89194ad3353ffff", "8019fffffffffff", "", "zz", "ffffffffffffffff", "8d194ad33c9b43f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCell(s)
		if err != nil {
			return
		}
		if !c.IsValid() {
			t.Fatalf("ParseCell(%q) = %v, not a valid cell", s, c)
		}
		// Round trip through h3's own formatting.
		if back, err := ParseCell(c.String()); err != nil || back != c {
			t.Fatalf("ParseCell(%q) = %v, its string %q parses to %v, %v", s, c, c.String(), back, err)
		}
		if want := h3.Cell(h3.IndexFromString(strings.ToLower(s))); want != c {
			t.Fatalf("ParseCell(%q) = %v, h3 reads %v", s, c, want)
		}
	})
}

// bruteCell is one cell of bruteHex's answer.
type bruteCell struct {
	count   int
	byType  map[string]int
	byMonth map[Month]int
}

// bruteHex groups the CSV rows by the definition of a hex count: each
// located row that passes the filter and lies in the area, in the cell h3
// computes for its coordinates at res.
func bruteHex(rows []csvCrime, res int, a Area, keep func(csvCrime) bool) map[h3.Cell]*bruteCell {
	out := map[h3.Cell]*bruteCell{}
	memo := map[[2]float64]h3.Cell{}
	for _, r := range rows {
		if !r.HasLoc || !keep(r) || (a != nil && !a.Contains(r.Lon, r.Lat)) {
			continue
		}
		key := [2]float64{r.Lon, r.Lat}
		c, ok := memo[key]
		if !ok {
			c = h3.LatLngToCell(h3.LatLng{Lat: r.Lat, Lng: r.Lon}, res)
			memo[key] = c
		}
		b := out[c]
		if b == nil {
			b = &bruteCell{byType: map[string]int{}, byMonth: map[Month]int{}}
			out[c] = b
		}
		b.count++
		b.byType[strings.ToLower(r.Type)]++
		b.byMonth[r.Month]++
	}
	return out
}

func TestHexCountsMatchBruteForce(t *testing.T) {
	ds, rows := realDataset(t)
	t.Logf("%d rows, %d points", len(rows), ds.NumPoints())
	london, _ := NewBox(-0.12, 51.50, -0.07, 51.53)
	circle, _ := NewCircle(-1.3, 50.9, 8000)
	poly, _ := NewPolygon(orb.MultiPolygon{{{{-0.10, 51.51}, {-0.08, 51.51}, {-0.09, 51.52}}}})
	burglary, _ := ds.Categories().BySlug("burglary")
	asb, _ := ds.Categories().BySlug("anti-social-behaviour")
	var cats Set
	cats.Add(burglary)
	cats.Add(asb)
	m1601 := MakeMonth(2016, 1)
	m1606 := MakeMonth(2016, 6)
	// Every force: the same crimes as no filter, but it makes the scan
	// answer where the precomputed counts would.
	var allForces Set
	for i := 0; i < ds.Forces().Len(); i++ {
		allForces.Add(i)
	}
	nfa, ok := ds.Outcomes().ByName("Investigation complete; no suspect identified")
	if !ok {
		t.Fatal("no outcome 'Investigation complete; no suspect identified'")
	}
	var outcomes Set
	outcomes.Add(nfa)
	tests := []struct {
		name   string
		res    int
		area   Area
		filter Filter
		keep   func(csvCrime) bool
	}{
		{"everything res 5", 5, nil, Filter{}, func(csvCrime) bool { return true }},
		{"outcome and category res 8", 8, nil, Filter{Outcomes: outcomes, Categories: cats}, func(r csvCrime) bool {
			return r.Outcome == "Investigation complete; no suspect identified" && (r.Type == "Burglary" || r.Type == "Anti-social behaviour")
		}},
		{"everything res 9", 9, nil, Filter{}, func(csvCrime) bool { return true }},
		{"everything res 6 scanned", 6, nil, Filter{Forces: allForces}, func(csvCrime) bool { return true }},
		{"everything res 6 precomputed", 6, nil, Filter{}, func(csvCrime) bool { return true }},
		{"months res 4 precomputed", 4, nil, Filter{From: m1601, To: m1606}, func(r csvCrime) bool { return r.Month >= m1601 && r.Month <= m1606 }},
		{"later months and categories res 5 precomputed", 5, nil, Filter{From: MakeMonth(2016, 3), To: MakeMonth(2017, 1), Categories: cats}, func(r csvCrime) bool {
			return r.Month >= MakeMonth(2016, 3) && r.Month <= MakeMonth(2017, 1) && (r.Type == "Burglary" || r.Type == "Anti-social behaviour")
		}},
		{"everything res 13", 13, nil, Filter{}, func(csvCrime) bool { return true }},
		{"city box res 10", 10, london, Filter{}, func(csvCrime) bool { return true }},
		{"city box res 0", 0, london, Filter{}, func(csvCrime) bool { return true }},
		{"circle res 8", 8, circle, Filter{}, func(csvCrime) bool { return true }},
		{"polygon res 12", 12, poly, Filter{}, func(csvCrime) bool { return true }},
		{"months res 11", 11, nil, Filter{From: m1601, To: m1606}, func(r csvCrime) bool { return r.Month >= m1601 && r.Month <= m1606 }},
		{"categories res 7", 7, nil, Filter{Categories: cats}, func(r csvCrime) bool { return r.Type == "Burglary" || r.Type == "Anti-social behaviour" }},
		{"both in box res 9", 9, london, Filter{From: m1601, To: m1606, Categories: cats}, func(r csvCrime) bool {
			return r.Month >= m1601 && r.Month <= m1606 && (r.Type == "Burglary" || r.Type == "Anti-social behaviour")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ds.HexCounts(context.Background(), HexQuery{Res: tc.res, Area: tc.area, Filter: tc.filter, ByCategory: true, ByMonth: true})
			if err != nil {
				t.Fatal(err)
			}
			want := bruteHex(rows, tc.res, tc.area, tc.keep)
			if len(want) == 0 {
				needShared(t)
				t.Fatal("the case selects no crime; it would test nothing")
			}
			if got.Len() != len(want) {
				t.Fatalf("%d cells, want %d", got.Len(), len(want))
			}
			if !slices.IsSorted(got.Cells) {
				t.Errorf("cells not ascending")
			}
			total := 0
			for i, c := range got.Cells {
				w := want[c]
				if w == nil {
					t.Fatalf("cell %v has %d crimes, want none", c, got.Count[i])
				}
				total += w.count
				if int(got.Count[i]) != w.count {
					t.Errorf("cell %v: count %d, want %d", c, got.Count[i], w.count)
				}
				for k := 0; k < got.NumCategories; k++ {
					name := strings.ToLower(ds.Categories().Term(k).Name)
					if g := got.Category(i, Category(k)); g != w.byType[name] {
						t.Errorf("cell %v %s: %d, want %d", c, name, g, w.byType[name])
					}
				}
				for m, month := range got.Months {
					if g := got.Month(i, m); g != w.byMonth[month] {
						t.Errorf("cell %v %s: %d, want %d", c, month, g, w.byMonth[month])
					}
				}
			}
			if got.Total != total {
				t.Errorf("Total = %d, want %d", got.Total, total)
			}
		})
	}
}

func TestHexCountsCellLimit(t *testing.T) {
	ds, rows := realDataset(t)
	all := func(csvCrime) bool { return true }
	n12 := len(bruteHex(rows, 12, nil, all))
	_, err := ds.HexCounts(context.Background(), HexQuery{Res: 12, Limit: n12 - 1})
	var le *CellLimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrTooManyCells) {
		t.Fatalf("HexCounts over the limit: err = %v, want a CellLimitError", err)
	}
	if le.Cells != n12 || le.Fits < 0 || le.Fits >= 12 {
		t.Fatalf("CellLimitError = %+v, want Cells %d and a coarser Fits", le, n12)
	}
	// Fits must fit and be the finest that does.
	if n := len(bruteHex(rows, le.Fits, nil, all)); n > n12-1 {
		t.Errorf("Fits %d has %d cells, over the limit %d", le.Fits, n, n12-1)
	}
	if le.Fits < 11 {
		if n := len(bruteHex(rows, le.Fits+1, nil, all)); n <= n12-1 {
			t.Errorf("Fits %d but resolution %d fits too (%d cells)", le.Fits, le.Fits+1, n)
		}
	}
	if _, err := ds.HexCounts(context.Background(), HexQuery{Res: 12, Limit: n12}); err != nil {
		t.Errorf("HexCounts at exactly the limit: %v", err)
	}
	for _, res := range []int{-1, 14} {
		if _, err := ds.HexCounts(context.Background(), HexQuery{Res: res}); !errors.Is(err, ErrBadRes) {
			t.Errorf("HexCounts(res %d) err = %v, want ErrBadRes", res, err)
		}
	}
}

func TestCountCellsMatchesBruteForce(t *testing.T) {
	ds, rows := realDataset(t)
	all := func(csvCrime) bool { return true }
	for _, res := range []int{6, 9, 12} {
		want := bruteHex(rows, res, nil, all)
		// The busiest cell and its ring, one of which may be empty.
		var busiest h3.Cell
		for c, b := range want {
			if busiest == 0 || b.count > want[busiest].count || (b.count == want[busiest].count && c < busiest) {
				busiest = c
			}
		}
		cells := h3.GridDisk(busiest, 1)
		got, err := ds.CountCells(context.Background(), cells, &Filter{})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i, c := range cells {
			w := 0
			if want[c] != nil {
				w = want[c].count
			}
			total += w
			if got.Count[i] != w {
				t.Errorf("res %d cell %v: %d, want %d", res, c, got.Count[i], w)
			}
		}
		if got.Total != total {
			t.Errorf("res %d: Total %d, want %d", res, got.Total, total)
		}
	}
	if _, err := ds.CountCells(context.Background(), []h3.Cell{h3.Cell(0x89194ad3353ffff), h3.Cell(0x88194ad33dfffff)}, &Filter{}); !errors.Is(err, ErrBadCell) {
		t.Errorf("mixed resolutions: err = %v, want ErrBadCell", err)
	}
}

// TestCellsMatchH3JS checks every real snap point's cells against h3-js, an
// implementation independent of the cgo library.
func TestCellsMatchH3JS(t *testing.T) {
	dir := filepath.Join("testdata", "h3js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "h3-js")); err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatalf("h3-js not installed (run npm ci in %s): %v", dir, err)
		}
		t.Skipf("h3-js not installed; run npm ci in %s", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CRIMEMAP_REQUIRE_NODE") == "1" {
			t.Fatal(err)
		}
		t.Skip("node not found")
	}
	ds, _ := realDataset(t)
	var in strings.Builder
	for p := 0; p < ds.NumPoints(); p++ {
		lon, lat := ds.PointLonLat(PointID(p))
		fmt.Fprintf(&in, "%s,%s\n", strconv.FormatFloat(lat, 'g', -1, 64), strconv.FormatFloat(lon, 'g', -1, 64))
	}
	cmd := exec.Command(node, "cells.js")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node cells.js: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	p, bad := 0, 0
	for ; sc.Scan(); p++ {
		f := strings.Fields(sc.Text())
		if len(f) != 17 {
			t.Fatalf("line %d: %d fields", p+1, len(f))
		}
		c13 := ds.PointCell(PointID(p))
		for i, res := 0, 5; res <= 13; i, res = i+1, res+1 {
			got := ds.PointCellAt(PointID(p), res)
			if got.String() != f[i] && bad < 20 {
				bad++
				t.Errorf("point %d res %d: cell %v, h3-js %s", p, res, got, f[i])
			}
			if res < 13 {
				if par := CellParent(c13, res).String(); par != f[9+i] && bad < 20 {
					bad++
					t.Errorf("point %d: CellParent(%v, %d) = %s, h3-js %s", p, c13, res, par, f[9+i])
				}
			}
		}
	}
	if p != ds.NumPoints() {
		t.Fatalf("h3-js answered for %d points, want %d", p, ds.NumPoints())
	}
	t.Logf("%d snap points checked at resolutions 5..13", p)
}

func TestHexCountsInBoundMatchesBruteForce(t *testing.T) {
	ds, rows := realDataset(t)
	burglary, _ := ds.Categories().BySlug("burglary")
	var cats Set
	cats.Add(burglary)
	cityForce, _ := ds.Forces().BySlug("city-of-london")
	var forces Set
	forces.Add(cityForce)
	m1601, m1606 := MakeMonth(2016, 1), MakeMonth(2016, 6)
	london := orb.Bound{Min: orb.Point{-0.1, 51.505}, Max: orb.Point{-0.08, 51.52}}
	wide := orb.Bound{Min: orb.Point{-3, 50}, Max: orb.Point{1, 53}}
	tests := []struct {
		name   string
		res    int
		b      orb.Bound
		filter Filter
		keep   func(csvCrime) bool
	}{
		{"cube res 7 wide", 7, wide, Filter{}, func(csvCrime) bool { return true }},
		{"cube res 5 months and category", 5, wide, Filter{From: m1601, To: m1606, Categories: cats}, func(r csvCrime) bool {
			return r.Month >= m1601 && r.Month <= m1606 && r.Type == "Burglary"
		}},
		{"cube res 7 city", 7, orb.Bound{Min: orb.Point{-0.2, 51.45}, Max: orb.Point{0, 51.56}}, Filter{}, func(csvCrime) bool { return true }},
		{"scan res 9 city", 9, london, Filter{To: m1606}, func(r csvCrime) bool { return r.Month <= m1606 }},
		{"scan for a force filter at res 6", 6, wide, Filter{Forces: forces}, func(r csvCrime) bool { return r.Force == "city-of-london" }},
		{"cube res 0 world", 0, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, Filter{}, func(csvCrime) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ds.HexCountsInBound(tc.res, tc.b, tc.filter, true)
			if err != nil {
				t.Fatal(err)
			}
			want := map[h3.Cell]*bruteCell{}
			for c, bc := range bruteHex(rows, tc.res, nil, tc.keep) {
				ll := h3.CellToLatLng(c)
				if tc.b.Contains(orb.Point{ll.Lng, ll.Lat}) {
					want[c] = bc
				}
			}
			if len(want) == 0 {
				needShared(t)
			}
			if got.Len() != len(want) || len(want) == 0 {
				t.Fatalf("%d cells, want %d (not 0)", got.Len(), len(want))
			}
			total := 0
			for i, c := range got.Cells {
				w := want[c]
				if w == nil || int(got.Count[i]) != w.count {
					t.Fatalf("cell %v: %d, want %v", c, got.Count[i], w)
				}
				total += w.count
				for k := 0; k < got.NumCategories; k++ {
					name := strings.ToLower(ds.Categories().Term(k).Name)
					if g := got.Category(i, Category(k)); g != w.byType[name] {
						t.Errorf("cell %v %s: %d, want %d", c, name, g, w.byType[name])
					}
				}
			}
			if got.Total != total {
				t.Errorf("Total %d, want %d", got.Total, total)
			}
		})
	}
}

// TestAncestorIsNotContainingCell pins the reason for per-resolution cell
// columns: on real points the ancestor of the finest cell is often not the
// cell containing the point.
func TestAncestorIsNotContainingCell(t *testing.T) {
	ds, _ := realDataset(t)
	differ := 0
	for p := 0; p < ds.NumPoints(); p++ {
		lon, lat := ds.PointLonLat(PointID(p))
		if CellParent(ds.PointCell(PointID(p)), 9) != h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, 9) {
			differ++
		}
	}
	t.Logf("%d of %d snap points: resolution 9 ancestor is not the containing cell", differ, ds.NumPoints())
	if differ == 0 {
		t.Error("every ancestor is the containing cell; the per-resolution columns would be unnecessary")
	}
}

func TestCellShapeOf(t *testing.T) {
	for _, s := range []string{"89194ad3353ffff", "8019fffffffffff", "8d194ad33c9b43f"} {
		c, _ := ParseCell(s)
		for round := 0; round < 2; round++ { // computed, then cached
			got := CellShapeOf(c)
			ll := h3.CellToLatLng(c)
			if got.Center != (orb.Point{ll.Lng, ll.Lat}) {
				t.Errorf("%s centre %v, want %v", s, got.Center, ll)
			}
			bd := h3.CellToBoundary(c)
			if len(got.Vertices) != len(bd) {
				t.Fatalf("%s: %d vertices, want %d", s, len(got.Vertices), len(bd))
			}
			for i, v := range bd {
				if got.Vertices[i] != (orb.Point{v.Lng, v.Lat}) {
					t.Errorf("%s vertex %d %v, want %v", s, i, got.Vertices[i], v)
				}
			}
		}
	}
}
