package geo

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
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
// file writes them, uninterpreted.
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
	// Every street row but anti-social behaviour carries one, so the
	// digits go through a table with one check at the end rather than
	// hex.Decode's check per digit.
	b = b[:64]
	var bad byte
	for i := range id {
		hi, lo := hexDigit[b[2*i]], hexDigit[b[2*i+1]]
		bad |= hi | lo
		id[i] = hi<<4 | lo
	}
	return id, bad&0x80 == 0
}

// hexDigit is the value of a hex digit, either case; 0xFF for any other byte.
var hexDigit = func() (t [256]byte) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9':
			t[c] = byte(c - '0')
		case c >= 'a' && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xFF
		}
	}
	return t
}()

// noPoint marks a crime without a location, pendingPoint one whose point
// is being looked up.
const (
	noPoint      = math.MaxUint32
	pendingPoint = math.MaxUint32 - 1
)

// rawCrime is one street row as a batch holds it: 8 bytes, as every row
// of a load is held at once before Build places it. What a row has in
// common with others of its snap point (street, LSOA, coordinates) lives
// in its Interner's point table, and its crime type and outcome in its
// Interner's kinds; Crime IDs, 32 bytes that anti-social behaviour rows
// lack, sit in the batch's ids beside it, and the rare Context in its
// contexts.
type rawCrime struct {
	pt    uint32 // the Interner's point, noPoint, or pendingPoint until looked up
	kind  uint16 // the Interner's kind, or kindWide; with kindHasID
	month Month
}

// A row's kind is its crime type and outcome: a force's files have a few
// hundred pairs of them. kindHasID marks a row with a 64-hex Crime ID, the
// next of the batch's ids; kindWide one whose pair is in its batch's wide,
// once the Interner has kindWide kinds.
const (
	kindHasID = 1 << 15
	kindWide  = kindHasID - 1
)

func (c *rawCrime) hasID() bool { return c.kind&kindHasID != 0 }

// wideKind is the crime type and outcome of a row beyond its Interner's
// kinds.
type wideKind struct {
	row      uint32
	cat, out term
}

// term is a crime type or outcome in its Interner's terms. Those a load
// admits are a few hundred at most (MaxTerms of each); an Interner given
// more than maxTerm fails its Build, as it holds more than a vocabulary
// can take.
type term uint16

const maxTerm = 1<<16 - 1

// contextRow is the Context of a row that has one.
type contextRow struct {
	row, context uint32 // context: strings of the Interner's contexts
}

// lsoaOverride is the LSOA of a row that differs from its point's first.
type lsoaOverride struct {
	row        uint32
	code, name uint32
}

// otherID is a Crime ID that is not 64 hex digits.
type otherID struct {
	row uint32
	id  string
}

// StreetBatch collects the rows of one unit from one file.
type StreetBatch struct {
	Unit   Unit
	Seq    int    // load order: of two batches of a unit the higher Seq wins
	Source string // the file the rows came from, for reports
	crimes []rawCrime
	ids    []crimeID // the Crime IDs of the rows with hasID, in row order
	lsoa   []lsoaOverride
	other  []otherID
	ctx    []contextRow
	wide   []wideKind
	// fallsWithin is the first row's "Falls within": the force's name
	// when its id is not a standard one.
	fallsWithin string
	in          *Interner
	lastContext uint32 // the previous row's Context, for idAgain
}

// NewStreetBatch starts an empty batch with an Interner of its own.
func NewStreetBatch(u Unit, seq int, source string) *StreetBatch {
	return NewStreetBatchIn(u, seq, source, NewInterner())
}

// Interner holds the strings and snap points of the street batches of one
// force's files (ingest gives each force its own). A street or LSOA name
// turns up in many monthly files, and so does a snap point: with one table
// for all of them each is stored and hashed once per force rather than
// once per file, a row costs one lookup of its coordinates rather than one
// per string column, and Build merges points rather than millions of rows.
// An Interner is not safe for concurrent use.
type Interner struct {
	t strTable // streets, LSOAs
	// terms holds crime types, outcomes and contexts: a few dozen strings
	// that change from row to row, in a table small enough to stay in
	// cache.
	terms   strTable
	termIDs termCache
	// contexts holds the Context column's strings, beside terms so that
	// those stay few.
	contexts strTable
	// tooManyTerms is set when terms outgrew a term.
	tooManyTerms bool
	// kinds holds the (crime type, outcome) pairs met, kindOf their
	// kinds by crime type and outcome, plus one.
	kinds  [][2]term
	kindOf [][]uint16
	pts    []localPoint
	find   pointTable
	// pairs numbers the LSOA (code, name) pairs met, keyed by the code's
	// length, code and name; pairIDs holds each pair's two strings.
	// lastKey is the key last looked up, and lastPair its pair.
	pairs            map[string]uint32
	pairIDs          [][2]uint32
	pairKey, lastKey []byte
	lastPair         [2]uint32
	// Located rows wait in staged, their strings copied to stage, until
	// there are enough to look up together.
	staged []stagedRow
	stage  []byte
}

