package geo

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
)

// A dataset holds its stop-and-search records as rows of 32 bytes. Their
// text fields are ids into one table of the distinct values, written end
// to end: the time and the operation's name, mostly distinct, in the row,
// and the eleven others (type, gender, legislation, outcome ...), which
// take a few dozen values each and come in far fewer combinations than
// there are stops, as the id of their combination. A time in the one form
// data.police.uk writes (2015-03-31T23:10:00+00:00, every one of the
// 76,495 rows under the shared data) is held as its seconds rather than a
// value: 25 bytes of text and an offset, and mostly distinct. As structs
// of strings a record took 272 bytes of heap (its thirteen string headers
// alone 208); a national year has about 600,000 of them and
// data.police.uk's stops since 2015 about 6.5 million, which would have
// weighed half as much as the crimes.

// stopStrings is how many text fields a stop has; stopDate and stopOperation
// are where the time and the operation's name are among them (see
// StopRow.strings), and stopTerms how many others there are.
const (
	stopStrings   = 13
	stopDate      = 1
	stopOperation = 3
	stopTerms     = stopStrings - 2
)

// stopTable holds stop-and-search records. Tables are never changed once
// built; Append concatenates two into a third.
type stopTable struct {
	rows  []stopRow
	terms [][stopTerms]uint32 // the combinations of the other fields' value ids
	text  string              // the distinct values, end to end
	off   []uint32            // value k is text[off[k]:off[k+1]]
}

type stopRow struct {
	lon, lat  float64
	date      stopTime
	operation uint32 // a value id
	terms     uint32 // index in stopTable.terms
	month     Month
	force     Force
	located   bool
}

// stopTime is a stop's time: its seconds since stopEpoch, marked with
// stopSeconds, when the file wrote it in the form stopTimeText writes, and
// else the id of its value. Times before the epoch, or after 2078, are
// values.
type stopTime uint32

const stopSeconds stopTime = 1 << 31

// stopEpoch is 2010-01-01T00:00:00Z, in Unix seconds: data.police.uk's stops
// begin in 2014.
const stopEpoch = 1262304000

// stopTimeLen is the length of a time in the form data.police.uk writes.
const stopTimeLen = len("2015-03-31T23:10:00+00:00")

// stopTimeOf returns a time's seconds since stopEpoch, marked, and true
// when s is a time in the form stopTimeText writes, byte for byte: every
// field in its range, the day one its month has.
func stopTimeOf(s string) (stopTime, bool) {
	if len(s) != stopTimeLen || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19:] != "+00:00" {
		return 0, false
	}
	bad := false
	num := func(i, n int) int {
		v := 0
		for k := i; k < i+n; k++ {
			c := s[k] - '0'
			bad = bad || c > 9
			v = v*10 + int(c)
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), time.Month(num(5, 2)), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	// time.Date would move a day or an hour out of range on (a 30th of
	// February, 24:00); the day before the next month's first is the
	// month's last.
	if bad || mo < 1 || mo > 12 || d < 1 || d > time.Date(y, mo+1, 0, 0, 0, 0, 0, time.UTC).Day() || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	secs := time.Date(y, mo, d, h, mi, sec, 0, time.UTC).Unix() - stopEpoch
	if secs < 0 || secs >= int64(stopSeconds) {
		return 0, false
	}
	return stopTime(secs) | stopSeconds, true
}

// stopTimeText returns the text of a time held as seconds.
func stopTimeText(t stopTime) (b [stopTimeLen]byte) {
	// Appended in place: b[:0] has room for the whole time.
	n := len(time.Unix(int64(t&^stopSeconds)+stopEpoch, 0).UTC().AppendFormat(b[:0], "2006-01-02T15:04:05"))
	copy(b[n:], "+00:00")
	return b
}

