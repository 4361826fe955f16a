package lru

import (
	"strconv"
	"testing"
)

// TestBound: the cache holds at most its bytes, keeps an entry in use while
// others come and go, and refuses one bigger than a shard's share.
func TestBound(t *testing.T) {
	const entry = 1000
	c := New(shards*4*entry, func(b []byte) int64 { return int64(len(b)) })
	body := make([]byte, entry-EntryOverhead-8)
	c.Put("a", body)
	for i := range 200 {
		c.Put("k"+strconv.Itoa(i), body)
		if _, ok := c.Get("a"); !ok {
			t.Fatalf("after %d puts the entry in use was evicted", i+1)
		}
	}
	st := c.Stats()
	if st.Bytes > shards*4*entry || st.Entries == 0 || st.Entries > shards*4 {
		t.Errorf("%d entries of %d bytes in a cache of %d", st.Entries, st.Bytes, shards*4*entry)
	}
	if st.Hits != 200 || st.Misses != 0 {
		t.Errorf("%d hits and %d misses; want 200 and 0", st.Hits, st.Misses)
	}
	c.Put("big", make([]byte, c.MaxEntry()))
	if _, ok := c.Get("big"); ok {
		t.Error("an entry bigger than a shard's share was kept")
	}
	if z := New(0, func(b []byte) int64 { return int64(len(b)) }); true {
		z.Put("a", nil)
		if _, ok := z.Get("a"); ok {
			t.Error("a cache of 0 bytes kept an entry")
		}
	}
}