// stagedRow is a located row waiting for its point.
type stagedRow struct {
	b        *StreetBatch
	row      uint32
	lon, lat float64
	h        uint64 // hash of the coordinates
	start    uint32
	end      [3]uint32 // of street, LSOA code and LSOA name in Interner.stage
}

// stageRows is how many rows are looked up together: enough for their
// cache misses to overlap, few enough for their slots and entries to stay
// in cache until they are used.
const stageRows = 32

func (in *Interner) stageRow(b *StreetBatch, row uint32, r *StreetRow) {
	s := stagedRow{b: b, row: row, lon: r.Lon, lat: r.Lat, start: uint32(len(in.stage)),
		h: coordHash(math.Float64bits(r.Lon), math.Float64bits(r.Lat))}
	in.stage = append(in.stage, r.Location...)
	s.end[0] = uint32(len(in.stage))
	in.stage = append(in.stage, r.LSOACode...)
	s.end[1] = uint32(len(in.stage))
	in.stage = append(in.stage, r.LSOAName...)
	s.end[2] = uint32(len(in.stage))
	in.staged = append(in.staged, s)
	if len(in.staged) == stageRows {
		in.flush()
	}
}

// flush gives the staged rows their points. A lookup misses the cache
// twice (a slot, then an entry), and a row at a time the misses come one
// after another; so the slots and entries of all staged rows are first
// read in loops of independent loads, whose misses the processor overlaps,
// and the lookups proper then find them in cache.
func (in *Interner) flush() {
	rows := in.staged
	if len(rows) == 0 {
		return
	}
	in.find.prefetch(rows)
	for k := range rows {
		s := &rows[k]
		r := pointKey{lon: s.lon, lat: s.lat, text: in.stage[s.start:s.end[2]],
			sl: int(s.end[0] - s.start), cl: int(s.end[1] - s.end[0])}
		p, same := in.point(&r, s.h)
		s.b.crimes[s.row].pt = p
		// Snap points lie in one LSOA, so this is rare; it keeps the
		// LSOA of a point that of its first row in batch order whichever
		// row the Interner met first.
		if !same {
			code, name := in.lsoa(r.lsoaCode(), r.lsoaName())
			s.b.lsoa = append(s.b.lsoa, lsoaOverride{row: s.row, code: code, name: name})
		}
	}
	clear(rows)
	in.staged, in.stage = rows[:0], in.stage[:0]
}

// localPoint is a snap point as one Interner knows it: a location with its
// street name, and the LSOA of the first row that named it.
type localPoint struct {
	lon, lat                   float64
	street, lsoaCode, lsoaName uint32 // strings of the Interner
}

// NewInterner returns an empty Interner.
func NewInterner() *Interner {
	return &Interner{t: newStrTable(), terms: newStrTable(), contexts: newStrTable()}
}

// Seal looks up the points of the rows still staged and lets go of the
// lookup tables of points, strings and LSOA pairs, which only adding rows
// needs: about a fifth of a parsed load, not held until Build once the
// Interner's files are parsed. No row may be added afterwards.
func (in *Interner) Seal() {
	in.flush()
	in.dropLookups()
}

// dropLookups lets go of what only adding rows needs. The points and
// strings themselves stay; no row may be added afterwards.
func (in *Interner) dropLookups() {
	in.find = pointTable{}
	in.t.ids, in.terms.ids, in.contexts.ids, in.pairs, in.pairIDs, in.kindOf = nil, nil, nil, nil, nil, nil
	in.stage, in.staged, in.pairKey, in.lastKey = nil, nil, nil, nil
}

// release lets go of the batch's rows once Build has placed them.
func (b *StreetBatch) release() {
	b.crimes, b.ids, b.lsoa, b.other, b.ctx, b.wide, b.in = nil, nil, nil, nil, nil, nil, nil
}

// NewStreetBatchIn starts an empty batch whose strings and points go into in.
func NewStreetBatchIn(u Unit, seq int, source string, in *Interner) *StreetBatch {
	return &StreetBatch{Unit: u, Seq: seq, Source: source, in: in}
}

// Len returns the number of rows added.
func (b *StreetBatch) Len() int { return len(b.crimes) }

// Grow makes room for rows more rows, ids of them with a 64-hex Crime ID,
// so a loader that knows roughly how many rows a file holds does not pay
// for the slices' growth as it appends. Anti-social behaviour, a third of
// the rows, has no Crime ID, and room for IDs costs 32 bytes a row.
func (b *StreetBatch) Grow(rows, ids int) {
	if rows > 0 {
		b.crimes = slices.Grow(b.crimes, rows)
	}
	if ids > 0 {
		b.ids = slices.Grow(b.ids, ids)
	}
}