// fields returns row r's text fields, in the order of StopRow.strings.
func (t *stopTable) fields(r *stopRow) (s [stopStrings]string) {
	c := &t.terms[r.terms]
	s[0], s[2], s[stopOperation] = t.str(c[0]), t.str(c[1]), t.str(r.operation)
	if r.date&stopSeconds != 0 {
		b := stopTimeText(r.date)
		s[stopDate] = string(b[:])
	} else {
		s[stopDate] = t.str(uint32(r.date))
	}
	for k, id := range c[2:] {
		s[4+k] = t.str(id)
	}
	return s
}

// strings returns a stop row's text fields, in the order the snapshot and
// the version take them.
func (r *StopRow) strings() [stopStrings]string {
	return [stopStrings]string{r.Type, r.Date, r.PartOfOperation, r.OperationName, r.Gender, r.AgeRange,
		r.SelfEthnicity, r.OfficerEthn, r.Legislation, r.ObjectOfSearch, r.Outcome,
		r.OutcomeLinked, r.RemovalOfMoreThanOuterClothing}
}

// setStrings sets a stop row's text fields from values in the order of
// strings.
func (r *StopRow) setStrings(s *[stopStrings]string) {
	r.Type, r.Date, r.PartOfOperation, r.OperationName, r.Gender, r.AgeRange = s[0], s[1], s[2], s[3], s[4], s[5]
	r.SelfEthnicity, r.OfficerEthn, r.Legislation, r.ObjectOfSearch, r.Outcome = s[6], s[7], s[8], s[9], s[10]
	r.OutcomeLinked, r.RemovalOfMoreThanOuterClothing = s[11], s[12]
}

// len returns the number of records.
func (t *stopTable) len() int { return len(t.rows) }

// str returns value k.
func (t *stopTable) str(k uint32) string { return t.text[t.off[k]:t.off[k+1]] }

// record returns record i as the file wrote it.
func (t *stopTable) record(i int) StopRecord {
	row := &t.rows[i]
	r := StopRecord{Force: row.force, Month: row.month}
	r.HasLocation, r.Lon, r.Lat = row.located, row.lon, row.lat
	s := t.fields(row)
	r.setStrings(&s)
	return r
}

// stopTableBuilder makes a stopTable of records added in turn.
type stopTableBuilder struct {
	vals   strTable
	combos map[[stopTerms]uint32]uint32
	terms  [][stopTerms]uint32
	rows   []stopRow
}

// newStopTableBuilder returns a builder with room for n records.
func newStopTableBuilder(n int) *stopTableBuilder {
	return &stopTableBuilder{vals: newStrTable(), combos: map[[stopTerms]uint32]uint32{}, rows: make([]stopRow, 0, n)}
}

func (b *stopTableBuilder) add(force Force, month Month, r *StopRow) {
	var ids [stopStrings]uint32
	date, seconds := stopTimeOf(r.Date)
	// Values in the order of the fields, as a snapshot's are read.
	for k, s := range r.strings() {
		if k != stopDate || !seconds {
			ids[k] = b.vals.idString(s)
		}
	}
	if !seconds {
		date = stopTime(ids[stopDate])
	}
	b.addIDs(stopRow{lon: r.Lon, lat: r.Lat, month: month, force: force, located: r.HasLocation}, &ids, date)
}

// addIDs adds row with the value ids of its text fields, in the order of
// StopRow.strings, but for its time, given apart (ids[stopDate] is not
// read).
func (b *stopTableBuilder) addIDs(row stopRow, ids *[stopStrings]uint32, date stopTime) {
	var c [stopTerms]uint32
	c[0], c[1] = ids[0], ids[2]
	copy(c[2:], ids[4:])
	k, ok := b.combos[c]
	if !ok {
		k = uint32(len(b.terms))
		b.terms = append(b.terms, c)
		b.combos[c] = k
	}
	row.date, row.operation, row.terms = date, ids[stopOperation], k
	b.rows = append(b.rows, row)
}

// table returns the records added, or an error when their values would
// not fit the table's 32-bit offsets.
func (b *stopTableBuilder) table() (stopTable, error) {
	return b.tableOf(b.vals.strs)
}

