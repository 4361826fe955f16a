package geo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"unsafe"
)

// A row as a batch holds it is 8 bytes: every row of a load is held at
// once until Build places it, and its three 32-bit terms and Context were
// 12 of the 20 it took.
func TestRawCrimeSize(t *testing.T) {
	if got := unsafe.Sizeof(rawCrime{}); got != 8 {
		t.Errorf("rawCrime takes %d bytes, want 8", got)
	}
}

// Rows beyond an Interner's kinds keep their crime type and outcome, in
// both parts of placement.
func TestWideKinds(t *testing.T) {
	const types, outcomes = 200, 200 // 40,000 pairs, more than kindWide
	b := NewBuilder()
	b.ReleaseRows()
	in := NewInterner()
	for f := range 2 {
		sb := NewStreetBatchIn(Unit{Force: "force-" + strconv.Itoa(f), Month: 1}, f, "test", in)
		for i := range types * outcomes / 2 {
			i += f * types * outcomes / 2
			sb.AddStreet(&StreetRow{Month: 1, CrimeType: []byte("type " + strconv.Itoa(i%types)),
				LastOutcome: []byte("outcome " + strconv.Itoa(i/types)), HasLocation: true, Lon: -1, Lat: 51 + float64(i%7)*0.01,
				Location: []byte("On or near Street")})
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
	}
	if len(in.kinds) != kindWide {
		t.Fatalf("%d kinds, want them all used", len(in.kinds))
	}
	d, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]int{}
	for c := range d.Len() {
		seen[[2]string{d.Categories().Term(int(d.Category(CrimeID(c)))).Name, d.Outcomes().Term(int(d.Outcome(CrimeID(c)))).Name}]++
	}
	for i := range types * outcomes {
		k := [2]string{"type " + strconv.Itoa(i%types), "outcome " + strconv.Itoa(i/types)}
		if seen[k] != 1 {
			t.Fatalf("%q: %d crimes, want 1", k, seen[k])
		}
	}
}

func TestPermuteIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		rank []uint32
	}{
		{"empty", nil},
		{"one", []uint32{0}},
		{"identity", []uint32{0, 1, 2, 3}},
		{"swap", []uint32{1, 0}},
		{"reverse", []uint32{4, 3, 2, 1, 0}},
		{"one cycle", []uint32{1, 2, 3, 4, 0}},
		{"two cycles and a fixed point", []uint32{2, 0, 1, 3, 5, 4}},
		{"random", randomRank(rng, 10000)},
		// Runs dealt twice before their cycles are followed.
		{"random, large", randomRank(rng, 1<<20+3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := make([]crimeID, len(tt.rank))
			for i := range ids {
				copy(ids[i][:], strconv.Itoa(i))
			}
			want := make([]crimeID, len(ids))
			for i, r := range tt.rank {
				want[r] = ids[i]
			}
			rank := slices.Clone(tt.rank)
			permuteIDs(ids, rank)
			if !slices.Equal(ids, want) {
				t.Error("IDs not at their ranks")
			}
			for i, r := range rank {
				if r != uint32(i) {
					t.Fatalf("rank[%d] = %d after the permutation, want the identity", i, r)
				}
			}
		})
	}
}

func randomRank(rng *rand.Rand, n int) []uint32 {
	p := make([]uint32, n)
	for i, v := range rng.Perm(n) {
		p[i] = uint32(v)
	}
	return p
}

// The IDs are gathered in batch order, and a build of rows handed over for
// good lets go of each batch's IDs as it copies them: a build of a load
// never holds the IDs twice.
func TestGatherIDs(t *testing.T) {
	for _, release := range []bool{false, true} {
		t.Run("release="+strconv.FormatBool(release), func(t *testing.T) {
			var batches []*StreetBatch
			var want []crimeID
			for b := range 3 {
				sb := NewStreetBatch(Unit{Force: "f" + strconv.Itoa(b), Month: 1}, b, "test")
				for i := range 5 * b {
					var id crimeID
					id[0], id[1] = byte(b), byte(i)
					sb.ids = append(sb.ids, id)
					want = append(want, id)
				}
				batches = append(batches, sb)
			}
			bs := &building{d: newOnePart(&tablePart{}), batches: batches, release: release}
			start := bs.gatherIDs(len(want))
			if !slices.Equal(bs.d.ids, want) {
				t.Errorf("gathered %v, want %v", bs.d.ids, want)
			}
			if wantStart := []int{0, 0, 5, 15}; !slices.Equal(start, wantStart) {
				t.Errorf("starts %v, want %v", start, wantStart)
			}
			for b, sb := range batches[1:] {
				if kept := sb.ids != nil; kept == release {
					t.Errorf("batch %d: IDs kept %v with release %v", b+1, kept, release)
				}
			}
		})
	}
}

// An Interner holds at most maxTerm+1 crime types and outcomes; beyond,
// Build fails rather than mistaking one term for another.
func TestTooManyTermsFailBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("adds 65,536 rows")
	}
	sb := NewStreetBatch(Unit{Force: "hampshire", Month: 1}, 1, "test")
	for i := range maxTerm + 1 {
		sb.AddStreet(&StreetRow{Month: 1, CrimeType: []byte("type " + strconv.Itoa(i))})
	}
	b := NewBuilder()
	if err := b.AddStreet(sb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Build(); err == nil {
		t.Fatal("Build took more terms than a row can hold")
	}
}

// Contexts, held apart from the rows, reach their crimes whichever part
// places them.
func TestContextsPlaced(t *testing.T) {
	b := NewBuilder()
	b.ReleaseRows()
	for f := range 4 {
		sb := NewStreetBatch(Unit{Force: "force-" + strconv.Itoa(f), Month: 1}, f, "test")
		for i := range 50 {
			r := StreetRow{Month: 1, CrimeType: []byte("Burglary"), HasLocation: i%3 != 0,
				Lon: -1.4 + float64(i%5)*0.01, Lat: 50.9, Location: []byte("On or near Street")}
			if i%4 == 0 {
				r.Context = []byte("context " + strconv.Itoa(f) + "/" + strconv.Itoa(i))
			}
			sb.AddStreet(&r)
		}
		if err := b.AddStreet(sb); err != nil {
			t.Fatal(err)
		}
	}
	d, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for c := range d.Len() {
		if s := d.Context(CrimeID(c)); s != "" {
			n++
		}
	}
	if n != 4*13 {
		t.Errorf("%d crimes with a context, want %d", n, 4*13)
	}
}
