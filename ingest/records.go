package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"
)

const (
	// initialBuf is large enough that a refill costs little per row.
	initialBuf = 1 << 20
	// maxRecord bounds one record so a file without line breaks cannot
	// exhaust memory. A longer record is rejected and skipped.
	maxRecord = 4 << 20
	// maxRecordLines bounds the physical lines one quoted record may
	// span, so that a stray quote cannot swallow the rows after it: the
	// record is rejected and reading resumes at its second line.
	maxRecordLines = 100
	// maxSkip bounds how far past maxRecord a long line is skipped in
	// search of its end; beyond it the rest of the file is given up (a
	// huge file without line breaks is not CSV).
	maxSkip = 64 << 20
)

var bom = []byte("\xEF\xBB\xBF")

// recordReader splits CSV input into records and fields. Unquoted lines take
// a fast path (bytes.IndexByte for line ends and commas); only a record that
// contains '"' goes through the RFC 4180 state machine. Fields of unquoted
// records alias the read buffer and are valid until the next call to next.
// Field bounds are kept as offsets, not slices, so that recording them costs
// no GC write barrier.
type recordReader struct {
	r       io.Reader
	buf     []byte
	pos     int // start of unread data
	end     int // end of valid data
	eof     bool
	started bool

	// lfAt caches the index of the first '\n' at or after pos, or -1 when
	// buf[lfFree:end] has none; without it a CR-only file would rescan the
	// whole buffer for '\n' on every line.
	lfAt   int
	lfFree int

	line    int // physical line number where the next record starts
	recLine int // line of the record last returned
	// detail says more about the last row error, and gaveUp reports that
	// the rest of the input was skipped after it.
	detail string
	gaveUp bool
	// first is the length, terminator included, of the first physical
	// line of the quoted record being read: where reading resumes when
	// the record is rejected as runaway.
	first   int
	raw     []byte
	data    []byte // the record: its line, or its unquoted fields end to end
	bnds    []int  // field k is data[bnds[2k]:bnds[2k+1]]
	offs    []int
	scratch []byte

	// rep is the last plain line's run from the comma that ends its first
	// field to the comma that ends its fourth, and repEnd the ends of
	// fields two to four within it. Month, Reported by and Falls within
	// are the same on every row of a file, so a line that repeats the run
	// has its commas there without a search.
	rep    []byte
	repEnd [3]int
}

// field returns field i of the current record, or nil when it has fewer.
func (r *recordReader) field(i int) []byte {
	if i < 0 || 2*i+1 >= len(r.bnds) {
		return nil
	}
	return r.data[r.bnds[2*i]:r.bnds[2*i+1]]
}

// fields returns the current record's fields as slices.
func (r *recordReader) fields() [][]byte {
	f := make([][]byte, len(r.bnds)/2)
	for i := range f {
		f[i] = r.field(i)
	}
	return f
}

// newRecordReader reads r; size, when positive, is the input's length and
// keeps the buffer of a small file small. buf, when large enough, is used as
// the buffer instead of a new one.
func newRecordReader(r io.Reader, size int64, buf []byte) *recordReader {
	n := initialBuf
	if size > 0 && size < initialBuf {
		n = max(int(size)+1, 4096)
	}
	if cap(buf) >= n {
		buf = buf[:cap(buf)]
	} else {
		buf = make([]byte, n)
	}
	return &recordReader{r: r, buf: buf, line: 1, lfAt: -1}
}

// newBytesReader reads data, which it never writes to: the whole input is
// the buffer, so fields alias data and nothing is copied.
func newBytesReader(data []byte) *recordReader {
	return &recordReader{buf: data, end: len(data), eof: true, line: 1, lfAt: -1}
}

