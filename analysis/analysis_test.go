package analysis

import (
	"context"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/uber/h3-go/v4"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

func seed(t *testing.T) uint64 {
	s := uint64(1)
	if v := os.Getenv("SEED"); v != "" {
		s, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("SEED=%d", s)
	return s
}

// refGiStar is the textbook Gi* over a dense weight matrix, written apart
// from GiStar: sample mean and population variance, S*_1i = sum_j w_ij^2.
func refGiStar(x []float64, w [][]float64) []float64 {
	n := float64(len(x))
	mean := 0.0
	for _, v := range x {
		mean += v / n
	}
	v := 0.0
	for _, xi := range x {
		v += (xi - mean) * (xi - mean) / n
	}
	s := math.Sqrt(v)
	z := make([]float64, len(x))
	for i := range x {
		var wx, wi, s1 float64
		for j := range x {
			wx += w[i][j] * x[j]
			wi += w[i][j]
			s1 += w[i][j] * w[i][j]
		}
		z[i] = (wx - wi*mean) / (s * math.Sqrt((n*s1-wi*wi)/(n-1)))
	}
	return z
}

func TestGiStarByHand(t *testing.T) {
	// A path 0-1-2-3 with all crimes at the end: mean 1, S = sqrt(3).
	x := []float64{0, 0, 0, 4}
	nbrs := [][]int32{{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}}
	want := []float64{-1, -math.Sqrt(3), 1 / math.Sqrt(3), 1}
	got := GiStar(x, nbrs)
	for i := range want {
		if math.Abs(got[i].Z-want[i]) > 1e-12 {
			t.Errorf("z[%d] = %v, want %v", i, got[i].Z, want[i])
		}
	}
	if p := got[3].P; math.Abs(p-0.31731050786291415) > 1e-12 {
		t.Errorf("p(z=1) = %v, want 0.3173105078629141", p)
	}
}

func TestConfidenceBin(t *testing.T) {
	tests := []struct {
		z    float64
		want int
	}{
		{0, 0}, {1.6, 0}, {1.7, 1}, {-1.7, -1}, {1.97, 2}, {-2.0, -2}, {2.6, 3}, {-3.5, -3},
	}
	for _, tc := range tests {
		p := math.Erfc(math.Abs(tc.z) / math.Sqrt2)
		if got := confidenceBin(tc.z, p); got != tc.want {
			t.Errorf("confidenceBin(%v, %v) = %d, want %d", tc.z, p, got, tc.want)
		}
	}
}

func TestGiStarDegenerate(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		nbrs [][]int32
	}{
		{"empty", nil, nil},
		{"one cell", []float64{3}, [][]int32{{0}}},
		{"all equal", []float64{2, 2, 2}, [][]int32{{0, 1}, {0, 1, 2}, {1, 2}}},
		{"neighbourhood is everything", []float64{1, 5}, [][]int32{{0, 1}, {0, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, g := range GiStar(tc.x, tc.nbrs) {
				if g != (Gi{P: 1}) {
					t.Errorf("cell %d: %+v, want z 0, p 1", i, g)
				}
			}
		})
	}
}

// TestGiStarMatchesReferenceOnH3 runs GiStar on a real H3 neighbourhood
// and compares it with the dense computation, weights from GridDistance.
func TestGiStarMatchesReferenceOnH3(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 0))
	origin := h3.LatLngToCell(h3.LatLng{Lat: 51.45, Lng: -2.59}, 8)
	cells := h3.GridDisk(origin, 6)
	slices.Sort(cells)
	for _, k := range []int{1, 2, 3} {
		x := make([]float64, len(cells))
		for i := range x {
			if rng.IntN(3) > 0 {
				x[i] = float64(rng.IntN(40))
			}
		}
		nbrs := make([][]int32, len(cells))
		for i, c := range cells {
			for _, nc := range h3.GridDisk(c, k) {
				if j, ok := slices.BinarySearch(cells, nc); ok {
					nbrs[i] = append(nbrs[i], int32(j))
				}
			}
		}
		w := make([][]float64, len(cells))
		for i := range cells {
			w[i] = make([]float64, len(cells))
			for j := range cells {
				if h3.GridDistance(cells[i], cells[j]) <= k {
					w[i][j] = 1
				}
			}
		}
		want := refGiStar(x, w)
		for i, g := range GiStar(x, nbrs) {
			if math.Abs(g.Z-want[i]) > 1e-9 {
				t.Fatalf("k=%d cell %v: z %v, want %v", k, cells[i], g.Z, want[i])
			}
			if wp := math.Erfc(math.Abs(want[i]) / math.Sqrt2); math.Abs(g.P-wp) > 1e-9 {
				t.Fatalf("k=%d cell %v: p %v, want %v", k, cells[i], g.P, wp)
			}
		}
	}
}

type row struct {
	lon, lat float64
	month    geo.Month
	typ      string
}

