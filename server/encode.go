package server

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"

	"crimemap/geo"
)

// bodies recycles the buffers crime listings are encoded into: a 1-mile
// listing is about 300 KB, and a fresh buffer is zeroed and faulted in on
// every request, a tenth of the request's CPU.
var bodies sync.Pool

// maxPooledBody keeps the pool from holding on to the rare huge body.
const maxPooledBody = 8 << 20

// getBody returns an empty buffer with room for size bytes.
func getBody(size int) []byte {
	if p, ok := bodies.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// putBody gives a buffer back once nothing refers to it; an io.Writer does
// not keep what it was given.
func putBody(b []byte) {
	if cap(b) <= maxPooledBody {
		bodies.Put(&b)
	}
}

// streamChunk is how much of a listing is encoded before it is handed to
// the client: a 10,000-crime answer is about 4.5 MB, and a client reading
// slowly would otherwise keep all of it alive per request. It still holds
// a dense one-mile listing (up to about 900 KB) whole: each write of a
// response costs a system call and a wake-up of the client, and on
// loopback a 350 KB listing in one write went out at 1.7 times the rate
// of the same in 64 KB pieces.
const streamChunk = 1 << 20

// streamBody encodes a listing into a pooled buffer and writes it out a
// chunk at a time. An answer that fits in one chunk, or one to a HEAD
// request, goes out whole with its Content-Length. Append to b, then call
// maybeFlush after each item and finish at the end.
type streamBody struct {
	w    http.ResponseWriter
	head bool
	sent bool // the header is written
	b    []byte
}

// chunks recycles the buffers of streamBody apart from bodies, so a short
// answer never takes one and leaves the next listing to fault in a fresh
// megabyte.
var chunks sync.Pool

func newStreamBody(w http.ResponseWriter, r *http.Request) *streamBody {
	b, ok := chunks.Get().(*[]byte)
	if !ok {
		s := make([]byte, 0, streamChunk+16<<10)
		b = &s
	}
	return &streamBody{w: w, head: r.Method == http.MethodHead, b: (*b)[:0]}
}

// maybeFlush writes the buffer once a chunk's worth is there.
func (s *streamBody) maybeFlush() {
	if len(s.b) >= streamChunk && !s.head {
		s.write()
	}
}

func (s *streamBody) write() {
	if !s.sent {
		s.sent = true
		s.w.WriteHeader(http.StatusOK)
	}
	if !s.head {
		_, _ = s.w.Write(s.b)
	}
	s.b = s.b[:0]
}

// finish writes what is left and recycles the buffer.
func (s *streamBody) finish() {
	if !s.sent {
		s.w.Header().Set("Content-Length", strconv.Itoa(len(s.b)))
	}
	s.write()
	if b := s.b; cap(b) <= 2*streamChunk {
		chunks.Put(&b)
	}
	s.b = nil
}

// jsonText holds the JSON of every vocabulary term of one dataset, quoted and
// escaped once, so that listing crimes appends bytes instead of reflecting.
type jsonText struct {
	catSlug, forceSlug       [][]byte
	outcomeSlug, outcomeName [][]byte
	isBTP                    []bool // per force
}

func newJSONText(ds *geo.Dataset) jsonText {
	quote := func(v *geo.Vocab, name bool) [][]byte {
		out := make([][]byte, v.Len())
		for i, t := range v.Terms() {
			s := t.Slug
			if name {
				s = t.Name
			}
			out[i] = appendJSONString(nil, s)
		}
		return out
	}
	t := jsonText{
		catSlug: quote(ds.Categories(), false), forceSlug: quote(ds.Forces(), false),
		outcomeSlug: quote(ds.Outcomes(), false), outcomeName: quote(ds.Outcomes(), true),
		isBTP: make([]bool, ds.Forces().Len()),
	}
	for i, f := range ds.Forces().Terms() {
		t.isBTP[i] = f.Slug == "btp"
	}
	return t
}

// appendJSONString appends s as a JSON string. Plain ASCII, the whole of the
// real data, is copied; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendMonth(b []byte, m geo.Month) []byte {
	b = append(b, '"')
	b, _ = m.AppendText(b)
	return append(b, '"')
}

// crimeEncoder appends crimes as JSON. Crimes come grouped by point, so the
// JSON of a point is built once for all its crimes.
type crimeEncoder struct {
	ds   *geo.Dataset
	text *jsonText
	// loc is the data.police.uk location object of point locAt; geom and
	// props the GeoJSON geometry and point properties of point featAt.
	locAt, featAt    geo.PointID
	loc, geom, props []byte
}

func newCrimeEncoder(snap *snapshot) *crimeEncoder {
	return &crimeEncoder{ds: snap.ds, text: &snap.text, locAt: geo.NoPoint, featAt: geo.NoPoint}
}

func (e *crimeEncoder) setLocation(p geo.PointID) {
	if p == e.locAt {
		return
	}
	e.locAt = p
	lon, lat := e.ds.PointLonLat(p)
	e.loc = append(e.loc[:0], `{"latitude":"`...)
	e.loc = appendCoord(e.loc, lat)
	e.loc = append(e.loc, `","street":{"id":`...)
	e.loc = strconv.AppendInt(e.loc, e.ds.LocationID(p), 10)
	e.loc = append(e.loc, `,"name":`...)
	e.loc = appendJSONString(e.loc, e.ds.PointStreet(p))
	e.loc = append(e.loc, `},"longitude":"`...)
	e.loc = appendCoord(e.loc, lon)
	e.loc = append(e.loc, `"}`...)
}

