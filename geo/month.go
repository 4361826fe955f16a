package geo

import (
	"fmt"

	"crimemap/fault"
)

// ErrBadMonth is returned for a month that is not YYYY-MM within years 1..5000
// (a Month is 16 bits).
var ErrBadMonth = fault.New(fault.Invalid, "month must be YYYY-MM with year 1..5000")

// Month counts months since January of year 0: year*12 + (month-1). The zero
// Month is never a valid data month, so it doubles as "unbounded" in a Filter.
type Month uint16

// MakeMonth returns the Month for a year and a month number 1..12.
func MakeMonth(year, month int) Month { return Month(year*12 + month - 1) }

// Year returns the calendar year.
func (m Month) Year() int { return int(m) / 12 }

// Num returns the month number 1..12.
func (m Month) Num() int { return int(m)%12 + 1 }

// String formats the month as YYYY-MM.
func (m Month) String() string {
	if m == 0 {
		return ""
	}
	var b [7]byte
	y := m.Year()
	b[0], b[1], b[2], b[3] = byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4] = '-'
	n := m.Num()
	b[5], b[6] = byte('0'+n/10), byte('0'+n%10)
	return string(b[:])
}

// MarshalText makes a Month encode as "YYYY-MM" in JSON.
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ParseMonth parses "YYYY-MM". It allocates nothing, so ingest calls it per row.
func ParseMonth(s string) (Month, error) { return parseMonthBytes([]byte(s)) }

// ParseMonthBytes is ParseMonth for a byte slice.
func ParseMonthBytes(b []byte) (Month, error) { return parseMonthBytes(b) }

func parseMonthBytes(b []byte) (Month, error) {
	if len(b) != 7 || b[4] != '-' {
		return 0, fmt.Errorf("%w: got %q", ErrBadMonth, b)
	}
	y := 0
	for _, c := range b[:4] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: got %q", ErrBadMonth, b)
		}
		y = y*10 + int(c-'0')
	}
	if b[5] < '0' || b[5] > '9' || b[6] < '0' || b[6] > '9' {
		return 0, fmt.Errorf("%w: got %q", ErrBadMonth, b)
	}
	mo := int(b[5]-'0')*10 + int(b[6]-'0')
	if y == 0 || y > 5000 || mo < 1 || mo > 12 {
		return 0, fmt.Errorf("%w: got %q", ErrBadMonth, b)
	}
	return MakeMonth(y, mo), nil
}

// AppendText appends "YYYY-MM" to b without allocating.
func (m Month) AppendText(b []byte) ([]byte, error) {
	if m == 0 {
		return b, nil
	}
	y, n := m.Year(), m.Num()
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-', byte('0'+n/10), byte('0'+n%10)), nil
}
