package server

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/klauspost/compress/gzip"
)

// Responses of /api/ and /v1/ all go through respond, which gives every
// JSON, GeoJSON and CSV body the treatment tiles get in writeTileEntry:
// gzip when accepted, an ETag per representation, 304, Cache-Control and
// Vary: Accept-Encoding.
//
// A body that fits in bufferedBody is held whole: it gets a Content-Length,
// an ETag (the body's hash when the route is not keyed on the dataset
// version) and Range requests through http.ServeContent. A longer one, a
// listing being streamed, goes out as it is written, through gzip when
// accepted, so memory stays bounded by the buffer and the compressor
// whatever the listing's length; it takes no Range (the bytes of a range
// would need everything before it encoded first) and has an ETag only when
// keyed on the dataset version.

// bufferedBody is the longest body held whole; streamBody writes in
// chunks of streamChunk, so a short listing arrives in one Write.
const bufferedBody = 2 * streamChunk

// revalidate is sent with a 200 of a route whose body does not follow the
// dataset version (team data, boundaries, Watch schemes) unless the handler
// chose its own: caches must ask again, and the body-hash ETag makes that
// a 304.
const revalidate = "no-cache"

// gzipLevel trades CPU for bytes on every JSON answer. On a 2.2 MB
// listing (BenchmarkGzipListing) klauspost/compress at level 1 is as fast
// as the stdlib's level 1 or faster and 6% smaller (271 against 289 KB);
// level 6 saves 10% more for two to three times the CPU, which the p99 of
// the listings cannot spare, and Huffman coding alone (-2) saves a quarter
// of the CPU but sends five times the bytes. zstd and brotli are left out:
// zstd at its fastest (klauspost/compress) took two thirds of the time for
// 16% fewer bytes, but GDAL, Python clients and crimemap bench ask for gzip
// only, so it would serve browsers alone for a second encoding path.
const gzipLevel = gzip.BestSpeed

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzipLevel)
	return zw
}}

// respond wraps the handlers of the data routes in one response path.
func (s *Server) respond(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &respWriter{w: w, r: r, s: s, gzip: acceptsGzip(r),
			cacheable: r.Method == http.MethodGet || r.Method == http.MethodHead}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// respWriter defers a 200's headers until it knows whether the body is
// short enough to hold whole; every other status passes straight through.
type respWriter struct {
	w         http.ResponseWriter
	r         *http.Request
	s         *Server
	gzip      bool // the client accepts gzip
	cacheable bool // GET or HEAD
	// etag is the validator of the dataset-keyed routes, set before the
	// handler runs (keyOnVersion); version is that dataset's version.
	etag, version string

	status            int
	passthrough, done bool // a non-200 status; a 304 already sent
	streaming         bool
	buf               []byte
	zw                *gzip.Writer
}

// Unwrap lets http.ResponseController reach the connection.
func (rw *respWriter) Unwrap() http.ResponseWriter { return rw.w }

func (rw *respWriter) Header() http.Header { return rw.w.Header() }

func (rw *respWriter) WriteHeader(code int) {
	if rw.status != 0 {
		return
	}
	rw.status = code
	if code != http.StatusOK {
		// Errors and redirects keep no validator of the body they replace.
		rw.w.Header().Del("ETag")
		rw.passthrough = true
		rw.w.WriteHeader(code)
	}
}

func (rw *respWriter) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	switch {
	case rw.passthrough:
		return rw.w.Write(p)
	case rw.done:
		return len(p), nil
	case rw.streaming:
		return rw.out().Write(p)
	}
	if len(rw.buf)+len(p) <= bufferedBody {
		if rw.buf == nil {
			rw.buf = getBody(max(len(p), 4<<10))
		}
		rw.buf = append(rw.buf, p...)
		return len(p), nil
	}
	rw.startStream()
	if _, err := rw.out().Write(rw.buf); err != nil {
		return 0, err
	}
	putBody(rw.buf)
	rw.buf = nil
	return rw.out().Write(p)
}

func (rw *respWriter) out() interface{ Write([]byte) (int, error) } {
	if rw.zw != nil {
		return rw.zw
	}
	return rw.w
}

// keyOnVersion makes the validator of a GET or HEAD the dataset version
// with the path and normalised query, and answers 304 at once when the
// client holds it, before any work. It reports whether it answered.
func (rw *respWriter) keyOnVersion(version string) bool {
	if !rw.cacheable {
		return false
	}
	rw.version = version
	rw.etag = versionETag(version, rw.r.URL)
	if !noneMatch(rw.r.Header.Get("If-None-Match"), rw.etag) {
		return false
	}
	rw.cacheHeaders(rw.etag)
	rw.status, rw.done = http.StatusNotModified, true
	rw.w.WriteHeader(http.StatusNotModified)
	return true
}

