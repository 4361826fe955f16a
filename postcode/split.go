package postcode

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// The columns the directory keeps, as slots of a splitter.
const (
	slotPcds = iota
	slotLat
	slotLong
	slotDoterm
	slotPFA
	slotLSOA21
	slotLSOA11
	slotCtry
	nslots
)

// slotNames are the header names of the slots; lsoa21 and lsoa11 are
// alternatives, the rest are required.
var slotNames = [nslots]string{"pcds", "lat", "long", "doterm", "pfa", "lsoa21", "lsoa11", "ctry"}

// splitter cuts one line (no terminator) into fields and keeps the wanted
// ones. ONSPD quotes every field but a few numbers, and no field holds a
// comma or a quote, so the fast path splits at every comma and strips one
// pair of quotes; it is exact when the line holds no quotes beyond those
// pairs, which one count of the line's quotes confirms. Any other line goes
// through an RFC 4180 splitter. A quoted field cannot span lines: the input
// is cut into lines first, and such a field is a quote error.
type splitter struct {
	ncol    int
	slot    []int8 // by column: its slot, or -1
	f       [nslots][]byte
	scratch []byte
	offs    [nslots][2]int
}

func newSplitter(ncol int, slot []int8) *splitter {
	return &splitter{ncol: ncol, slot: slot}
}

const (
	ones   = 0x0101010101010101
	low7   = 0x7f7f7f7f7f7f7f7f
	commas = ',' * ones
	quotes = '"' * ones
)

// zeroBytes has the high bit set in each byte of x that is zero, and no
// other bit set.
func zeroBytes(x uint64) uint64 {
	return ^((x&low7 + low7) | x | low7)
}

// split fills s.f from line, or returns ErrColumnCount, ErrQuote or
// ErrBareQuote. Fields alias line or s.scratch until the next call. The
// line is read eight bytes at a time: one pass finds its commas and counts
// its quotes.
func (s *splitter) split(line []byte) error {
	s.f = [nslots][]byte{}
	col, start, quoted, nq := 0, 0, 0, 0
	i := 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		nq += bits.OnesCount64(zeroBytes(w ^ quotes))
		for cm := zeroBytes(w ^ commas); cm != 0; cm &= cm - 1 {
			end := i + bits.TrailingZeros64(cm)>>3
			q, ok := s.take(col, line[start:end])
			if !ok {
				return s.slow(line)
			}
			quoted += q
			col++
			start = end + 1
		}
	}
	for ; i < len(line); i++ {
		switch line[i] {
		case '"':
			nq++
		case ',':
			q, ok := s.take(col, line[start:i])
			if !ok {
				return s.slow(line)
			}
			quoted += q
			col++
			start = i + 1
		}
	}
	q, ok := s.take(col, line[start:])
	if !ok || nq != 2*(quoted+q) {
		return s.slow(line)
	}
	if col+1 != s.ncol {
		return ErrColumnCount
	}
	return nil
}

// take keeps field col, stripping its quotes if it is quoted: quoted is 1
// then. ok is false for a field that opens a quote it does not close.
func (s *splitter) take(col int, f []byte) (quoted int, ok bool) {
	if len(f) > 0 && f[0] == '"' {
		if len(f) < 2 || f[len(f)-1] != '"' {
			return 0, false
		}
		quoted, f = 1, f[1:len(f)-1]
	}
	if col < len(s.slot) && s.slot[col] >= 0 {
		s.f[s.slot[col]] = f
	}
	return quoted, true
}

// slow splits line by RFC 4180: a quoted field ends at a quote not doubled,
// which a comma or the line's end must follow.
func (s *splitter) slow(line []byte) error {
	s.f = [nslots][]byte{}
	s.scratch = s.scratch[:0]
	var have [nslots]bool
	col, i := 0, 0
	for {
		begin := len(s.scratch)
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return ErrQuote
				}
				s.scratch = append(s.scratch, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					s.scratch = append(s.scratch, '"')
					i++
					continue
				}
				break
			}
			if i < len(line) && line[i] != ',' {
				return ErrQuote
			}
		} else {
			end := len(line)
			if j := bytes.IndexByte(line[i:], ','); j >= 0 {
				end = i + j
			}
			if bytes.IndexByte(line[i:end], '"') >= 0 {
				return ErrBareQuote
			}
			s.scratch = append(s.scratch, line[i:end]...)
			i = end
		}
		if col < len(s.slot) && s.slot[col] >= 0 {
			k := s.slot[col]
			s.offs[k] = [2]int{begin, len(s.scratch)}
			have[k] = true
		}
		col++
		if i >= len(line) {
			break
		}
		i++ // the comma
	}
	if col != s.ncol {
		return ErrColumnCount
	}
	for k, ok := range have {
		if ok {
			s.f[k] = s.scratch[s.offs[k][0]:s.offs[k][1]]
		}
	}
	return nil
}
