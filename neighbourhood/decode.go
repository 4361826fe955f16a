package neighbourhood

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
)

// A decoder maps a JSON value read generically onto the API's types, noting
// the path of the first bad value (fatal: the object being decoded is
// rejected) and of the list elements it dropped along the way.
type decoder struct {
	fatal   *ValueError
	dropped []*ValueError
}

func (d *decoder) fail(path string, reason error, value string) {
	if d.fatal == nil {
		d.fatal = &ValueError{Path: path, Reason: reason, Value: value}
	}
}

// parse reads one JSON document: a leading UTF-8 byte order mark is
// skipped (some mirrors write one), numbers stay as text.
func parse(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: empty file", ErrNotJSON)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the top-level value (offset %d)", ErrNotJSON, dec.InputOffset())
	}
	return v, nil
}

// decodeFile parses data and decodes its top value with fn. A fatal error
// rejects the whole file; dropped lists the elements left out.
func decodeFile[T any](data []byte, fn func(*decoder, any, string) T) (T, []*ValueError, error) {
	var zero T
	v, err := parse(data)
	if err != nil {
		return zero, nil, err
	}
	var d decoder
	out := fn(&d, v, "$")
	if d.fatal != nil {
		return zero, d.dropped, d.fatal
	}
	return out, d.dropped, nil
}

// describe names a JSON value's type, with the value when short, for an
// error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + quote(clip(v))
	case json.Number:
		return "number " + clip(v.String())
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens a value quoted in an error, so a bad file cannot flood the
// summary.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}

func (d *decoder) object(v any, path string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(path, ErrWrongType, "want object, got "+describe(v))
	}
	return m
}

// list decodes an array element by element; a bad element is dropped and
// noted, the rest kept. A missing or null list is nil, a present one never
// is, so an empty array encodes back as [].
func list[T any](d *decoder, v any, path string, one func(*decoder, any, string) T) []T {
	return keyedList(d, v, path, one, nil)
}

// keyedList is list that also drops an element whose key (an id) an
// earlier element had: the Set is keyed by id, and the first is the one
// the API's list shows.
func keyedList[T any](d *decoder, v any, path string, one func(*decoder, any, string) T, key func(T) string) []T {
	if v == nil {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		d.fail(path, ErrWrongType, "want array, got "+describe(v))
		return nil
	}
	out := make([]T, 0, len(a))
	seen := map[string]bool{}
	for i, e := range a {
		var sub decoder
		t := one(&sub, e, fmt.Sprintf("%s[%d]", path, i))
		d.dropped = append(d.dropped, sub.dropped...)
		if sub.fatal != nil {
			d.dropped = append(d.dropped, sub.fatal)
			continue
		}
		if key != nil {
			k := key(t)
			if seen[k] {
				d.dropped = append(d.dropped, &ValueError{Path: fmt.Sprintf("%s[%d].id", path, i), Reason: ErrDuplicateID, Value: quote(clip(k))})
				continue
			}
			seen[k] = true
		}
		out = append(out, t)
	}
	return out
}

// strict decodes an array whose elements must all be good: the first bad
// one is fatal.
func strict[T any](d *decoder, v any, path string, one func(*decoder, any, string) T) []T {
	a, ok := v.([]any)
	if !ok {
		d.fail(path, ErrWrongType, "want array, got "+describe(v))
		return nil
	}
	out := make([]T, 0, len(a))
	for i, e := range a {
		out = append(out, one(d, e, fmt.Sprintf("%s[%d]", path, i)))
		if d.fatal != nil {
			return nil
		}
	}
	return out
}

// text reads an optional string field that may be null.
func (d *decoder) text(m map[string]any, path, key string) Text {
	v, ok := m[key]
	if !ok {
		return Text{}
	}
	switch v := v.(type) {
	case nil:
		return Null()
	case string:
		return Str(v)
	}
	d.fail(path+"."+key, ErrWrongType, "want string, got "+describe(v))
	return Text{}
}

