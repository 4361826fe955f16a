package adjacency

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// box is a one-ring area, counter-clockwise.
func box(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.MultiPolygon
		want bool
	}{
		{"same edge", box(0, 0, 1, 1), box(1, 0, 2, 1), true},
		{"same edge, other direction and start", box(0, 0, 1, 1), orb.MultiPolygon{{{{2, 1}, {1, 1}, {1, 0}, {2, 0}, {2, 1}}}}, true},
		{"part of an edge (T-junction)", box(0, 0, 1, 2), box(1, 0.5, 2, 1.5), true},
		{"edges overlapping at their ends", box(0, 0, 1, 1), box(1, 0.5, 2, 1.5), true},
		{"edge split by a vertex on one side", box(0, 0, 1, 1), orb.MultiPolygon{{{{1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 0.5}, {1, 0}}}}, true},
		{"off by float noise", box(0, 0, 1, 1), box(1+1e-12, 0, 2, 1), true},
		{"corner only", box(0, 0, 1, 1), box(1, 1, 2, 2), false},
		{"collinear but apart", box(0, 0, 1, 1), box(1, 2, 2, 3), false},
		{"a gap", box(0, 0, 1, 1), box(1.001, 0, 2, 1), false},
		{"crossing edges", box(0, 0, 2, 2), box(1, 1, 3, 3), false},
		{"far apart", box(0, 0, 1, 1), box(5, 5, 6, 6), false},
		{"empty", box(0, 0, 1, 1), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Build([]orb.MultiPolygon{tc.a, tc.b})
			var want0, want1 []int
			if tc.want {
				want0, want1 = []int{1}, []int{0}
			}
			if got := g.Neighbours(0); !reflect.DeepEqual(got, want0) {
				t.Errorf("Neighbours(0) = %v, want %v", got, want0)
			}
			if got := g.Neighbours(1); !reflect.DeepEqual(got, want1) {
				t.Errorf("Neighbours(1) = %v, want %v", got, want1)
			}
		})
	}
}

func TestBuildGrid(t *testing.T) {
	const n = 4
	g := Build(grid(n, 0))
	// Interior squares have 4 neighbours, edge squares 3, corners 2, and
	// diagonal squares (a shared corner) are not among them.
	want := map[int][]int{0: {1, 4}, 5: {1, 4, 6, 9}, 3: {2, 7}, 15: {11, 14}}
	for i, w := range want {
		if got := g.Neighbours(i); !reflect.DeepEqual(got, w) {
			t.Errorf("Neighbours(%d) = %v, want %v", i, got, w)
		}
	}
	if g.Neighbours(-1) != nil || g.Neighbours(n*n) != nil || (*Graph)(nil).Neighbours(0) != nil {
		t.Error("an index outside the graph has neighbours")
	}
}

// grid tiles an n by n square with unit squares, each edge split into
// extra vertices so rings have 4(extra+1) segments.
func grid(n, extra int) []orb.MultiPolygon {
	var out []orb.MultiPolygon
	for y := range n {
		for x := range n {
			x0, y0 := float64(x), float64(y)
			corners := []orb.Point{{x0, y0}, {x0 + 1, y0}, {x0 + 1, y0 + 1}, {x0, y0 + 1}, {x0, y0}}
			var ring orb.Ring
			for k := 0; k < 4; k++ {
				p, q := corners[k], corners[k+1]
				for s := 0; s <= extra; s++ {
					f := float64(s) / float64(extra+1)
					ring = append(ring, orb.Point{p[0] + f*(q[0]-p[0]), p[1] + f*(q[1]-p[1])})
				}
			}
			ring = append(ring, ring[0])
			out = append(out, orb.MultiPolygon{{ring}})
		}
	}
	return out
}

// BenchmarkBuild is a national-sized set: 4,624 areas of 240 vertices.
func BenchmarkBuild(b *testing.B) {
	areas := grid(68, 59)
	b.ResetTimer()
	for b.Loop() {
		g := Build(areas)
		if len(g.Neighbours(70)) != 4 {
			b.Fatal(fmt.Sprint(g.Neighbours(70)))
		}
	}
}