// fill reads more input, compacting and growing the buffer as needed.
func (r *recordReader) fill() error {
	if r.eof {
		return nil
	}
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		if r.lfAt >= 0 {
			r.lfAt -= r.pos
		}
		r.lfFree = max(0, r.lfFree-r.pos)
		r.end = n
		r.pos = 0
	}
	if r.end == len(r.buf) {
		// next and quoted give up on a record at maxRecord bytes, so a
		// buffer of twice that always holds the record being read.
		if len(r.buf) >= 2*maxRecord {
			return ErrTooLong
		}
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if errors.Is(err, io.EOF) {
			r.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// findLF returns the index of the first '\n' in buf[from:end], or -1. It
// looks no further than maxRecord+1 bytes past from: a longer line is
// rejected anyway, and a mapped file without line breaks is not searched
// to its end.
func (r *recordReader) findLF(from int) int {
	if r.lfAt >= from {
		return r.lfAt
	}
	w := min(r.end, from+maxRecord+1)
	if start := max(from, r.lfFree); start < w {
		if i := bytes.IndexByte(r.buf[start:w], '\n'); i >= 0 {
			r.lfAt = start + i
			return r.lfAt
		}
		r.lfFree = w
	}
	r.lfAt = -1
	return -1
}

// lineState is what lineEnd found.
type lineState int

const (
	lineOK   lineState = iota
	lineMore           // more input is needed
	lineLong           // the line is longer than maxRecord
)

// lineEnd finds the end of the physical line starting at from: the index of
// its terminator and of the next line.
func (r *recordReader) lineEnd(from int) (end, next int, st lineState) {
	end, next, st = r.lineEndAny(from)
	if st == lineOK && end-from > maxRecord {
		return 0, 0, lineLong
	}
	return end, next, st
}

func (r *recordReader) lineEndAny(from int) (end, next int, st lineState) {
	lf := r.findLF(from)
	limit := min(r.end, from+maxRecord+1)
	if lf >= 0 {
		limit = lf
	}
	if cr := bytes.IndexByte(r.buf[from:limit], '\r'); cr >= 0 {
		cr += from
		switch {
		case cr+1 < r.end && r.buf[cr+1] == '\n':
			return cr, cr + 2, lineOK
		case cr+1 < r.end || r.eof:
			return cr, cr + 1, lineOK
		}
		return 0, 0, lineMore
	}
	switch {
	case lf >= 0:
		return lf, lf + 1, lineOK
	case limit-from > maxRecord:
		return 0, 0, lineLong
	case r.eof:
		return r.end, r.end, lineOK
	}
	return 0, 0, lineMore
}

// skipLong rejects the line at pos, longer than maxRecord, and moves past
// its end. Past maxSkip more bytes without a line break it gives up the
// rest of the input.
func (r *recordReader) skipLong() (int, error) {
	r.recLine, r.raw, r.bnds = r.line, nil, r.bnds[:0]
	r.line++
	r.detail = fmt.Sprintf("line longer than %d bytes skipped", maxRecord)
	from := r.pos + maxRecord + 1
	skipped := 0
	for {
		w := min(r.end, from+maxSkip-skipped)
		chunk := r.buf[from:w]
		i := bytes.IndexByte(chunk, '\n')
		if i >= 0 {
			chunk = chunk[:i+1]
		}
		if j := bytes.IndexByte(chunk, '\r'); j >= 0 {
			i = j
		}
		if i >= 0 {
			nxt := from + i + 1
			if r.buf[from+i] == '\r' && nxt < r.end && r.buf[nxt] == '\n' {
				nxt++
			}
			r.pos, r.lfAt, r.lfFree = nxt, -1, nxt
			return 0, ErrTooLong
		}
		skipped += w - from
		if skipped >= maxSkip || r.eof && w < r.end {
			r.detail = fmt.Sprintf("no line break in %d bytes: rest of the file skipped", maxRecord+maxSkip)
			r.gaveUp = true
			r.pos, r.end, r.eof = 0, 0, true
			return 0, ErrTooLong
		}
		if r.eof {
			r.pos = r.end
			return 0, ErrTooLong
		}
		// The line so far is of no use: drop it and read on.
		r.pos, r.lfAt, r.lfFree = r.end, -1, r.end
		if err := r.fill(); err != nil {
			return 0, err
		}
		from = r.pos
	}
}

// next moves to the next non-empty record and returns its number of fields.
// A record-level syntax error (bad quoting, invalid UTF-8) is returned with no
// fields; the reader has moved past the record and can go on. Any other error
// ends the input; io.EOF marks its normal end.
func (r *recordReader) next() (n int, err error) {
	r.detail = ""
	if !r.started {
		r.started = true
		for r.end-r.pos < len(bom) && !r.eof {
			if err := r.fill(); err != nil {
				return 0, err
			}
		}
		if bytes.HasPrefix(r.buf[r.pos:r.end], bom) {
			r.pos += len(bom)
		}
	}
	for {
		if r.pos >= r.end {
			if r.eof {
				return 0, io.EOF
			}
			if err := r.fill(); err != nil {
				return 0, err
			}
			continue
		}
		end, nxt, st := r.lineEnd(r.pos)
		switch st {
		case lineMore:
			if err := r.fill(); err != nil {
				return 0, err
			}
			continue
		case lineLong:
			return r.skipLong()
		}
		if end == r.pos {
			// Blank lines are skipped, as encoding/csv does.
			r.pos = nxt
			r.line++
			continue
		}
		line := r.buf[r.pos:end]
		n, plain := r.splitASCII(line)
		if !plain {
			if bytes.IndexByte(line, '"') >= 0 {
				r.first = nxt - r.pos
				return r.quoted()
			}
			r.bnds = r.bnds[:0]
			if !utf8.Valid(line) {
				r.recLine = r.line
				r.line++
				r.pos = nxt
				r.raw = line
				return 0, ErrInvalidUTF8
			}
			n = r.split(line)
		}
		r.recLine = r.line
		r.line++
		r.pos = nxt
		r.raw = line
		return n, nil
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lows  = 0x7F7F7F7F7F7F7F7F
)

// bytesEqual returns a word with the high bit set in each byte of w equal to
// c (c*ones), and no other bit: the sum cannot carry from byte to byte, so
// unlike the usual (x - ones) &^ x test no byte after a match is flagged.
func bytesEqual(w, c uint64) uint64 {
	x := w ^ c
	return ^(((x & lows) + lows) | x) & highs
}

// splitASCII cuts a line at commas eight bytes at a time, the way split
// does, when the line is plain: ASCII without quotes, which is nearly every
// line of the archive. Otherwise it reports false and the caller takes the
// slower paths, which check UTF-8 and quoting.
func (r *recordReader) splitASCII(line []byte) (int, bool) {
	// A quote is found by a vectorised search, and a byte above 0x7F by
	// OR-ing every word together, so the loop only looks for commas.
	if bytes.IndexByte(line, '"') >= 0 {
		return 0, false
	}
	b := r.bnds[:0]
	start, i := 0, 0
	var high uint64
	repeated := false
	if c0 := bytes.IndexByte(line, ','); c0 >= 0 && len(r.rep) > 0 && len(line) > c0+len(r.rep) &&
		string(line[c0:c0+len(r.rep)]) == string(r.rep) {
		// The first field still needs its bytes checked; the run came
		// from a plain line.
		for ; i+8 <= c0; i += 8 {
			high |= binary.LittleEndian.Uint64(line[i:])
		}
		for ; i < c0; i++ {
			high |= uint64(line[i])
		}
		e := &r.repEnd
		b = append(b, 0, c0, c0+1, c0+e[0], c0+e[0]+1, c0+e[1], c0+e[1]+1, c0+e[2])
		start = c0 + len(r.rep)
		i = start
		repeated = true
	}
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		high |= w
		for m := bytesEqual(w, ','*ones); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)/8
			b = append(b, start, j)
			start = j + 1
		}
	}
	for ; i < len(line); i++ {
		c := line[i]
		high |= uint64(c)
		if c == ',' {
			b = append(b, start, i)
			start = i + 1
		}
	}
	if high&highs != 0 {
		return 0, false
	}
	b = append(b, start, len(line))
	r.bnds, r.data = b, line
	if !repeated && len(b) >= 10 {
		c0 := b[1]
		r.rep = append(r.rep[:0], line[c0:b[7]+1]...)
		r.repEnd = [3]int{b[3] - c0, b[5] - c0, b[7] - c0}
	}
	return len(b) / 2, true
}

