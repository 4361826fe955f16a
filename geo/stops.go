package geo

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
)

// A dataset holds its stop-and-search records as rows of 32 bytes. Their
// text fields are ids into one table of the distinct values, written end
// to end: the time and the operation's name, mostly distinct, in the row,
// and the eleven others (type, gender, legislation, outcome ...), which
// take a few dozen values each and come in far fewer combinations than
// there are stops, as the id of their combination. As structs of strings
// a record took 272 bytes of heap (its thirteen string headers alone 208);
// a national year has about 600,000 of them and data.police.uk's stops
// since 2015 about 6.5 million, which would have weighed half as much as
// the crimes.

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
	lon, lat        float64
	date, operation uint32 // value ids
	terms           uint32 // index in stopTable.terms
	month           Month
	force           Force
	located         bool
}

// ids returns the value ids of row r's text fields, in the order of
// StopRow.strings.
func (t *stopTable) ids(r *stopRow) (ids [stopStrings]uint32) {
	c := &t.terms[r.terms]
	ids[0], ids[stopDate], ids[2], ids[stopOperation] = c[0], r.date, c[1], r.operation
	copy(ids[4:], c[2:])
	return ids
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
	var s [stopStrings]string
	for k, id := range t.ids(row) {
		s[k] = t.str(id)
	}
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
	for k, s := range r.strings() {
		ids[k] = b.vals.idString(s)
	}
	b.addIDs(stopRow{lon: r.Lon, lat: r.Lat, month: month, force: force, located: r.HasLocation}, &ids)
}

// addIDs adds row with the value ids of its text fields, in the order of
// StopRow.strings.
func (b *stopTableBuilder) addIDs(row stopRow, ids *[stopStrings]uint32) {
	var c [stopTerms]uint32
	c[0], c[1] = ids[0], ids[2]
	copy(c[2:], ids[4:])
	k, ok := b.combos[c]
	if !ok {
		k = uint32(len(b.terms))
		b.terms = append(b.terms, c)
		b.combos[c] = k
	}
	row.date, row.operation, row.terms = ids[stopDate], ids[stopOperation], k
	b.rows = append(b.rows, row)
}

// table returns the records added, or an error when their values would
// not fit the table's 32-bit offsets.
func (b *stopTableBuilder) table() (stopTable, error) {
	return b.tableOf(b.vals.strs)
}

// tableOf returns the records added, whose ids index vals.
func (b *stopTableBuilder) tableOf(vals []string) (stopTable, error) {
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
		r.date += shift
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