// versionETag is the strong validator of a dataset-keyed answer: the same
// version, path and parameters give the same bytes on every replica.
func versionETag(version string, u *url.URL) string {
	// Encode sorts the keys, so parameter order does not split caches.
	q := u.Query().Encode()
	h := xxhash.New()
	_, _ = h.WriteString(u.Path)
	_, _ = h.WriteString("?")
	_, _ = h.WriteString(q)
	return `"` + version + "-" + strconv.FormatUint(h.Sum64(), 16) + `"`
}

// bodyETag is the validator of a held body that no version keys.
func bodyETag(b []byte) string {
	var sum [8]byte
	v := xxhash.Sum64(b)
	for i := range sum {
		sum[i] = byte(v >> (56 - 8*i))
	}
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// cacheHeaders sets the headers a 200 or 304 of a GET shares; etag is the
// identity representation's, made the gzip one's when it goes gzipped.
func (rw *respWriter) cacheHeaders(etag string) {
	h := rw.w.Header()
	h.Add("Vary", "Accept-Encoding")
	if !rw.cacheable {
		return
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", rw.s.cacheControl(rw.r, rw.version))
	}
	if etag != "" {
		h.Set("ETag", representationETag(etag, rw.gzip))
	}
}

// cacheControl is the Cache-Control of a 200: immutable for a URL naming
// the dataset version, --cache-control (as for tiles) for one keyed on a
// version it does not name, and revalidate for a body no version keys.
func (s *Server) cacheControl(r *http.Request, version string) string {
	switch {
	case version == "":
		return revalidate
	case versioned(r.URL.RawQuery, version):
		return s.cfg.TileCacheControl
	}
	return s.cfg.CacheControl
}

// representationETag gives the gzip representation a validator of its own,
// as RFC 9110 asks of a strong one; noneMatch accepts either.
func representationETag(etag string, gz bool) string {
	if !gz {
		return etag
	}
	return strings.TrimSuffix(etag, `"`) + `-gz"`
}

// startStream sends the header of a body too long to hold.
func (rw *respWriter) startStream() {
	rw.streaming = true
	h := rw.w.Header()
	h.Del("Content-Length")
	rw.cacheHeaders(rw.etag)
	if rw.gzip {
		h.Set("Content-Encoding", "gzip")
		rw.zw = gzipWriters.Get().(*gzip.Writer)
		rw.zw.Reset(rw.w)
	}
	rw.w.WriteHeader(http.StatusOK)
}

// finish sends a held body, or ends a streamed one.
func (rw *respWriter) finish() {
	switch {
	case rw.status == 0, rw.passthrough, rw.done:
		return
	case rw.streaming:
		if rw.zw != nil {
			_ = rw.zw.Close()
			rw.zw.Reset(nil)
			gzipWriters.Put(rw.zw)
			rw.zw = nil
		}
		return
	}
	defer func() {
		putBody(rw.buf)
		rw.buf = nil
	}()
	h := rw.w.Header()
	etag := rw.etag
	head := rw.r.Method == http.MethodHead
	if etag == "" && rw.cacheable && !head && !strings.Contains(h.Get("Cache-Control"), "no-store") {
		etag = bodyETag(rw.buf)
	}
	rw.cacheHeaders(etag)
	if etag != "" && noneMatch(rw.r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Length")
		rw.w.WriteHeader(http.StatusNotModified)
		return
	}
	if head {
		// A HEAD's body was never written: its length is the handler's,
		// unknown once compressed.
		if rw.gzip {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
		}
		rw.w.WriteHeader(http.StatusOK)
		return
	}
	body := rw.buf
	if rw.gzip {
		zb := getBody(len(body)/4 + 64)
		body = gzipAppend(zb, body)
		defer putBody(body)
		h.Set("Content-Encoding", "gzip")
	}
	h.Del("Content-Length")
	if !rw.cacheable {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		rw.w.WriteHeader(http.StatusOK)
		_, _ = rw.w.Write(body)
		return
	}
	// ServeContent answers Range and If-Range on the bytes sent; the
	// preconditions it shares with noneMatch were decided above.
	http.ServeContent(rw.w, rw.r, "", time.Time{}, bytes.NewReader(body))
}

// sliceWriter appends what is written to a byte slice.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// gzipAppend appends the gzip of src to dst.
func gzipAppend(dst, src []byte) []byte {
	sw := &sliceWriter{b: dst}
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(sw)
	_, _ = zw.Write(src)
	_ = zw.Close()
	zw.Reset(nil)
	gzipWriters.Put(zw)
	return sw.b
}
