package ogc

import (
	"fmt"
	"strings"
	"time"

	"crimemap/fault"
	"crimemap/geo"
)

// ErrDatetime is a datetime parameter that is not an RFC 3339 date,
// date-time or interval of them with ".." or nothing for an open end.
var ErrDatetime = fault.New(fault.Invalid, "want an RFC 3339 date or date-time, or an interval START/END with .. for an open end")

// maxDatetime bounds the parameter: the longest interval of two RFC 3339
// date-times with nanoseconds and offsets is under 80 bytes.
const maxDatetime = 100

// ParseDatetime reads the datetime parameter as the months it touches:
// from and to are inclusive, and 0 leaves an end open. An empty value
// selects every month.
func ParseDatetime(v string) (from, to geo.Month, err error) {
	if v == "" {
		return 0, 0, nil
	}
	if len(v) > maxDatetime {
		return 0, 0, fmt.Errorf("%w: longer than %d bytes", ErrDatetime, maxDatetime)
	}
	start, end, interval := strings.Cut(v, "/")
	if !interval {
		m, err := parseInstant(v)
		return m, m, err
	}
	if strings.Contains(end, "/") {
		return 0, 0, fmt.Errorf("%w: got %q", ErrDatetime, v)
	}
	if from, err = parseEnd(start); err != nil {
		return 0, 0, err
	}
	if to, err = parseEnd(end); err != nil {
		return 0, 0, err
	}
	if from != 0 && to != 0 && from > to {
		return 0, 0, fmt.Errorf("%w: the interval %q ends before it starts", ErrDatetime, v)
	}
	return from, to, nil
}

// parseEnd reads one end of an interval; ".." and "" are open.
func parseEnd(s string) (geo.Month, error) {
	if s == ".." || s == "" {
		return 0, nil
	}
	return parseInstant(s)
}

// parseInstant reads an RFC 3339 full-date or date-time as its month, in
// the time zone it is written in: the data's months are local to the UK,
// and an offset of a few hours moves at most an instant at a month's edge.
func parseInstant(s string) (geo.Month, error) {
	var t time.Time
	var err error
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
	} else {
		t, err = time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	}
	if err != nil {
		return 0, fmt.Errorf("%w: got %q", ErrDatetime, s)
	}
	if y := t.Year(); y < 1 || y > 5000 {
		return 0, fmt.Errorf("%w: year %d is outside 1..5000", ErrDatetime, y)
	}
	return geo.MakeMonth(t.Year(), int(t.Month())), nil
}

// MonthInterval is the RFC 3339 interval a run of months covers, from the
// first instant of from to the last of to, for a collection's temporal
// extent.
func MonthInterval(from, to geo.Month) [2]string {
	start := time.Date(from.Year(), time.Month(from.Num()), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), time.Month(to.Num())+1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Second)
	return [2]string{start.Format(time.RFC3339), end.Format(time.RFC3339)}
}
