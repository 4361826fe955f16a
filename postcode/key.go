package postcode

import (
	"fmt"
)

// Key is a postcode packed into an integer: the outward code left-aligned in
// four places, then the inward code, each character a base-37 digit (space 0,
// digits 1-10, letters 11-36). Digits and letters keep their ASCII order and
// the padding sorts first, so keys sort as ONSPD's 7-character pcd column
// does (AB1 0AA before AB10 1AA), and a key fits in 37 bits.
type Key uint64

const (
	keyChars = 7
	base     = 37
)

// digit is a character's base-37 value, or -1 for a character that no
// postcode holds. Lower-case letters map to their capitals.
var digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c-'0') + 1
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = int8(c-'A') + 11
		t[c+'a'-'A'] = int8(c-'A') + 11
	}
	return t
}()

const alphabet = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// ParseKey reads a postcode in any spelling: case is ignored and spaces may
// appear anywhere (so147ly, SO14 7LY and " so14  7ly " are one postcode); the
// inward code is always the last three characters. It checks the shape (an
// outward code of two to four letters and digits starting with a letter, an
// inward code of a digit and two letters) and returns ErrInvalid otherwise.
// It does not allocate unless it fails.
func ParseKey(s string) (Key, error) {
	k, ok := parseKey(s)
	if !ok {
		return 0, fmt.Errorf("%q: %w", s, ErrInvalid)
	}
	return k, nil
}

func parseKey[T string | []byte](s T) (Key, bool) {
	var c [keyChars]int8
	n := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if isSpace(b) {
			continue
		}
		d := digit[b]
		if d < 0 || n == keyChars {
			return 0, false
		}
		c[n] = d
		n++
	}
	if n < 5 {
		return 0, false
	}
	in := c[n-3 : n]
	if in[0] < 1 || in[0] > 10 || in[1] < 11 || in[2] < 11 {
		return 0, false
	}
	out := c[:n-3]
	if out[0] < 11 {
		return 0, false
	}
	var k uint64
	for i := range 4 {
		k *= base
		if i < len(out) {
			k += uint64(out[i])
		}
	}
	for _, d := range in {
		k = k*base + uint64(d)
	}
	return Key(k), true
}

// String returns the postcode's usual spelling: outward code, one space,
// inward code (SO14 7LY), as ONSPD's pcds column writes it.
func (k Key) String() string {
	var c [keyChars + 1]byte
	n := k.appendTo(c[:0])
	return string(n)
}

func (k Key) appendTo(dst []byte) []byte {
	var d [keyChars]byte
	v := uint64(k)
	for i := keyChars - 1; i >= 0; i-- {
		d[i] = alphabet[v%base]
		v /= base
	}
	for _, b := range d[:4] {
		if b != ' ' {
			dst = append(dst, b)
		}
	}
	dst = append(dst, ' ')
	return append(dst, d[4:]...)
}

// Normalise returns the usual spelling of a postcode written in any spelling
// ParseKey accepts.
func Normalise(s string) (string, error) {
	k, err := ParseKey(s)
	if err != nil {
		return "", err
	}
	return k.String(), nil
}