// str reads a required string field.
func (d *decoder) str(m map[string]any, path, key string) string {
	t := d.text(m, path, key)
	if !t.Valid() && d.fatal == nil {
		d.fail(path+"."+key, ErrMissing, "")
	}
	return t.String()
}

// id reads a required, non-empty id.
func (d *decoder) id(m map[string]any, path string) string {
	s := d.str(m, path, "id")
	if s == "" && d.fatal == nil {
		d.fail(path+".id", ErrMissing, "empty string")
	}
	return s
}

// coord reads a coordinate string within ±limit; null is allowed only
// where nullable.
func (d *decoder) coord(m map[string]any, path, key string, limit float64, nullable bool) Coord {
	t := d.text(m, path, key)
	if d.fatal != nil {
		return Coord{}
	}
	if !t.Valid() {
		if !nullable {
			d.fail(path+"."+key, ErrMissing, "")
		}
		return Coord{Text: t}
	}
	v, num, inRange := parseCoord(t.s, limit)
	switch {
	case !num:
		d.fail(path+"."+key, ErrNotNumber, quote(clip(t.s)))
	case !inRange:
		d.fail(path+"."+key, ErrOutOfRange, quote(clip(t.s)))
	}
	return Coord{Text: t, v: v}
}

// date reads a date string, which may be null or absent unless required.
func (d *decoder) date(m map[string]any, path, key string, required bool) Date {
	t := d.text(m, path, key)
	if d.fatal != nil {
		return Date{}
	}
	if !t.Valid() {
		if required {
			d.fail(path+"."+key, ErrMissing, "")
		}
		return Date{Text: t}
	}
	tm, ok := parseDate(t.s)
	if !ok {
		d.fail(path+"."+key, ErrNotDate, quote(clip(t.s)))
	}
	return Date{Text: t, t: tm}
}

// wholeNumber checks an optional whole-number string, such as population.
func (d *decoder) wholeNumber(m map[string]any, path, key string) Text {
	t := d.text(m, path, key)
	if t.Valid() {
		if _, err := strconv.ParseUint(t.s, 10, 64); err != nil {
			d.fail(path+"."+key, ErrNotNumber, quote(clip(t.s)))
		}
	}
	return t
}

func (d *decoder) contacts(m map[string]any, path, key string) *ContactDetails {
	v, ok := m[key]
	if !ok {
		return nil
	}
	path += "." + key
	cm := d.object(v, path)
	if cm == nil {
		return nil
	}
	c := &ContactDetails{}
	for _, k := range slices.Sorted(maps.Keys(cm)) { // the first bad key is the same every run
		t := d.text(cm, path, k)
		if f := c.field(k); f != nil {
			*f = t
		} else {
			c.Other = append(c.Other, Contact{Key: k, Value: t})
		}
	}
	return c
}

func decodeRef(d *decoder, v any, path string) NeighbourhoodRef {
	m := d.object(v, path)
	return NeighbourhoodRef{ID: d.id(m, path), Name: d.str(m, path, "name")}
}

func decodeForceRef(d *decoder, v any, path string) ForceRef {
	r := decodeRef(d, v, path)
	return ForceRef(r)
}

func decodePoint(d *decoder, v any, path string) Point {
	m := d.object(v, path)
	return Point{
		Latitude:  d.coord(m, path, "latitude", 90, false),
		Longitude: d.coord(m, path, "longitude", 180, false),
	}
}

func decodeLink(d *decoder, v any, path string) Link {
	m := d.object(v, path)
	return Link{URL: d.text(m, path, "url"), Description: d.text(m, path, "description"), Title: d.text(m, path, "title")}
}

func decodeLocation(d *decoder, v any, path string) Location {
	m := d.object(v, path)
	return Location{
		Name:        d.text(m, path, "name"),
		Longitude:   d.coord(m, path, "longitude", 180, true),
		Postcode:    d.text(m, path, "postcode"),
		Address:     d.text(m, path, "address"),
		Latitude:    d.coord(m, path, "latitude", 90, true),
		Type:        d.text(m, path, "type"),
		Description: d.text(m, path, "description"),
	}
}

