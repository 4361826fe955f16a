package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"testing"

	"crimemap/geo"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func TestNewEntry(t *testing.T) {
	raw := bytes.Repeat([]byte("tile bytes "), 100)
	e, err := NewEntry(raw)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("gzip does not round-trip: %v", err)
	}
	e2, _ := NewEntry(append([]byte(nil), raw...))
	e3, _ := NewEntry(raw[1:])
	if e.ETag != e2.ETag || e.ETag == e3.ETag || e.ETag[0] != '"' || e.ETag[len(e.ETag)-1] != '"' {
		t.Errorf("ETags %s %s %s: want equal for equal bytes, quoted, different otherwise", e.ETag, e2.ETag, e3.ETag)
	}
	empty, _ := NewEntry(nil)
	if empty.Raw != nil || empty.Gzip != nil || empty.ETag == "" {
		t.Errorf("empty entry %+v", empty)
	}
}

func TestCacheBoundAndRecency(t *testing.T) {
	const max = 64 << 10
	c := NewCache(max)
	raw := bytes.Repeat([]byte{1, 2, 3, 4}, 100)
	e, _ := NewEntry(raw)
	hot := "hot"
	c.Put(hot, e)
	for i := range 2000 {
		c.Put(fmt.Sprint("k", i), e)
		// Keep one key in use: it must survive eviction.
		if _, ok := c.Get(hot); !ok {
			t.Fatalf("recently used entry evicted after %d puts", i)
		}
		if st := c.Stats(); st.Bytes > max {
			t.Fatalf("cache holds %d bytes, bound %d", st.Bytes, max)
		}
	}
	st := c.Stats()
	if st.Entries == 0 || st.Entries >= 2000 {
		t.Errorf("%d entries after 2000 puts into %d bytes", st.Entries, max)
	}
	if _, ok := c.Get("k0"); ok {
		t.Errorf("the oldest entry is still cached")
	}
	if st.Hits < 2000 || st.Misses != 0 {
		t.Errorf("stats %+v", st)
	}
	// Replacing a key does not count it twice.
	before := c.Stats().Bytes
	c.Put(hot, e)
	if after := c.Stats().Bytes; after != before {
		t.Errorf("replacing an entry changed the size from %d to %d", before, after)
	}
	zero := NewCache(0)
	zero.Put("a", e)
	if _, ok := zero.Get("a"); ok {
		t.Error("a cache of 0 bytes stored an entry")
	}
}

func TestFilterKey(t *testing.T) {
	cat := func(is ...int) geo.Set {
		var s geo.Set
		for _, i := range is {
			s.Add(i)
		}
		return s
	}
	m := geo.MakeMonth(2017, 2)
	filters := []geo.Filter{
		{},
		{From: m},
		{To: m},
		{From: m, To: m},
		{Categories: cat(1)},
		{Categories: cat(1, 2)},
		{Categories: cat(12)},
		{Forces: cat(1)},
		{Outcomes: cat(1)},
		{Categories: cat(255)},
	}
	seen := map[string]int{}
	for i, f := range filters {
		k := FilterKey(&f)
		if j, dup := seen[k]; dup {
			t.Errorf("filters %d and %d share key %q", i, j, k)
		}
		seen[k] = i
		g := f // a copy selects the same crimes
		if FilterKey(&g) != k {
			t.Errorf("equal filters, different keys")
		}
	}
	if TileKey("v1", 3, 1, 2, &filters[1]) == TileKey("v2", 3, 1, 2, &filters[1]) ||
		TileKey("v1", 3, 1, 2, &filters[1]) == TileKey("v1", 3, 2, 1, &filters[1]) ||
		TileKey("v1", 13, 1, 2, &filters[0]) == TileKey("v1", 1, 31, 2, &filters[0]) {
		t.Error("tile keys collide")
	}
}

func TestCachedTileMatchesTile(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, DefaultOptions())
	c := NewCache(8 << 20)
	f := categoryFilter(t, ds, "robbery")
	distinct := map[[3]int]bool{}
	for _, tt := range SampleTiles(ds, 13, 200, 7) {
		if distinct[tt] || len(distinct) == 20 {
			continue
		}
		distinct[tt] = true
		for range 2 {
			e, err := CachedTile(context.Background(), c, CrimeLayer(ix), tt[0], tt[1], tt[2], Params{Filter: f})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := ix.Tile(context.Background(), tt[0], tt[1], tt[2], &f)
			if !bytes.Equal(e.Raw, raw) {
				t.Fatalf("cached tile %v differs from a fresh render", tt)
			}
		}
	}
	if st := c.Stats(); st.Hits != 20 || st.Misses != 20 {
		t.Errorf("stats %+v, want 20 hits and 20 misses", st)
	}
}

func TestSampleTiles(t *testing.T) {
	ds := hampshire(t)
	const n, z = 5000, 10
	a := SampleTiles(ds, z, n, 3)
	b := SampleTiles(ds, z, n, 3)
	if len(a) != n || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different samples")
	}
	freq := map[[3]int]int{}
	for _, tt := range a {
		freq[tt]++
	}
	// Crimes per tile, with orb's tile maths.
	crimes := map[[3]int]int{}
	for p := 0; p < ds.NumPoints(); p++ {
		lon, lat := ds.PointLonLat(geo.PointID(p))
		mt := maptile.At(orb.Point{lon, lat}, z)
		crimes[[3]int{z, int(mt.X), int(mt.Y)}] += ds.PointLen(geo.PointID(p))
	}
	for tt, k := range freq {
		if crimes[tt] == 0 {
			t.Errorf("sampled tile %v (%d times) holds no crimes", tt, k)
		}
	}
	// Each tile is drawn in proportion to its crimes, within 5 sigma.
	for tt, c := range crimes {
		want := float64(n) * float64(c) / float64(ds.Located())
		if want < 25 {
			continue
		}
		if d := math.Abs(float64(freq[tt]) - want); d > 5*math.Sqrt(want) {
			t.Errorf("tile %v drawn %d times, expected %.0f", tt, freq[tt], want)
		}
	}
}
