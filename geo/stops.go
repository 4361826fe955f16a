package geo

import (
	"fmt"
	"iter"
	"math"
	"strings"
)

// A dataset holds its stop-and-search records as rows of fixed size whose
// thirteen text fields are ids into one table of the distinct values,
// written end to end. As structs of strings a record took 272 bytes of
// heap (its thirteen string headers alone 208); a national year has half a
// million of them and the archive's eleven years of stops about six
// million, which would have weighed as much as the crimes. A row takes 72
// bytes, and the table holds each value once: a few dozen terms, the
// operation names, and the times, which are mostly distinct.

// stopStrings is how many text fields a stop has.
const stopStrings = 13

// stopTable holds stop-and-search records. Tables are never changed once
// built; Append concatenates two into a third.
type stopTable struct {
	rows []stopRow
	text string   // the distinct values, end to end
	off  []uint32 // value k is text[off[k]:off[k+1]]
}

type stopRow struct {
	lon, lat float64
	str      [stopStrings]uint32
	month    Month
	force    Force
	located  bool
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
	for k, id := range row.str {
		s[k] = t.str(id)
	}
	r.setStrings(&s)
	return r
}

// stopTableBuilder makes a stopTable of records added in turn.
type stopTableBuilder struct {
	vals strTable
	rows []stopRow
}

// newStopTableBuilder returns a builder with room for n records.
func newStopTableBuilder(n int) *stopTableBuilder {
	return &stopTableBuilder{vals: newStrTable(), rows: make([]stopRow, 0, n)}
}

func (b *stopTableBuilder) add(force Force, month Month, r *StopRow) {
	row := stopRow{lon: r.Lon, lat: r.Lat, month: month, force: force, located: r.HasLocation}
	for k, s := range r.strings() {
		row.str[k] = b.vals.idString(s)
	}
	b.rows = append(b.rows, row)
}

// table returns the records added, or an error when their values would
// not fit the table's 32-bit offsets.
func (b *stopTableBuilder) table() (stopTable, error) {
	return packStopValues(b.rows, b.vals.strs)
}

// packStopValues returns the table of rows whose ids index vals.
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

// concat returns the records of t followed by those of u. Their values are
// not merged: u's ids are moved past t's, and a term both hold is held
// twice, which costs a few dozen strings a month rather than a map of
// every value of t on each monthly append.
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
	shift := uint32(len(t.off) - 1)
	rows := make([]stopRow, len(t.rows), len(t.rows)+len(u.rows))
	copy(rows, t.rows)
	for _, r := range u.rows {
		for k := range r.str {
			r.str[k] += shift
		}
		rows = append(rows, r)
	}
	off := make([]uint32, len(t.off), len(t.off)+len(u.off)-1)
	copy(off, t.off)
	for _, o := range u.off[1:] {
		off = append(off, o+uint32(len(t.text)))
	}
	return stopTable{rows: rows, text: t.text + u.text, off: off}, nil
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
