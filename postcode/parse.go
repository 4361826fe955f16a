package postcode

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// noLocation marks a postcode without a grid reference in the lat column.
const noLocation = -1 << 31

// ONSPD writes a postcode without a grid reference at 99.999999, 0.000000.
const (
	noGridLat = 99_999_999
	noGridLng = 0
)

// table interns the values of one code column as small integers. Runs of
// rows share their codes (the file is in postcode order), so the last value
// is tried before the map.
type table struct {
	idx  map[string]uint32
	vals []string
	last uint32
}

func newTable() *table { return &table{idx: map[string]uint32{}} }

func (t *table) intern(b []byte) uint32 {
	if len(t.vals) > 0 && string(b) == t.vals[t.last] {
		return t.last
	}
	i, ok := t.idx[string(b)]
	if !ok {
		i = uint32(len(t.vals))
		s := string(b)
		t.vals = append(t.vals, s)
		t.idx[s] = i
	}
	t.last = i
	return i
}

// rowErr is a rejected row within its block.
type rowErr struct {
	line   int // 0-based line within the block
	reason error
	column string
	detail string
}

// chunk is one block's rows, in columns; code columns index the tables of
// the worker that parsed it.
type chunk struct {
	keys      []uint64
	lat, lng  []int32
	term      []uint16
	pfa, lsoa []uint32
	ctry      []uint32
	line      []uint32 // 0-based line within the block
	lines     int      // lines in the block, blank ones included
	read      int
	errs      []rowErr
	tabs      *tables
}

type tables struct{ pfa, lsoa, ctry *table }

// worker parses blocks; its tables live across them.
type worker struct {
	sp   *splitter
	tabs *tables
}

// parse cuts a block of whole lines into rows.
func (w *worker) parse(data []byte) *chunk {
	// ONSPD rows are about 480 bytes; a low guess only costs a regrowth.
	est := len(data)/400 + 16
	c := &chunk{
		keys: make([]uint64, 0, est), lat: make([]int32, 0, est), lng: make([]int32, 0, est),
		term: make([]uint16, 0, est), pfa: make([]uint32, 0, est), lsoa: make([]uint32, 0, est),
		ctry: make([]uint32, 0, est), line: make([]uint32, 0, est), tabs: w.tabs,
	}
	for len(data) > 0 {
		var line []byte
		if lf := bytes.IndexByte(data, '\n'); lf >= 0 {
			line, data = data[:lf], data[lf+1:]
		} else {
			line, data = data, nil
		}
		n := c.lines
		c.lines++
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		c.read++
		if err := w.sp.split(line); err != nil {
			c.errs = append(c.errs, rowErr{line: n, reason: err})
			continue
		}
		w.row(c, n)
	}
	return c
}

// row validates the split fields and appends them to c.
func (w *worker) row(c *chunk, n int) {
	f := &w.sp.f
	reject := func(reason error, column string, value []byte) {
		c.errs = append(c.errs, rowErr{line: n, reason: reason, column: column, detail: quoteDetail(value)})
	}
	key, ok := parseKey(f[slotPcds])
	if !ok {
		reject(ErrBadPostcode, "pcds", f[slotPcds])
		return
	}
	lat, lng := int32(noLocation), int32(0)
	latF, lngF := f[slotLat], f[slotLong]
	if len(latF) > 0 || len(lngF) > 0 {
		la, ok := parseMicro(latF)
		if !ok || (la != noGridLat && (la < -90e6 || la > 90e6)) {
			reject(ErrBadCoordinate, "lat", latF)
			return
		}
		lo, ok := parseMicro(lngF)
		if !ok || lo < -180e6 || lo > 180e6 {
			reject(ErrBadCoordinate, "long", lngF)
			return
		}
		switch {
		case la == noGridLat && lo == noGridLng:
		case la == noGridLat:
			reject(ErrBadCoordinate, "lat", latF)
			return
		default:
			lat, lng = int32(la), int32(lo)
		}
	}
	term, ok := parseMonth(f[slotDoterm])
	if !ok {
		reject(ErrBadMonth, "doterm", f[slotDoterm])
		return
	}
	lsoa := f[slotLSOA21]
	if len(lsoa) == 0 {
		lsoa = f[slotLSOA11]
	}
	for _, k := range [...]int{slotPFA, slotCtry} {
		if !validText(f[k]) {
			reject(ErrInvalidUTF8, slotNames[k], nil)
			return
		}
	}
	if !validText(lsoa) {
		reject(ErrInvalidUTF8, "lsoa", nil)
		return
	}
	c.keys = append(c.keys, uint64(key))
	c.lat = append(c.lat, lat)
	c.lng = append(c.lng, lng)
	c.term = append(c.term, term)
	c.pfa = append(c.pfa, w.tabs.pfa.intern(f[slotPFA]))
	c.lsoa = append(c.lsoa, w.tabs.lsoa.intern(lsoa))
	c.ctry = append(c.ctry, w.tabs.ctry.intern(f[slotCtry]))
	c.line = append(c.line, uint32(n))
}

func validText(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return true
}

// quoteDetail gives a rejected value for the error message, shortened.
func quoteDetail(b []byte) string {
	if b == nil {
		return ""
	}
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// parseMicro reads a decimal number of degrees as millionths, rounding any
// further decimals half away from zero: ONSPD writes six decimals.
func parseMicro(b []byte) (int64, bool) {
	i, neg := 0, false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var v int64
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if digits == 4 {
			return 0, false
		}
		v = v*10 + int64(b[i]-'0')
		digits++
	}
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			switch {
			case frac < 6:
				v = v*10 + int64(b[i]-'0')
			case frac == 6 && b[i] >= '5':
				v++
			}
			frac++
			digits++
		}
	}
	if digits == 0 || i != len(b) {
		return 0, false
	}
	for ; frac < 6; frac++ {
		v *= 10
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseMonth reads doterm: empty for a live postcode (0), else YYYYMM as
// year*12 + month, which fits 16 bits up to year 5000.
func parseMonth(b []byte) (uint16, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if len(b) != 6 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	y, m := v/100, v%100
	if y < 1 || y > 5000 || m < 1 || m > 12 {
		return 0, false
	}
	return uint16(y*12 + m), true
}

// formatMonth writes a month from parseMonth back as YYYYMM.
func formatMonth(t uint16) string {
	v := int(t) - 1
	y, m := v/12, v%12+1
	var b [6]byte
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + y%10)
		y /= 10
	}
	b[4], b[5] = byte('0'+m/10), byte('0'+m%10)
	return string(b[:])
}
