package neighbourhood

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// state says how a field appeared in the JSON: absent (the zero value), as
// null, or with a value. The API omits some fields and writes null for
// others, and a faithful re-encoding must tell the three apart.
type state uint8

const (
	absent state = iota
	null
	set
)

// Text is a string field of the API that may also be null or absent.
type Text struct {
	s  string
	st state
}

// Str returns a Text holding s.
func Str(s string) Text { return Text{s: s, st: set} }

// Null returns a Text that encodes as JSON null.
func Null() Text { return Text{st: null} }

// String returns the text, or "" when null or absent.
func (t Text) String() string { return t.s }

// Valid reports whether the field holds a string (possibly empty).
func (t Text) Valid() bool { return t.st == set }

// IsNull reports whether the field was JSON null.
func (t Text) IsNull() bool { return t.st == null }

// IsZero reports whether the field is absent, so omitzero leaves it out.
func (t Text) IsZero() bool { return t.st == absent }

// MarshalJSON writes the string, or null.
func (t Text) MarshalJSON() ([]byte, error) {
	if t.st != set {
		return []byte("null"), nil
	}
	return marshalString(t.s)
}

// marshalString encodes s without escaping <, > and &: the text is mostly
// HTML, and the encoder that writes the whole value decides whether to
// escape them (Marshal here does not, json.Marshal does).
func marshalString(s string) ([]byte, error) { return Marshal(s) }

// Marshal encodes v as the API writes it: with <, > and & as they are,
// not as \u003c escapes. The value is the same JSON either way; this is
// the same text.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Coord is a latitude or longitude as the API writes it: a decimal number in
// a JSON string, or null where the API has no position. The text is kept so
// it re-encodes exactly as read.
type Coord struct {
	Text
	v float64
}

// Float returns the coordinate's value and whether it has one.
func (c Coord) Float() (float64, bool) { return c.v, c.Valid() }

// CoordOf returns the coordinate for v, written with the fewest digits that
// read back as v.
func CoordOf(v float64) Coord {
	return Coord{Text: Str(strconv.FormatFloat(v, 'f', -1, 64)), v: v}
}

// parseCoord checks s is a finite decimal number within ±limit.
func parseCoord(s string, limit float64) (float64, bool, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, false
	}
	return v, true, v >= -limit && v <= limit
}

// Date is a date-time as the API writes it ("2016-09-17T10:00:00", local
// time in the UK with no offset), or null. The text is kept so it
// re-encodes exactly as read; Time is for sorting and filtering.
type Date struct {
	Text
	t time.Time
}

// Time returns the instant and whether the date has one.
func (d Date) Time() (time.Time, bool) { return d.t, d.Valid() }

// DateOf returns the date for t, written in the API's layout in UK time.
func DateOf(t time.Time) Date {
	t = t.In(london).Truncate(time.Second)
	return Date{Text: Str(t.Format(dateLayouts[0])), t: t}
}

// dateLayouts are the forms a date may take: the API's own first, then the
// shorter and offset forms some forces' feeds have been seen to use.
var dateLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", time.RFC3339}

// parseDate reads s in one of dateLayouts; a time without an offset is UK
// local time, as the API means it.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, london); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