func build(t testing.TB, rows []row) *geo.Dataset {
	t.Helper()
	batches := map[geo.Month]*geo.StreetBatch{}
	for _, r := range rows {
		sb := batches[r.month]
		if sb == nil {
			sb = geo.NewStreetBatch(geo.Unit{Force: "avon-and-somerset", Month: r.month}, 1, "test")
			batches[r.month] = sb
		}
		sb.AddStreet(&geo.StreetRow{Month: r.month, HasLocation: true, Lon: r.lon, Lat: r.lat,
			Location: []byte("On or near Test Street"), CrimeType: []byte(r.typ)})
	}
	return datasets.Build(t, slices.Collect(maps.Values(batches))...)
}

// randomRows scatters crimes around Bristol with a dense cluster.
func randomRows(rng *rand.Rand, n int, months ...geo.Month) []row {
	types := []string{"Burglary", "Shoplifting", "Drugs"}
	var rows []row
	for i := 0; i < n; i++ {
		lon, lat := -2.65+rng.Float64()*0.12, 51.42+rng.Float64()*0.08
		if rng.IntN(3) == 0 {
			lon, lat = -2.59+rng.NormFloat64()*0.004, 51.455+rng.NormFloat64()*0.003
		}
		rows = append(rows, row{lon, lat, months[rng.IntN(len(months))], types[rng.IntN(len(types))]})
	}
	return rows
}

func TestFindHotspotsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 0))
	m := geo.MakeMonth(2024, 3)
	rows := randomRows(rng, 3000, m)
	ds := build(t, rows)
	circle, _ := geo.NewCircle(-2.59, 51.455, 2500)
	box, _ := geo.NewBox(-2.62, 51.44, -2.56, 51.47)
	for _, tc := range []struct {
		name   string
		area   geo.Area
		res, k int
	}{
		{"circle res 8 k 1", circle, 8, 1},
		{"box res 9 k 2", box, 9, 2},
		{"circle res 9 k 1", circle, 9, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindHotspots(context.Background(), ds, HotspotQuery{Res: tc.res, K: tc.k, Area: tc.area})
			if err != nil {
				t.Fatal(err)
			}
			// Reference study area: walk outwards ring by ring from the
			// centre cell, keeping cells whose centre is inside.
			c := tc.area.Bound().Center()
			start := h3.LatLngToCell(h3.LatLng{Lat: c[1], Lng: c[0]}, tc.res)
			inside := map[h3.Cell]bool{}
			for ring := 0; ; ring++ {
				found := false
				for _, cell := range h3.GridDisk(start, ring) {
					ll := h3.CellToLatLng(cell)
					if h3.GridDistance(start, cell) == ring && tc.area.Contains(ll.Lng, ll.Lat) {
						inside[cell], found = true, true
					}
				}
				if !found && ring > 2 {
					break
				}
			}
			counts := map[h3.Cell]int{}
			for _, r := range rows {
				if tc.area.Contains(r.lon, r.lat) {
					cell := h3.LatLngToCell(h3.LatLng{Lat: r.lat, Lng: r.lon}, tc.res)
					counts[cell]++
					inside[cell] = true
				}
			}
			var cells []h3.Cell
			for cell := range inside {
				cells = append(cells, cell)
			}
			slices.Sort(cells)
			if len(got.Cells) != len(cells) {
				t.Fatalf("study area of %d cells, want %d", len(got.Cells), len(cells))
			}
			x := make([]float64, len(cells))
			w := make([][]float64, len(cells))
			for i := range cells {
				x[i] = float64(counts[cells[i]])
				w[i] = make([]float64, len(cells))
				for j := range cells {
					if h3.GridDistance(cells[i], cells[j]) <= tc.k {
						w[i][j] = 1
					}
				}
			}
			want := refGiStar(x, w)
			hot := 0
			for i, h := range got.Cells {
				if h.Cell != cells[i] || h.Count != counts[cells[i]] {
					t.Fatalf("cell %d: %v with %d, want %v with %d", i, h.Cell, h.Count, cells[i], counts[cells[i]])
				}
				if math.Abs(h.Z-want[i]) > 1e-9 {
					t.Errorf("cell %v: z %v, want %v", h.Cell, h.Z, want[i])
				}
				if h.Bin == 3 {
					hot++
				}
			}
			if hot == 0 {
				t.Errorf("no 99%% hot spot found over a planted cluster")
			}
		})
	}
}

func TestFindHotspotsErrors(t *testing.T) {
	ds := build(t, []row{{-2.59, 51.45, geo.MakeMonth(2024, 1), "Drugs"}})
	box, _ := geo.NewBox(-3, 51, -2, 52)
	tests := []struct {
		name string
		q    HotspotQuery
		want error
	}{
		{"k 0", HotspotQuery{Res: 7, K: 0, Area: box}, ErrBadK},
		{"k 6", HotspotQuery{Res: 7, K: 6, Area: box}, ErrBadK},
		{"no area", HotspotQuery{Res: 7, K: 1}, ErrNoArea},
		{"res 14", HotspotQuery{Res: 14, K: 1, Area: box}, geo.ErrBadRes},
		{"too many cells", HotspotQuery{Res: 11, K: 1, Area: box}, geo.ErrTooManyCells},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindHotspots(context.Background(), ds, tc.q)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var le *geo.CellLimitError
			if errors.As(err, &le) {
				if le.Fits < 0 || le.Fits >= tc.q.Res {
					t.Fatalf("Fits = %d, want a coarser resolution", le.Fits)
				}
				q := tc.q
				q.Res = le.Fits
				if _, err := FindHotspots(context.Background(), ds, q); err != nil {
					t.Errorf("the suggested resolution %d fails: %v", le.Fits, err)
				}
			}
		})
	}
}

func TestPeriodChangeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 0))
	jan, feb, mar, apr := geo.MakeMonth(2024, 1), geo.MakeMonth(2024, 2), geo.MakeMonth(2024, 3), geo.MakeMonth(2024, 4)
	rows := randomRows(rng, 2000, jan, feb, mar, apr)
	ds := build(t, rows)
	box, _ := geo.NewBox(-2.62, 51.43, -2.55, 51.48)
	drugs, _ := ds.Categories().BySlug("drugs")
	var cats geo.Set
	cats.Add(drugs)
	for _, tc := range []struct {
		name      string
		cur, base geo.Filter
		keep      func(row) bool
	}{
		{"months", geo.Filter{From: mar, To: apr}, geo.Filter{From: jan, To: feb}, func(row) bool { return true }},
		{"drugs", geo.Filter{From: apr, To: apr, Categories: cats}, geo.Filter{From: jan, To: mar, Categories: cats}, func(r row) bool { return r.typ == "Drugs" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PeriodChange(context.Background(), ds, ChangeQuery{Res: 9, Area: box, Current: tc.cur, Base: tc.base})
			if err != nil {
				t.Fatal(err)
			}
			base, cur := map[h3.Cell]int{}, map[h3.Cell]int{}
			var tb, tcur int
			for _, r := range rows {
				if !box.Contains(r.lon, r.lat) || !tc.keep(r) {
					continue
				}
				cell := h3.LatLngToCell(h3.LatLng{Lat: r.lat, Lng: r.lon}, 9)
				if r.month >= tc.base.From && r.month <= tc.base.To {
					base[cell]++
					tb++
				}
				if r.month >= tc.cur.From && r.month <= tc.cur.To {
					cur[cell]++
					tcur++
				}
			}
			union := map[h3.Cell]bool{}
			for c := range base {
				union[c] = true
			}
			for c := range cur {
				union[c] = true
			}
			if len(got.Cells) != len(union) {
				t.Fatalf("%d cells, want %d", len(got.Cells), len(union))
			}
			for _, cc := range got.Cells {
				if cc.Base != base[cc.Cell] || cc.Current != cur[cc.Cell] || cc.Diff != cur[cc.Cell]-base[cc.Cell] {
					t.Errorf("cell %v: %+v, want base %d current %d", cc.Cell, cc, base[cc.Cell], cur[cc.Cell])
				}
				if b := base[cc.Cell]; b > 0 {
					want := float64(cur[cc.Cell]-b) / float64(b) * 100
					if !cc.HasPct || math.Abs(cc.Pct-want) > 1e-9 {
						t.Errorf("cell %v: pct %v, want %v", cc.Cell, cc.Pct, want)
					}
				} else if cc.HasPct {
					t.Errorf("cell %v: pct %v with an empty base", cc.Cell, cc.Pct)
				}
			}
			if got.Summary.Base != tb || got.Summary.Current != tcur {
				t.Errorf("summary %+v, want base %d current %d", got.Summary, tb, tcur)
			}
		})
	}
	if _, err := PeriodChange(context.Background(), ds, ChangeQuery{Res: 9, Current: geo.Filter{From: jan}, Base: geo.Filter{From: jan, To: feb}}); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("open period: err = %v, want ErrBadPeriod", err)
	}
}

// TestAnalysesStopWhenContextEnds checks that hotspots and period change
// give up with the context's error once it has ended.
func TestAnalysesStopWhenContextEnds(t *testing.T) {
	ds := build(t, []row{{-2.59, 51.45, geo.MakeMonth(2024, 1), "Drugs"}})
	box, _ := geo.NewBox(-3, 51, -2, 52)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FindHotspots(ctx, ds, HotspotQuery{Res: 7, K: 1, Area: box}); !errors.Is(err, context.Canceled) {
		t.Errorf("FindHotspots: err = %v, want context.Canceled", err)
	}
	if _, err := StudyCells(ctx, box, 7, MaxStudyCells); !errors.Is(err, context.Canceled) {
		t.Errorf("StudyCells: err = %v, want context.Canceled", err)
	}
	m := geo.MakeMonth(2024, 1)
	q := ChangeQuery{Res: 7, Area: box, Current: geo.Filter{From: m, To: m}, Base: geo.Filter{From: m, To: m}}
	if _, err := PeriodChange(ctx, ds, q); !errors.Is(err, context.Canceled) {
		t.Errorf("PeriodChange: err = %v, want context.Canceled", err)
	}
}