// tableOf returns the records added, whose ids index vals. A time held as
// seconds is never among vals: a build does not intern it, and a snapshot
// stores it as seconds.
func (b *stopTableBuilder) tableOf(vals []string) (stopTable, error) {
	if len(vals) >= int(stopSeconds) {
		return stopTable{}, fmt.Errorf("stop and search: %d distinct values, more than %d", len(vals), stopSeconds-1)
	}
	t, err := packStopValues(b.rows, vals)
	// Held for good: no spare room.
	t.terms = slices.Clip(b.terms)
	return t, err
}

// packStopValues returns the table of rows whose ids index vals, its
// combinations of terms not yet set.
func packStopValues(rows []stopRow, vals []string) (stopTable, error) {
	n := 0
	for _, s := range vals {
		n += len(s)
	}
	if n > math.MaxUint32 {
		return stopTable{}, fmt.Errorf("stop and search: %d bytes of distinct values, more than %d", n, uint32(math.MaxUint32))
	}
	var text strings.Builder
	text.Grow(n)
	off := make([]uint32, len(vals)+1)
	for k, s := range vals {
		text.WriteString(s)
		off[k+1] = off[k] + uint32(len(s))
	}
	return stopTable{rows: rows, text: text.String(), off: off}, nil
}

// concat returns the records of t followed by those of u. Their values and
// combinations are not merged: u's ids are moved past t's, and a term or a
// combination both hold is held twice, which costs a few dozen strings
// and some thousands of combinations a month rather than maps of all of
// t's on each monthly append.
func (t *stopTable) concat(u *stopTable) (stopTable, error) {
	if len(u.rows) == 0 {
		return *t, nil
	}
	if len(t.rows) == 0 {
		return *u, nil
	}
	if len(t.text)+len(u.text) > math.MaxUint32 {
		return stopTable{}, fmt.Errorf("stop and search: %d bytes of distinct values, more than %d", len(t.text)+len(u.text), uint32(math.MaxUint32))
	}
	shift, moved := uint32(len(t.off)-1), uint32(len(t.terms))
	rows := make([]stopRow, len(t.rows), len(t.rows)+len(u.rows))
	copy(rows, t.rows)
	for _, r := range u.rows {
		if r.date&stopSeconds == 0 {
			r.date += stopTime(shift)
		}
		r.operation += shift
		r.terms += moved
		rows = append(rows, r)
	}
	terms := make([][stopTerms]uint32, len(t.terms), len(t.terms)+len(u.terms))
	copy(terms, t.terms)
	for _, c := range u.terms {
		for k := range c {
			c[k] += shift
		}
		terms = append(terms, c)
	}
	off := make([]uint32, len(t.off), len(t.off)+len(u.off)-1)
	copy(off, t.off)
	for _, o := range u.off[1:] {
		off = append(off, o+uint32(len(t.text)))
	}
	return stopTable{rows: rows, terms: terms, text: t.text + u.text, off: off}, nil
}

// NumStops returns the number of stop-and-search records.
func (d *Dataset) NumStops() int { return d.stops.len() }

// Stop returns stop-and-search record i, 0 <= i < NumStops(): the records
// are in the order of their months, forces within a month, and their
// files' rows within a force-month.
func (d *Dataset) Stop(i int) StopRecord { return d.stops.record(i) }

// StopUnit returns the force and month of stop-and-search record i,
// without the rest of the record.
func (d *Dataset) StopUnit(i int) (Force, Month) {
	r := &d.stops.rows[i]
	return r.force, r.month
}

// Stops yields each stop-and-search record with its index, in order.
func (d *Dataset) Stops() iter.Seq2[int, StopRecord] {
	return func(yield func(int, StopRecord) bool) {
		for i := range d.stops.rows {
			if !yield(i, d.stops.record(i)) {
				return
			}
		}
	}
}
