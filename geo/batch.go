package geo

import (
	"encoding/hex"
	"fmt"
	"math"
)

// Unit is the unit of publication: one force's month. Loading a unit again
// replaces the copy loaded before, so a newer archive never doubles counts.
type Unit struct {
	Force string // force id, e.g. "hampshire"
	Month Month
}

func (u Unit) String() string { return u.Month.String() + "-" + u.Force }

// StreetRow is one parsed row of a street file. Its byte slices may point into
// the reader's buffer: AddStreet copies what it keeps.
type StreetRow struct {
	CrimeID     []byte
	Month       Month
	ReportedBy  []byte
	FallsWithin []byte
	HasLocation bool
	Lon, Lat    float64
	Location    []byte
	LSOACode    []byte
	LSOAName    []byte
	CrimeType   []byte
	LastOutcome []byte
	Context     []byte
}

// OutcomeRow is one parsed row of an outcomes file.
type OutcomeRow struct {
	CrimeID     []byte
	Month       Month
	OutcomeType []byte
}

// StopRow is one parsed row of a stop-and-search file. Fields are kept as the
// file writes them; a later issue serves them.
type StopRow struct {
	Type, Date, PartOfOperation, OperationName    string
	HasLocation                                   bool
	Lon, Lat                                      float64
	Gender, AgeRange, SelfEthnicity, OfficerEthn  string
	Legislation, ObjectOfSearch, Outcome          string
	OutcomeLinked, RemovalOfMoreThanOuterClothing string
}

// crimeID is a data.police.uk Crime ID: 64 hex digits, held as 32 bytes. IDs
// in another form are kept as strings beside the table.
type crimeID [32]byte

func parseCrimeID(b []byte) (id crimeID, ok bool) {
	if len(b) != 64 {
		return id, false
	}
	_, err := hex.Decode(id[:], b)
	return id, err == nil
}

// strTable interns strings into dense ids, with lookups that do not allocate.
type strTable struct {
	ids  map[string]uint32
	strs []string
}

func newStrTable() strTable { return strTable{ids: map[string]uint32{"": 0}, strs: []string{""}} }

func (t *strTable) id(b []byte) uint32 {
	if len(b) == 0 {
		return 0 // Context, and the outcome of anti-social behaviour, are mostly empty
	}
	if i, ok := t.ids[string(b)]; ok {
		return i
	}
	s := string(b)
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = i
	return i
}

type rawCrime struct {
	lon, lat    float64
	id          crimeID
	month       Month
	hasLoc      bool
	hasID       bool
	street      uint32
	lsoaCode    uint32
	lsoaName    uint32
	crimeType   uint32
	outcome     uint32
	fallsWithin uint32
	context     uint32
	otherID     uint32 // a Crime ID that is not 64 hex digits
}

// StreetBatch collects the rows of one unit from one file.
type StreetBatch struct {
	Unit   Unit
	Seq    int    // load order: of two batches of a unit the higher Seq wins
	Source string // the file the rows came from, for reports
	crimes []rawCrime
	strs   *strTable
	last   [7]uint32 // the previous row's string of each column, for idAgain
}

// NewStreetBatch starts an empty batch.
func NewStreetBatch(u Unit, seq int, source string) *StreetBatch {
	t := newStrTable()
	return &StreetBatch{Unit: u, Seq: seq, Source: source, strs: &t}
}

// Interner holds the strings of the street batches that one loading
// goroutine fills. A street or LSOA name turns up in many monthly files: with
// one table for all of them it is stored and hashed once per goroutine
// rather than once per file, and Build resolves it once. An Interner is not
// safe for concurrent use.
type Interner struct{ t strTable }

// NewInterner returns an empty Interner.
func NewInterner() *Interner { return &Interner{t: newStrTable()} }

// NewStreetBatchIn starts an empty batch whose strings go into in.
func NewStreetBatchIn(u Unit, seq int, source string, in *Interner) *StreetBatch {
	return &StreetBatch{Unit: u, Seq: seq, Source: source, strs: &in.t}
}

// Len returns the number of rows added.
func (b *StreetBatch) Len() int { return len(b.crimes) }

// AddStreet appends a row. The row must already be validated: coordinates,
// when present, are finite and in range.
func (b *StreetBatch) AddStreet(r *StreetRow) {
	l := &b.last
	c := rawCrime{
		month:       r.Month,
		hasLoc:      r.HasLocation,
		street:      b.strs.idAgain(&l[0], r.Location),
		lsoaCode:    b.strs.idAgain(&l[1], r.LSOACode),
		lsoaName:    b.strs.idAgain(&l[2], r.LSOAName),
		crimeType:   b.strs.idAgain(&l[3], r.CrimeType),
		outcome:     b.strs.idAgain(&l[4], r.LastOutcome),
		fallsWithin: b.strs.idAgain(&l[5], r.FallsWithin),
		context:     b.strs.idAgain(&l[6], r.Context),
	}
	if r.HasLocation {
		c.lon, c.lat = r.Lon, r.Lat
	}
	if len(r.CrimeID) > 0 {
		if id, ok := parseCrimeID(r.CrimeID); ok {
			c.id, c.hasID = id, true
		} else {
			c.otherID = b.strs.id(r.CrimeID)
		}
	}
	b.crimes = append(b.crimes, c)
}

type rawOutcome struct {
	id      crimeID
	otherID uint32
	month   Month
	outcome uint32
}

// OutcomeBatch collects the rows of one unit's outcomes file.
type OutcomeBatch struct {
	Unit   Unit
	Seq    int
	Source string
	rows   []rawOutcome
	strs   strTable
	// NoID counts rows without a Crime ID, which cannot be joined.
	NoID int
}

// NewOutcomeBatch starts an empty outcomes batch.
func NewOutcomeBatch(u Unit, seq int, source string) *OutcomeBatch {
	return &OutcomeBatch{Unit: u, Seq: seq, Source: source, strs: newStrTable()}
}

// Len returns the number of rows added.
func (b *OutcomeBatch) Len() int { return len(b.rows) }

// AddOutcome appends a row.
func (b *OutcomeBatch) AddOutcome(r *OutcomeRow) {
	o := rawOutcome{month: r.Month, outcome: b.strs.id(r.OutcomeType)}
	if len(r.CrimeID) == 0 {
		b.NoID++
		return
	}
	if id, ok := parseCrimeID(r.CrimeID); ok {
		o.id = id
	} else {
		o.otherID = b.strs.id(r.CrimeID)
	}
	b.rows = append(b.rows, o)
}

// StopBatch collects one unit's stop-and-search rows.
type StopBatch struct {
	Unit   Unit
	Seq    int
	Source string
	Rows   []StopRow
}

// ValidLonLat reports whether a coordinate pair is finite and in range.
func ValidLonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

func (u Unit) check() error {
	if u.Force == "" || u.Month == 0 {
		return fmt.Errorf("unit %q: force and month are required", u)
	}
	return nil
}