// split cuts an unquoted line at commas.
func (r *recordReader) split(line []byte) int {
	b := r.bnds[:0]
	start := 0
	for {
		i := bytes.IndexByte(line[start:], ',')
		if i < 0 {
			b = append(b, start, len(line))
			break
		}
		b = append(b, start, start+i)
		start += i + 1
	}
	r.bnds, r.data = b, line
	return len(b) / 2
}

// quoted parses a record containing a quote per RFC 4180, the way
// encoding/csv does with LazyQuotes off: a quoted field may hold commas, line
// breaks and doubled quotes, "\r\n" inside it becomes "\n", and a quote in an
// unquoted field or text after a closing quote is an error.
//
// A quoted field still open at the end of the input, after maxRecordLines
// lines or after maxRecord bytes rejects its record, and reading resumes at
// the record's second physical line: a stray quote costs one row, not the
// rest of the file.
func (r *recordReader) quoted() (int, error) {
	for {
		n, consumed, lines, err, ok := r.scanQuoted()
		if ra, runaway := err.(runaway); runaway {
			return r.resync(ra.err, ra.detail)
		}
		if ok && lines > 1 && (err == ErrQuote || err == ErrBareQuote) {
			// A stray quote opened a field that a quote on a later
			// line closed: the lines between are rows of their own.
			return r.resync(err, fmt.Sprintf("quotes do not pair up over %d lines", lines))
		}
		if ok {
			r.recLine = r.line
			r.raw = r.buf[r.pos : r.pos+consumed]
			r.line += lines
			r.pos += consumed
			return n, err
		}
		if r.eof {
			// scanQuoted always completes at EOF.
			panic("ingest: quoted record incomplete at EOF")
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

// resync rejects the quoted record at pos and moves to its second physical
// line.
func (r *recordReader) resync(err error, detail string) (int, error) {
	r.recLine, r.raw, r.bnds = r.line, nil, r.bnds[:0]
	r.line++
	r.pos += r.first
	r.lfAt, r.lfFree = -1, r.pos
	r.detail = detail
	return 0, err
}

// runaway is a quoted record given up on: err is the row error, detail
// says why.
type runaway struct {
	err    error
	detail string
}

func (r runaway) Error() string { return r.err.Error() + ": " + r.detail }

var (
	runawayEOF   = runaway{ErrQuote, "quoted field not closed by the end of the file"}
	runawayLines = runaway{ErrQuote, fmt.Sprintf("quoted field not closed within %d lines", maxRecordLines)}
	runawayBytes = runaway{ErrTooLong, fmt.Sprintf("quoted record longer than %d bytes", maxRecord)}
)

// scanQuoted scans the record at pos. ok is false when the buffer ends
// before the record does and more input exists. A runaway record returns
// a runaway error.
func (r *recordReader) scanQuoted() (n, consumed, lines int, err error, ok bool) {
	r.bnds = r.bnds[:0]
	b := r.buf[r.pos:r.end]
	out := r.scratch[:0]
	offs := r.offs[:0]
	offs = append(offs, 0)
	i := 0
	// endLine consumes the terminator at i and reports the record end.
	endLine := func() (int, bool) {
		switch {
		case i >= len(b):
			return i, r.eof
		case b[i] == '\n':
			return i + 1, true
		case b[i] == '\r':
			if i+1 < len(b) {
				if b[i+1] == '\n' {
					return i + 2, true
				}
				return i + 1, true
			}
			return i + 1, r.eof
		}
		return 0, false
	}
	// skipLine moves past the rest of a broken record's physical line.
	skipLine := func(e error) (int, int, int, error, bool) {
		for i < len(b) && b[i] != '\n' && b[i] != '\r' {
			if i++; i > maxRecord {
				return 0, 0, 0, runawayBytes, true
			}
		}
		n, done := endLine()
		return 0, n, lines + 1, e, done
	}
	for {
		// At the start of a field.
		if i > maxRecord {
			return 0, 0, 0, runawayBytes, true
		}
		if i < len(b) && b[i] == '"' {
			i++
			for {
				if i > maxRecord {
					return 0, 0, 0, runawayBytes, true
				}
				if i >= len(b) {
					if !r.eof {
						return 0, 0, 0, nil, false
					}
					return 0, 0, 0, runawayEOF, true
				}
				c := b[i]
				switch {
				case c == '"':
					if i+1 >= len(b) && !r.eof {
						return 0, 0, 0, nil, false
					}
					if i+1 < len(b) && b[i+1] == '"' {
						out = append(out, '"')
						i += 2
						continue
					}
					i++
				case c == '\r' && i+1 < len(b) && b[i+1] == '\n':
					out = append(out, '\n')
					i += 2
					if lines++; lines >= maxRecordLines {
						return 0, 0, 0, runawayLines, true
					}
					continue
				case c == '\r' && i+1 >= len(b) && !r.eof:
					return 0, 0, 0, nil, false
				default:
					if c == '\n' || c == '\r' {
						if lines++; lines >= maxRecordLines {
							return 0, 0, 0, runawayLines, true
						}
					}
					out = append(out, c)
					i++
					continue
				}
				break
			}
			// After a closing quote: a comma, a line end or the end of input.
			if i < len(b) && b[i] == ',' {
				offs = append(offs, len(out))
				i++
				continue
			}
			if i < len(b) && b[i] != '\n' && b[i] != '\r' {
				return skipLine(ErrQuote)
			}
		} else {
			for i < len(b) && b[i] != ',' && b[i] != '\n' && b[i] != '\r' {
				if i > maxRecord {
					return 0, 0, 0, runawayBytes, true
				}
				if b[i] == '"' {
					return skipLine(ErrBareQuote)
				}
				out = append(out, b[i])
				i++
			}
			if i < len(b) && b[i] == ',' {
				offs = append(offs, len(out))
				i++
				continue
			}
		}
		end, done := endLine()
		if !done {
			return 0, 0, 0, nil, false
		}
		offs = append(offs, len(out))
		r.scratch, r.offs = out, offs
		if !utf8.Valid(out) {
			return 0, end, lines + 1, ErrInvalidUTF8, true
		}
		bn := r.bnds[:0]
		for k := 0; k+1 < len(offs); k++ {
			bn = append(bn, offs[k], offs[k+1])
		}
		r.bnds, r.data = bn, out
		return len(bn) / 2, end, lines + 1, nil, true
	}
}

// maxRowsHint bounds estimateRows: a zip header can claim any size.
const maxRowsHint = 1 << 21

// estimateRows guesses the rows in a file of size bytes from the line length
// of what is buffered, and how many of them have a first field, which in a
// street file is the Crime ID that anti-social behaviour rows lack.
func (r *recordReader) estimateRows(size int64) (rows, withFirst int) {
	sample := r.buf[r.pos:r.end]
	if size <= 0 || len(sample) == 0 {
		return 0, 0
	}
	sample = sample[:min(len(sample), 1<<16)]
	eol := byte('\n')
	lines := bytes.Count(sample, []byte{eol})
	if lines == 0 {
		eol = '\r'
		lines = bytes.Count(sample, []byte{eol})
	}
	if lines == 0 {
		return 0, 0
	}
	empty := bytes.Count(sample, []byte{eol, ','})
	if sample[0] == ',' {
		empty++
	}
	est := size * int64(lines) / int64(len(sample))
	withEst := est * int64(max(lines-empty, 0)) / int64(lines)
	return int(min(est+est/32+1, maxRowsHint)), int(min(withEst+est/32+1, maxRowsHint))
}