func decodeNeighbourhood(d *decoder, v any, path string) *Neighbourhood {
	m := d.object(v, path)
	n := &Neighbourhood{
		URLForce:       d.text(m, path, "url_force"),
		ContactDetails: d.contacts(m, path, "contact_details"),
		Name:           d.str(m, path, "name"),
		Links:          list(d, m["links"], path+".links", decodeLink),
		Locations:      list(d, m["locations"], path+".locations", decodeLocation),
		Description:    d.text(m, path, "description"),
		WelcomeMessage: d.text(m, path, "welcome_message"),
		ID:             d.id(m, path),
		Population:     d.wholeNumber(m, path, "population"),
	}
	if c, ok := m["centre"]; ok {
		p := decodePoint(d, c, path+".centre")
		n.Centre = &p
	}
	return n
}

func decodePerson(d *decoder, v any, path string) Person {
	m := d.object(v, path)
	return Person{
		Bio:            d.text(m, path, "bio"),
		ContactDetails: d.contacts(m, path, "contact_details"),
		Name:           d.str(m, path, "name"),
		Rank:           d.text(m, path, "rank"),
	}
}

func decodeEvent(d *decoder, v any, path string) Event {
	m := d.object(v, path)
	return Event{
		ContactDetails: d.contacts(m, path, "contact_details"),
		Description:    d.text(m, path, "description"),
		Title:          d.text(m, path, "title"),
		Address:        d.text(m, path, "address"),
		Type:           d.text(m, path, "type"),
		StartDate:      d.date(m, path, "start_date", true),
		EndDate:        d.date(m, path, "end_date", false),
	}
}

func decodePriority(d *decoder, v any, path string) Priority {
	m := d.object(v, path)
	return Priority{
		Action:     d.text(m, path, "action"),
		IssueDate:  d.date(m, path, "issue-date", false),
		ActionDate: d.date(m, path, "action-date", false),
		Issue:      d.text(m, path, "issue"),
	}
}

func decodeEngagement(d *decoder, v any, path string) EngagementMethod {
	m := d.object(v, path)
	return EngagementMethod{URL: d.text(m, path, "url"), Type: d.text(m, path, "type"), Description: d.text(m, path, "description"), Title: d.text(m, path, "title")}
}

func decodeForce(d *decoder, v any, path string) *Force {
	m := d.object(v, path)
	f := &Force{
		Description:       d.text(m, path, "description"),
		URL:               d.text(m, path, "url"),
		EngagementMethods: list(d, m["engagement_methods"], path+".engagement_methods", decodeEngagement),
		Telephone:         d.text(m, path, "telephone"),
		ID:                d.id(m, path),
		Name:              d.str(m, path, "name"),
	}
	return f
}

// The file kinds, each a whole response.

func refsOf(d *decoder, v any, path string) []NeighbourhoodRef {
	return nonNil(keyedList(d, v, path, decodeRef, func(r NeighbourhoodRef) string { return r.ID }))
}

func forceRefsOf(d *decoder, v any, path string) []ForceRef {
	return nonNil(keyedList(d, v, path, decodeForceRef, func(r ForceRef) string { return r.ID }))
}

func peopleOf(d *decoder, v any, path string) []Person { return nonNil(list(d, v, path, decodePerson)) }
func eventsOf(d *decoder, v any, path string) []Event  { return nonNil(list(d, v, path, decodeEvent)) }
func prioritiesOf(d *decoder, v any, path string) []Priority {
	return nonNil(list(d, v, path, decodePriority))
}
func boundaryOf(d *decoder, v any, path string) []Point { return strict(d, v, path, decodePoint) }

// nonNil makes a top-level list that was null or dropped empty encode as
// [], as the API answers a team with nobody in it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
