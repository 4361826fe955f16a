package server

import (
	"io"
	"net/http"
	"slices"

	"crimemap/internal/lru"
)

// DefaultBodyCacheBytes bounds the in-process cache of dataset-keyed
// answers (bodyCache).
const DefaultBodyCacheBytes = 64 << 20

// bodyCache holds answers of GETs keyed on the dataset version, as they were
// sent (gzipped or not) with the headers their handler set, so a repeated
// listing costs a copy instead of a query, its encoding and its compression.
// The key names the version, so a reload needs no invalidation: the old
// answers are never asked for again and age out. One answer takes at most
// a sixteenth of the bound, so a 10,000-crime listing (about 4.5 MB plain)
// cannot push out hundreds of one-mile ones.
type bodyCache struct {
	*lru.Cache[*cachedBody]
	off bool
}

// cachedBody is one answer of a 200.
type cachedBody struct {
	header http.Header // what the handler set, beyond the middleware's
	body   []byte
	gzip   bool
	whole  bool // held whole when first sent, so it serves Range too
}

// headerBytes approximates the few headers a handler sets.
const headerBytes = 256

func (e *cachedBody) size() int64 { return int64(len(e.body)) + headerBytes }

// newBodyCache returns a cache of at most maxBytes; 0 holds nothing.
func newBodyCache(maxBytes int64) *bodyCache {
	return &bodyCache{Cache: lru.New(maxBytes, (*cachedBody).size), off: maxBytes <= 0}
}

// maxBody is the longest body worth keeping.
func (c *bodyCache) maxBody() int {
	return int(max(c.MaxEntry()-headerBytes-lru.EntryOverhead-256, 0))
}

// handlerHeader is what the handler added to or changed in h since before
// it ran (before), which a cached answer must carry again; the length is
// of the body before compression, so it is left out.
func handlerHeader(h, before http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if k == "Content-Length" {
			continue
		}
		if old, ok := before[k]; !ok || !slices.Equal(old, v) {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// captureWriter passes a streamed body on and keeps a copy of it for the
// cache, giving the copy up past limit bytes or once a write fails.
type captureWriter struct {
	w     io.Writer
	b     []byte
	limit int
	lost  bool
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if !c.lost {
		if len(c.b)+len(p) > c.limit {
			c.lost, c.b = true, nil
		} else {
			c.b = append(c.b, p...)
		}
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.lost, c.b = true, nil
	}
	return n, err
}