func (e *crimeEncoder) setFeaturePoint(p geo.PointID) {
	if p == e.featAt {
		return
	}
	e.featAt = p
	pt := e.ds.Point(p)
	e.geom = append(e.geom[:0], `{"type":"Point","coordinates":[`...)
	e.geom = appendCoord(e.geom, pt.Lon)
	e.geom = append(e.geom, ',')
	e.geom = appendCoord(e.geom, pt.Lat)
	e.geom = append(e.geom, `]}`...)

	e.props = append(e.props[:0], `"location_id":`...)
	e.props = strconv.AppendInt(e.props, e.ds.LocationID(p), 10)
	e.props = append(e.props, `,"street":`...)
	e.props = appendJSONString(e.props, pt.Street)
	e.props = append(e.props, `,"lsoa_code":`...)
	e.props = appendJSONString(e.props, pt.LSOACode)
	e.props = append(e.props, `,"lsoa_name":`...)
	e.props = appendJSONString(e.props, pt.LSOAName)
}

// appendCoord writes a coordinate with six decimals, as
// strconv.AppendFloat(b, v, 'f', 6, 64) does, from an integer count of
// millionths. The files give six decimals, so v*1e6 lies within a rounding
// error of an integer; a value near a rounding tie goes to strconv.
func appendCoord(b []byte, v float64) []byte {
	m := v * 1e6
	r := math.Round(m)
	if d := math.Abs(m - r); d > 0.499 || math.Abs(m) > 1<<52 {
		return strconv.AppendFloat(b, v, 'f', 6, 64)
	}
	n := int64(r)
	if n < 0 {
		b = append(b, '-')
		n = -n
	} else if math.Signbit(v) {
		// -0.0000001 rounds to zero but strconv keeps the sign.
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, n/1_000_000, 10)
	frac := n % 1_000_000
	return append(b, '.', byte('0'+frac/100000), byte('0'+frac/10000%10), byte('0'+frac/1000%10),
		byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendPolice appends crime c at point p (geo.NoPoint for none) in
// data.police.uk's form, the same JSON as encoding policeCrimeOf.
func (e *crimeEncoder) appendPolice(b []byte, c geo.CrimeID, p geo.PointID) []byte {
	ds := e.ds
	b = append(b, `{"category":`...)
	b = append(b, e.text.catSlug[ds.Category(c)]...)
	if p == geo.NoPoint {
		b = append(b, `,"location_type":null,"location":null`...)
	} else {
		e.setLocation(p)
		if e.text.isBTP[ds.Force(c)] {
			b = append(b, `,"location_type":"BTP","location":`...)
		} else {
			b = append(b, `,"location_type":"Force","location":`...)
		}
		b = append(b, e.loc...)
	}
	b = append(b, `,"context":`...)
	b = appendJSONString(b, ds.Context(c))
	// outcome_status is the fifth key, where data.police.uk writes it.
	b = append(b, `,"outcome_status":`...)
	if o := ds.Outcome(c); o == geo.NoOutcome {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"category":`...)
		b = append(b, e.text.outcomeName[o]...)
		b = append(b, `,"date":`...)
		b = appendMonth(b, outcomeDate(ds, c))
		b = append(b, '}')
	}
	b = append(b, `,"persistent_id":`...)
	b = appendPersistentID(b, ds, c)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, ds.PublicID(c), 10)
	b = append(b, `,"location_subtype":"","month":`...)
	b = appendMonth(b, ds.Month(c))
	return append(b, '}')
}

// outcomeDate is the month of a crime's latest outcome: the last event of its
// history, or the crime's own month when no outcomes file was loaded.
func outcomeDate(ds *geo.Dataset, c geo.CrimeID) geo.Month {
	if h := ds.OutcomeHistory(c); len(h) > 0 {
		return h[len(h)-1].Month
	}
	return ds.Month(c)
}

// appendFeature appends crime c at point p as a GeoJSON Feature of
// /v1/crimes, with the properties of crimeRow.
func (e *crimeEncoder) appendFeature(b []byte, c geo.CrimeID, p geo.PointID) []byte {
	ds := e.ds
	e.setFeaturePoint(p)
	id := ds.PublicID(c)
	b = append(b, `{"type":"Feature","id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"geometry":`...)
	b = append(b, e.geom...)
	b = append(b, `,"properties":{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"persistent_id":`...)
	b = appendPersistentID(b, ds, c)
	b = append(b, `,"month":`...)
	b = appendMonth(b, ds.Month(c))
	b = append(b, `,"category":`...)
	b = append(b, e.text.catSlug[ds.Category(c)]...)
	b = append(b, `,"force":`...)
	b = append(b, e.text.forceSlug[ds.Force(c)]...)
	o := ds.Outcome(c)
	b = append(b, `,"outcome":`...)
	b = append(b, e.text.outcomeSlug[o]...)
	b = append(b, `,"outcome_name":`...)
	b = append(b, e.text.outcomeName[o]...)
	b = append(b, `,"context":`...)
	b = appendJSONString(b, ds.Context(c))
	b = append(b, ',')
	b = append(b, e.props...)
	return append(b, `}}`...)
}

// appendPersistentID appends a crime's ID as a JSON string. IDs that are not
// 64 hex digits are rare and escaped as any string.
func appendPersistentID(b []byte, ds *geo.Dataset, c geo.CrimeID) []byte {
	n := len(b)
	b = append(b, '"')
	b, plain := ds.AppendPersistentID(b, c)
	if plain {
		return append(b, '"')
	}
	for _, ch := range b[n+1:] {
		if ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x80 {
			return appendJSONString(b[:n], string(b[n+1:]))
		}
	}
	return append(b, '"')
}
