package server

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
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

// bufferedBody is the longest body held whole.
const bufferedBody = 128 << 10

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
	// key names the answer in the body cache ("" for none); before is
	// the header as it stood before the handler ran.
	key    string
	before http.Header

	status            int
	passthrough, done bool // a non-200 status; a 304 already sent
	streaming         bool
	buf               []byte
	zw                *gzip.Writer
	// zout gathers what zw writes, for zdst, so each chunk the handler
	// writes goes out in one write rather than in one per deflate block.
	zout    *sliceWriter
	zdst    io.Writer
	werr    error          // the first failed write of a streamed body
	capture *captureWriter // a streamed body's copy for the cache
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
		return rw.streamWrite(p)
	}
	if len(rw.buf)+len(p) <= bufferedBody {
		if rw.buf == nil {
			rw.buf = getBody(max(len(p), 4<<10))
		}
		rw.buf = append(rw.buf, p...)
		return len(p), nil
	}
	if rw.buf == nil && rw.w.Header().Get("Content-Length") == strconv.Itoa(len(p)) {
		return rw.writeWhole(p)
	}
	rw.startStream()
	if _, err := rw.streamWrite(rw.buf); err != nil {
		return 0, err
	}
	putBody(rw.buf)
	rw.buf = nil
	return rw.streamWrite(p)
}

// writeWhole sends a body too long to hold that the handler wrote in one
// piece with its Content-Length (streamBody's answer of one chunk): in one
// write with its length, compressed whole when the client accepts gzip,
// rather than chunked, which costs the connection a write for each chunk's
// header and one for the end. Like a streamed body it takes no Range and is
// kept in the body cache only gzipped.
func (rw *respWriter) writeWhole(p []byte) (int, error) {
	rw.done = true
	h := rw.w.Header()
	var handlerSet http.Header
	if rw.key != "" && rw.gzip {
		handlerSet = handlerHeader(h, rw.before)
	}
	rw.cacheHeaders(rw.etag)
	body := p
	if rw.gzip {
		body = gzipAppend(getBody(len(p)/4+64), p)
		defer putBody(body)
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if handlerSet != nil && len(body) <= rw.s.bodies.maxBody() {
			rw.keep(handlerSet, bytes.Clone(body), false)
		}
	}
	rw.w.WriteHeader(http.StatusOK)
	if _, err := rw.w.Write(body); err != nil {
		return 0, err
	}
	return len(p), nil
}

// streamWrite passes p on, compressed when the client accepts gzip; once
// a write has failed (the client went away) nothing more is compressed.
func (rw *respWriter) streamWrite(p []byte) (int, error) {
	if rw.werr != nil {
		return 0, rw.werr
	}
	n, err := rw.out().Write(p)
	if err == nil {
		err = rw.drain()
	}
	rw.werr = err
	return n, err
}

// drain writes out what the compressor has produced so far.
func (rw *respWriter) drain() error {
	if rw.zout == nil || len(rw.zout.b) == 0 {
		return nil
	}
	_, err := rw.zdst.Write(rw.zout.b)
	rw.zout.b = rw.zout.b[:0]
	return err
}

func (rw *respWriter) out() io.Writer {
	switch {
	case rw.zw != nil:
		return rw.zw
	case rw.capture != nil:
		return rw.capture
	}
	return rw.w
}

// keyOnVersion makes the validator of a GET or HEAD the dataset version
// with the path and normalised query, and answers at once, before any work:
// 304 when the client holds it, or the body cache's copy. It reports
// whether it answered.
func (rw *respWriter) keyOnVersion(version string) bool {
	if !rw.cacheable {
		return false
	}
	rw.version = version
	// Encode sorts the keys, so parameter order does not split caches.
	q := rw.r.URL.Query().Encode()
	rw.etag = versionETag(version, rw.r.URL.Path, q)
	if noneMatch(rw.r.Header.Get("If-None-Match"), rw.etag) {
		rw.cacheHeaders(rw.etag)
		rw.status, rw.done = http.StatusNotModified, true
		rw.w.WriteHeader(http.StatusNotModified)
		return true
	}
	if rw.s.bodies.off || rw.r.Method != http.MethodGet {
		return false
	}
	rw.key = answerKey(version, rw.r.URL.Path, q, rw.gzip)
	if e, ok := rw.s.bodies.Get(rw.key); ok {
		rw.serveCached(e)
		return true
	}
	rw.before = rw.w.Header().Clone()
	return false
}