// point returns the point of a row's location and street name, adding it
// when it is new. sameLSOA reports whether the row's LSOA is the one the
// point was added with.
func (in *Interner) point(r *pointKey, h uint64) (p uint32, sameLSOA bool) {
	p, same, ok, slot := in.find.find(r, h)
	if ok {
		return p, same
	}
	p = uint32(len(in.pts))
	if len(in.pts) == cap(in.pts) {
		// Doubling: append grows a large slice by a quarter at a time,
		// copying a national year's points about five times over into
		// fresh pages.
		in.pts = slices.Grow(in.pts, max(len(in.pts), 1024))
	}
	code, name := in.lsoa(r.lsoaCode(), r.lsoaName())
	in.pts = append(in.pts, localPoint{lon: r.lon, lat: r.lat, street: in.t.id(r.street()), lsoaCode: code, lsoaName: name})
	in.find.insert(r, p, slot, h)
	return p, true
}

// lsoa interns an LSOA's code and name with one lookup of the pair: an
// LSOA has a few dozen points, so most new points name a known pair. Files
// list their rows LSOA by LSOA, so the pair is most often the last one,
// and a comparison saves the lookup.
func (in *Interner) lsoa(code, name []byte) (codeID, nameID uint32) {
	key := binary.AppendUvarint(in.pairKey[:0], uint64(len(code)))
	key = append(append(key, code...), name...)
	in.pairKey = key
	if string(key) == string(in.lastKey) {
		return in.lastPair[0], in.lastPair[1]
	}
	in.lastKey = append(in.lastKey[:0], key...)
	if k, ok := in.pairs[string(key)]; ok {
		in.lastPair = in.pairIDs[k]
		return in.lastPair[0], in.lastPair[1]
	}
	codeID, nameID = in.t.id(code), in.t.id(name)
	if in.pairs == nil {
		in.pairs = map[string]uint32{}
	}
	in.pairs[string(key)] = uint32(len(in.pairIDs))
	in.lastPair = [2]uint32{codeID, nameID}
	in.pairIDs = append(in.pairIDs, in.lastPair)
	return codeID, nameID
}

// AddStreet appends a row. The row must already be validated: coordinates,
// when present, are finite and in range.
func (b *StreetBatch) AddStreet(r *StreetRow) {
	in := b.in
	row := uint32(len(b.crimes))
	if row == 0 {
		b.fallsWithin = string(r.FallsWithin)
	}
	c := rawCrime{pt: noPoint, month: r.Month}
	cat, out := in.term(r.CrimeType), in.term(r.LastOutcome)
	if c.kind = in.kind(cat, out); c.kind == kindWide {
		b.wide = append(b.wide, wideKind{row, cat, out})
	}
	if len(r.Context) > 0 {
		b.ctx = append(b.ctx, contextRow{row, in.contexts.idAgain(&b.lastContext, r.Context)})
	}
	if r.HasLocation {
		c.pt = pendingPoint
	}
	if len(r.CrimeID) > 0 {
		if id, ok := parseCrimeID(r.CrimeID); ok {
			c.kind |= kindHasID
			b.ids = append(b.ids, id)
		} else {
			b.other = append(b.other, otherID{row: row, id: string(r.CrimeID)})
		}
	}
	b.crimes = append(b.crimes, c)
	if r.HasLocation {
		in.stageRow(b, row, r)
	}
}

// term returns the term of a crime type or outcome; beyond maxTerm it
// marks the Interner, whose Build then fails.
func (in *Interner) term(b []byte) term {
	k := in.termIDs.id(&in.terms, b)
	if k > maxTerm {
		in.tooManyTerms = true
		return 0
	}
	return term(k)
}

// kind returns the kind of a crime type and outcome, adding it when it is
// new, or kindWide when the Interner has no room for more.
func (in *Interner) kind(cat, out term) uint16 {
	if int(cat) < len(in.kindOf) && int(out) < len(in.kindOf[cat]) {
		if k := in.kindOf[cat][out]; k != 0 {
			return k - 1
		}
	}
	if len(in.kinds) == kindWide {
		return kindWide
	}
	if int(cat) >= len(in.kindOf) {
		in.kindOf = append(in.kindOf, make([][]uint16, int(cat)+1-len(in.kindOf))...)
	}
	if row := in.kindOf[cat]; int(out) >= len(row) {
		in.kindOf[cat] = append(row, make([]uint16, int(out)+1-len(row))...)
	}
	k := uint16(len(in.kinds))
	in.kinds = append(in.kinds, [2]term{cat, out})
	in.kindOf[cat][out] = k + 1
	return k
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
