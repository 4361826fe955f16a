// Package lru is an in-process cache bounded in bytes that evicts the least
// recently used entries: the encoded tiles and the API answers share it.
package lru

import (
	"container/list"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// Cache holds values up to a number of bytes. It is split into shards, each
// with its own lock, so that concurrent hits on a couple of cores do not
// queue on one mutex. Values are never modified once stored.
type Cache[V any] struct {
	seed   maphash.Seed
	size   func(V) int64
	shards [shards]shard[V]
	hits   atomic.Int64
	misses atomic.Int64
}

const shards = 16

// EntryOverhead approximates the bookkeeping of one entry beyond its key
// and value: list element, map slot, item header.
const EntryOverhead = 160

type shard[V any] struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front = most recently used
	items map[string]*list.Element
}

type item[V any] struct {
	key string
	v   V
	n   int64 // bytes counted against the bound
}

// New returns a cache holding at most maxBytes of values, as size measures
// them, and keys; a cache of 0 bytes holds nothing.
func New[V any](maxBytes int64, size func(V) int64) *Cache[V] {
	c := &Cache[V]{seed: maphash.MakeSeed(), size: size}
	for i := range c.shards {
		c.shards[i] = shard[V]{max: max(maxBytes, 0) / shards, order: list.New(), items: map[string]*list.Element{}}
	}
	return c
}

func (c *Cache[V]) shard(key string) *shard[V] {
	return &c.shards[maphash.String(c.seed, key)%shards]
}

// MaxEntry is the most bytes one entry may count: a shard's share.
func (c *Cache[V]) MaxEntry() int64 { return c.shards[0].max }

// Get returns the value stored under key.
func (c *Cache[V]) Get(key string) (V, bool) {
	s := c.shard(key)
	s.mu.Lock()
	el, ok := s.items[key]
	if ok {
		s.order.MoveToFront(el)
	}
	s.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	c.hits.Add(1)
	return el.Value.(*item[V]).v, true
}

// Put stores v under key, evicting old entries to stay within the bound. A
// value bigger than a shard's share is not stored.
func (c *Cache[V]) Put(key string, v V) {
	s := c.shard(key)
	n := c.size(v) + int64(len(key)) + EntryOverhead
	if n > s.max {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		old := el.Value.(*item[V])
		s.size -= old.n
		old.v, old.n = v, n
		s.order.MoveToFront(el)
	} else {
		s.items[key] = s.order.PushFront(&item[V]{key: key, v: v, n: n})
	}
	s.size += n
	for s.size > s.max {
		el := s.order.Back()
		it := el.Value.(*item[V])
		s.order.Remove(el)
		delete(s.items, it.key)
		s.size -= it.n
	}
}

// Stats reports a cache's use.
type Stats struct {
	Hits, Misses int64
	Entries      int
	Bytes        int64
}

// Stats returns the cache's counters.
func (c *Cache[V]) Stats() Stats {
	st := Stats{Hits: c.hits.Load(), Misses: c.misses.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Entries += len(s.items)
		st.Bytes += s.size
		s.mu.Unlock()
	}
	return st
}
