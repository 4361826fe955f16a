package geo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIDIndex builds the ID index from one or two parts' buckets and looks
// every ID up, against a scan of the IDs. The cases crowd one key, where
// interpolation gains nothing, at the middle of the keys, at the end, and
// over a quarter of them.
func TestIDIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []crimeID {
		ids := make([]crimeID, n)
		for i := range ids {
			for j := 0; j < len(ids[i]); j += 8 {
				binary.BigEndian.PutUint64(ids[i][j:], rng.Uint64())
			}
		}
		return ids
	}
	// crowd gives 500 of 40,000 IDs the first eight bytes h(i): enough
	// IDs for several buckets and goroutines.
	crowd := func(h func(i int) uint64) []crimeID {
		ids := random(40_000)
		for i := range 500 {
			binary.BigEndian.PutUint64(ids[i*80][:8], h(i))
		}
		return ids
	}
	cases := []struct {
		name string
		ids  []crimeID
	}{
		{"none", nil},
		{"one", random(1)},
		{"uniform", random(50_000)},
		{"duplicates", func() []crimeID {
			ids := random(20_000)
			for i := 1; i < len(ids); i += 3 {
				ids[i] = ids[i-1]
			}
			return ids
		}()},
		// Just below the middle, where two goroutines' ranges meet.
		{"one key mid-range", crowd(func(int) uint64 { return 1<<63 - 1 })},
		{"keys at the end", crowd(func(i int) uint64 { return math.MaxUint64 - uint64(i%7) })},
		{"crowded quarter", crowd(func(i int) uint64 { return 1<<62 + uint64(i)<<40 })},
	}
	for _, tc := range cases {
		for _, parts := range []int{1, 2} {
			d := newOnePart(&tablePart{ids: tc.ids, month: make([]uint8, len(tc.ids))})
			var bks []*idBuckets
			for range parts {
				bks = append(bks, newIDBuckets(len(tc.ids), len(tc.ids)/parts))
			}
			// Positions are the IDs' ranks here; parts take alternate ones.
			for pos := range tc.ids {
				bks[pos%parts].add(&tc.ids[pos], uint32(pos))
			}
			d.buildIDIndex(bks)
			want := map[crimeID][]CrimeID{}
			for pos, id := range tc.ids {
				want[id] = append(want[id], CrimeID(pos))
			}
			// lookupID checks candidates against d.ids by rank; with
			// every position holding an ID, rank and position agree.
			d.hasID = make([]uint64, (len(tc.ids)+63)/64)
			for pos := range tc.ids {
				d.hasID[pos/64] |= 1 << (pos % 64)
			}
			d.idRank = idRanks(d.hasID)
			for id, positions := range want {
				got := d.lookupID(id, nil)
				slices.Sort(got)
				if !slices.Equal(got, positions) {
					t.Fatalf("%s, %d parts: %x at %v, want %v", tc.name, parts, id[:8], got, positions)
				}
			}
			// IDs not there: random ones, and ones sharing the key and
			// the first eight bytes of one that is.
			absent := random(50)
			for i, id := range tc.ids[:min(len(tc.ids), 50)] {
				copy(absent[i][:8], id[:8])
			}
			for _, id := range absent {
				if _, ok := want[id]; ok {
					continue
				}
				if got := d.lookupID(id, nil); len(got) != 0 {
					t.Fatalf("%s, %d parts: %x found at %v", tc.name, parts, id[:8], got)
				}
			}
			// The same lookups side by side (lookupIDs), present and
			// absent IDs mixed, each present one asked twice, in batches
			// that end mid-way.
			var queries []crimeID
			for id := range want {
				queries = append(queries, id, id)
			}
			queries = append(queries, absent...)
			rng.Shuffle(len(queries), func(i, j int) { queries[i], queries[j] = queries[j], queries[i] })
			idOf := func(q int) *crimeID {
				if q%5 == 4 {
					return nil // a query without an ID is not looked up
				}
				return &queries[q]
			}
			got := make([][]CrimeID, len(queries))
			d.lookupIDs(idOrder(len(queries), idOf), idOf, func(q int, pos uint32) {
				if q%5 == 4 {
					t.Fatalf("%s, %d parts: query %d has no ID but was answered", tc.name, parts, q)
				}
				if n := len(got[q]); n > 0 && got[q][n-1] >= CrimeID(pos) {
					t.Fatalf("%s, %d parts: query %d answered %d after %d", tc.name, parts, q, pos, got[q][n-1])
				}
				got[q] = append(got[q], CrimeID(pos))
			})
			for q, id := range queries {
				if q%5 == 4 {
					continue
				}
				if !slices.Equal(got[q], want[id]) {
					t.Fatalf("%s, %d parts, side by side: %x at %v, want %v", tc.name, parts, id[:8], got[q], want[id])
				}
			}
			if err := d.checkIDIndex(len(tc.ids)); err != nil {
				t.Errorf("%s, %d parts: %v", tc.name, parts, err)
			}
		}
	}
}

// TestIDRankDirectory checks every crime's rank among the crimes with an
// ID against a count, over words on both sides of the directory's groups.
func TestIDRankDirectory(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for _, n := range []int{1, 63, 64, 511, 512, 513, 3000} {
		d := newOnePart(&tablePart{hasID: make([]uint64, (n+63)/64)})
		for c := range n {
			if rng.IntN(4) > 0 {
				d.hasID[c/64] |= 1 << (c % 64)
			}
		}
		d.idRank = idRanks(d.hasID)
		rank := 0
		for c := range n {
			has := d.hasID[c/64]&(1<<(c%64)) != 0
			k, ok := d.idIndex(uint32(c))
			if ok != has || ok && k != rank {
				t.Fatalf("%d crimes: crime %d: rank %d, %v; want %d, %v", n, c, k, ok, rank, has)
			}
			if has {
				rank++
			}
		}
	}
}

// TestSortPairs checks the radix sort of a bucket's pairs against a
// comparison sort, for buckets of every width of shared top bits and with
// keys repeated at several positions.
func TestSortPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var tmp []idPair
	for _, same := range []uint{0, 1, 7, 14, 16, 20, 31} {
		for _, n := range []int{0, 1, 2, 100, 5000} {
			top := rng.Uint64() >> 32 &^ (1<<(32-same) - 1)
			run := make([]idPair, n)
			for i := range run {
				key := top | rng.Uint64()>>(32+same)
				if i > 0 && i%4 == 0 {
					key = uint64(run[i-1]) >> 32 // a repeated key
				}
				run[i] = idPair(key<<32 | uint64(rng.Uint32()))
			}
			want := slices.Sorted(slices.Values(run))
			var got []idPair
			got, tmp = sortPairs(slices.Clone(run), tmp, same)
			if !slices.Equal(got, want) {
				t.Fatalf("%d shared bits, %d pairs: not sorted", same, n)
			}
		}
	}
}