// versionETag is the strong validator of a dataset-keyed answer: the same
// version, path and normalised query give the same bytes on every replica.
func versionETag(version, path, query string) string {
	h := xxhash.New()
	_, _ = h.WriteString(path)
	_, _ = h.WriteString("?")
	_, _ = h.WriteString(query)
	return `"` + version + "-" + strconv.FormatUint(h.Sum64(), 16) + `"`
}

// answerKey names a representation in the body cache: in full rather than
// hashed as the ETag is, so two queries can never share an answer.
func answerKey(version, path, query string, gz bool) string {
	enc := " identity "
	if gz {
		enc = " gzip "
	}
	return version + enc + path + "?" + query
}

// serveCached sends a cached answer as its first sending went out, with a
// Content-Length since its length is now known.
func (rw *respWriter) serveCached(e *cachedBody) {
	h := rw.w.Header()
	for k, v := range e.header {
		h[k] = append([]string(nil), v...)
	}
	rw.cacheHeaders(rw.etag)
	if e.gzip {
		h.Set("Content-Encoding", "gzip")
	}
	rw.status, rw.done = http.StatusOK, true
	if e.whole {
		http.ServeContent(rw.w, rw.r, "", time.Time{}, bytes.NewReader(e.body))
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	rw.w.WriteHeader(http.StatusOK)
	_, _ = rw.w.Write(e.body)
}

// keep stores a sent body in the body cache; it must not be modified after.
func (rw *respWriter) keep(header http.Header, body []byte, whole bool) {
	rw.s.bodies.Put(rw.key, &cachedBody{header: header, body: body, gzip: rw.gzip, whole: whole})
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
	var dst io.Writer = rw.w
	// A streamed body is kept gzipped only: plain, it costs mostly its
	// query and encoding, which a copy of seven times the bytes barely
	// beats, and it would take the room of seven gzipped ones (a cycle of
	// plain listings then misses every time and pays for the copy).
	if rw.key != "" && rw.gzip {
		rw.before = handlerHeader(h, rw.before)
		rw.capture = &captureWriter{w: rw.w, limit: rw.s.bodies.maxBody(), b: make([]byte, 0, streamChunk)}
		dst = rw.capture
	}
	rw.cacheHeaders(rw.etag)
	if rw.gzip {
		h.Set("Content-Encoding", "gzip")
		rw.zw = gzipWriters.Get().(*gzip.Writer)
		rw.zout, rw.zdst = &sliceWriter{b: getBody(64 << 10)}, dst
		rw.zw.Reset(rw.zout)
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
			err := rw.werr
			if err == nil {
				if err = rw.zw.Close(); err == nil {
					err = rw.drain()
				}
			}
			if err != nil && rw.capture != nil {
				rw.capture.lost = true
			}
			rw.zw.Reset(nil)
			gzipWriters.Put(rw.zw)
			rw.zw = nil
			putBody(rw.zout.b)
			rw.zout = nil
		}
		if c := rw.capture; c != nil && !c.lost {
			rw.keep(rw.before, c.b, false)
		}
		return
	}
	defer func() {
		putBody(rw.buf)
		rw.buf = nil
	}()
	h := rw.w.Header()
	var handlerSet http.Header
	if rw.key != "" {
		handlerSet = handlerHeader(h, rw.before)
	}
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
	if rw.key != "" && len(body) <= rw.s.bodies.maxBody() {
		rw.keep(handlerSet, bytes.Clone(body), true)
	}
	h.Del("Content-Length")
	if !rw.cacheable || plainGet(rw.r, h) {
		if rw.cacheable {
			h.Set("Accept-Ranges", "bytes")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		rw.w.WriteHeader(http.StatusOK)
		_, _ = rw.w.Write(body)
		return
	}
	// ServeContent answers Range and If-Range on the bytes sent; the
	// preconditions it shares with noneMatch were decided above.
	http.ServeContent(rw.w, rw.r, "", time.Time{}, bytes.NewReader(body))
}

// plainGet reports whether http.ServeContent would send a held body whole
// and as it is, adding only Accept-Ranges and Content-Length: a GET with
// neither a range nor a precondition it decides (with no modification time
// it ignores the date ones) of a body whose type is set. Such a body is
// written in one piece, where ServeContent copies it in pieces of 32 KiB,
// a system call each, and leaves a gzipped one to be sent chunked.
func plainGet(r *http.Request, h http.Header) bool {
	q := r.Header
	return r.Method == http.MethodGet && h.Get("Content-Type") != "" &&
		q.Get("Range") == "" && q.Get("If-Range") == "" && q.Get("If-Match") == "" && q.Get("If-None-Match") == ""
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
