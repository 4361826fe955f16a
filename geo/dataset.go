package geo

import (
	"encoding/hex"
	"math/bits"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
	"github.com/uber/h3-go/v4"

	"crimemap/fault"
)

// Attribution is the notice the Open Government Licence v3.0, under which
// data.police.uk publishes the data, asks for wherever the data is shown.
const Attribution = "Contains public sector information licensed under the Open Government Licence v3.0."

// FinestRes is the finest H3 resolution the service offers; every snap point
// carries its cell at this resolution and coarser cells are its parents.
const FinestRes = 13

// ErrNotFound is returned when a crime, point or term does not exist.
var ErrNotFound = fault.New(fault.NotFound, "not found")

// PointID identifies a snap point within one Dataset version.
type PointID uint32

// CrimeID identifies a crime row within one Dataset version.
type CrimeID uint32

// NoPoint marks a crime without a location.
const NoPoint = PointID(^uint32(0))

// Dataset is an immutable, columnar crime table with its indexes. All methods
// are safe for concurrent use.
type Dataset struct {
	version    string
	sums       *versionSums // what the version sums; nil when opened from a snapshot
	categories *Vocab
	outcomes   *Vocab
	forces     *Vocab
	strs       []string

	// Snap points, in Hilbert order.
	ptLon, ptLat []float64
	ptStreet     []uint32
	ptLSOACode   []uint32
	ptLSOAName   []uint32
	ptCell       []h3.Cell
	ptStart      []uint32 // crimes of point p are ptStart[p]:ptStart[p+1]
	ptID         []uint64 // location ids; see buildLocationIDs
	ptByID       []uint32 // points in order of their location ids
	tree         rtree.RTreeGN[float32, uint32]
	bound        orb.Bound

	// Crimes, grouped by point, by month within a point; unlocated ones last.
	// A crime's month is its index in months: one byte rather than two,
	// and ascending as the months are, so month order is index order.
	month   []uint8
	cat     []Category
	force   []Force
	outcome []Outcome
	// Public crime ids (see buildCrimeIDs): the low bits of each crime's
	// ordinal in its force-month, the forces' numbers, per force-month
	// (by key, ascending) the positions of every sampleEvery-th crime, and
	// from those (see markBigUnits) the crimes where an ordinal's high
	// bits step, key<<32 | position, ascending, and their forces.
	ordLow          []uint16
	forceKey        []uint16
	unitKey         []uint32
	unitSampleStart []uint32
	unitSample      []uint32
	bigBounds       []uint64
	bigForces       [4]uint64
	// Crime IDs of the crimes that have one, dense, with a rank directory
	// (one entry per rankWords words of hasID).
	hasID  []uint64
	idRank []uint32
	ids    []crimeID
	byID   idIndex
	other  map[uint32]string
	ctx    map[uint32]uint32

	// Outcome histories, ordered by crime then month: the entries of the
	// crimes 64w..64w+63 are hist[histStart[w]:histStart[w+1]]; both are
	// empty when no crime has a history.
	histStart []uint32
	hist      []histEntry

	months []Month // distinct months, ascending
	latest Month   // see LatestMonth
	stops  []StopRecord

	parts map[string][]byte // see SnapshotPart; nil unless opened from a snapshot

	// Outcome rows that matched no crime, and on a BuildOn's result the
	// base's that its crimes did not match either (see pendingOutcome).
	unjoined, carried []pendingOutcome
}

// histEntry is an entry of an outcome history in four bytes rather than
// the eight of a struct: its crime's place among the 64 of its histStart
// word, its month and its outcome, as off<<24 | month<<8 | outcome. A long
// history has about one entry for each crime with a Crime ID.
type histEntry uint32

func newHistEntry(crime uint32, m Month, o Outcome) histEntry {
	return histEntry(crime%64<<24 | uint32(m)<<8 | uint32(o))
}

func (e histEntry) off() uint32      { return uint32(e) >> 24 }
func (e histEntry) month() Month     { return Month(e >> 8) }
func (e histEntry) outcome() Outcome { return Outcome(e) }

// histRow is an outcome history entry as a build collects them.
type histRow struct {
	crime   uint32
	month   Month
	outcome Outcome
}

// packHist keeps rows, sorted by crime, as the dataset's histories.
func (d *Dataset) packHist(rows []histRow) {
	d.histStart, d.hist = nil, nil
	if len(rows) == 0 {
		return
	}
	d.histStart = make([]uint32, (len(d.month)+63)/64+1)
	d.hist = make([]histEntry, len(rows))
	for i, r := range rows {
		d.histStart[r.crime/64+1]++
		d.hist[i] = newHistEntry(r.crime, r.month, r.outcome)
	}
	for w := 1; w < len(d.histStart); w++ {
		d.histStart[w] += d.histStart[w-1]
	}
}

// eachHist calls fn for every outcome history entry, in order, with its
// crime.
func (d *Dataset) eachHist(fn func(crime uint32, e histEntry)) {
	for w := 0; w+1 < len(d.histStart); w++ {
		for _, e := range d.hist[d.histStart[w]:d.histStart[w+1]] {
			fn(uint32(w)*64+e.off(), e)
		}
	}
}

// OutcomeEvent is one entry of a crime's outcome history.
type OutcomeEvent struct {
	Month   Month
	Outcome Outcome
}

// StopRecord is a stop and search, with its force and file month.
type StopRecord struct {
	Force Force
	Month Month
	StopRow
}

// Version identifies the content of the dataset: the same inputs give the same
// version, so it can key caches and ETags across replicas.
func (d *Dataset) Version() string { return d.version }

// Len returns the number of crimes, located or not.
func (d *Dataset) Len() int { return len(d.month) }

// Located returns the number of crimes that have a location; they are the
// crimes 0..Located()-1.
func (d *Dataset) Located() int { return int(d.ptStart[len(d.ptStart)-1]) }

// NumPoints returns the number of snap points.
func (d *Dataset) NumPoints() int { return len(d.ptLon) }

// Bound returns the bounding box of all snap points.
func (d *Dataset) Bound() orb.Bound { return d.bound }

// Months returns the distinct months with crimes, ascending.
func (d *Dataset) Months() []Month { return d.months }

// LatestMonth returns the month the data is current to, the default month
// of the API and the map, or 0 for an empty dataset: the latest month with
// at least 1/LatestShare of the crimes of the busiest month. data.police.uk
// publishes every force's month at once, so a real latest month is far
// above that share, while a few stray rows dated later than the rest (a
// typo, a file split by its rows) are below it and cannot take over.
func (d *Dataset) LatestMonth() Month { return d.latest }

// LatestShare sets the share of the busiest month's crimes a month needs to
// be LatestMonth.
const LatestShare = 100

// latestMonth is LatestMonth's rule over the crimes' months.
func latestMonth(months []uint8, distinct []Month) Month {
	if len(distinct) == 0 {
		return 0
	}
	var counts [MaxMonths]int
	for _, m := range months {
		counts[m]++
	}
	busiest := slices.Max(counts[:])
	for i := len(distinct) - 1; ; i-- {
		if counts[i]*LatestShare >= busiest {
			return distinct[i]
		}
	}
}

// Categories returns the crime-category vocabulary.
func (d *Dataset) Categories() *Vocab { return d.categories }

// Outcomes returns the outcome vocabulary; index 0 is the blank outcome.
func (d *Dataset) Outcomes() *Vocab { return d.outcomes }

// Forces returns the force vocabulary.
func (d *Dataset) Forces() *Vocab { return d.forces }

// Stops returns the stop-and-search records.
func (d *Dataset) Stops() []StopRecord { return d.stops }

// Point is the materialised view of a snap point.
type Point struct {
	ID       PointID
	Lon, Lat float64
	Street   string // "On or near ..."
	LSOACode string
	LSOAName string
	Cell     h3.Cell // at FinestRes
}

// Point returns snap point p.
func (d *Dataset) Point(p PointID) Point {
	return Point{
		ID: p, Lon: d.ptLon[p], Lat: d.ptLat[p],
		Street:   d.strs[d.ptStreet[p]],
		LSOACode: d.strs[d.ptLSOACode[p]],
		LSOAName: d.strs[d.ptLSOAName[p]],
		Cell:     d.ptCell[p],
	}
}

// PointLonLat returns the coordinates of snap point p without building a Point.
func (d *Dataset) PointLonLat(p PointID) (lon, lat float64) { return d.ptLon[p], d.ptLat[p] }

// PointCell returns the H3 cell of snap point p at FinestRes.
func (d *Dataset) PointCell(p PointID) h3.Cell { return d.ptCell[p] }

// PointStreet returns the street name of snap point p.
func (d *Dataset) PointStreet(p PointID) string { return d.strs[d.ptStreet[p]] }

// PointCrimes returns the range [start, end) of the crimes at snap point p.
func (d *Dataset) PointCrimes(p PointID) (start, end CrimeID) {
	return CrimeID(d.ptStart[p]), CrimeID(d.ptStart[p+1])
}

// PointOf returns the snap point of crime c, or NoPoint.
func (d *Dataset) PointOf(c CrimeID) PointID {
	if int(c) >= d.Located() {
		return NoPoint
	}
	// The first point whose start is beyond c, minus one.
	i, _ := slices.BinarySearch(d.ptStart, uint32(c)+1)
	for i > 0 && d.ptStart[i-1] > uint32(c) {
		i--
	}
	return PointID(i - 1)
}

// Month returns the month of crime c.
func (d *Dataset) Month(c CrimeID) Month { return d.months[d.month[c]] }

// MaxMonths is how many distinct months a dataset can hold: a crime's
// month is a one-byte index into them. 256 months are 21 years and 4
// months; data.police.uk's archive starts in December 2010.
const MaxMonths = 256

// ErrTooManyMonths is returned by a load whose crimes span more distinct
// months than MaxMonths.
var ErrTooManyMonths = fault.New(fault.Invalid, "geo: more distinct months than a dataset can hold (256)")

// monthIndex returns the index in months of the first month at or after m,
// len(months) if none is.
func (d *Dataset) monthIndex(m Month) int {
	i, _ := slices.BinarySearch(d.months, m)
	return i
}

// Category returns the category of crime c.
func (d *Dataset) Category(c CrimeID) Category { return d.cat[c] }

// Force returns the force of crime c.
func (d *Dataset) Force(c CrimeID) Force { return d.force[c] }

// Outcome returns the last outcome category of crime c, as its street file says.
func (d *Dataset) Outcome(c CrimeID) Outcome { return d.outcome[c] }

// Context returns the Context column of crime c (empty in every current file).
func (d *Dataset) Context(c CrimeID) string {
	if s, ok := d.ctx[uint32(c)]; ok {
		return d.strs[s]
	}
	return ""
}

// PersistentID returns the Crime ID of c, or "" (anti-social behaviour and
// British Transport Police rows have none).
func (d *Dataset) PersistentID(c CrimeID) string {
	if k, ok := d.idIndex(c); ok {
		return hex.EncodeToString(d.ids[k][:])
	}
	return d.other[uint32(c)]
}

// rankWords is how many words of hasID one idRank entry stands for: eight
// words are one cache line, so counting the bits of the words before c's
// in its group reads no more memory than c's own word, and the directory
// costs half a bit a crime rather than four.
const rankWords = 8

func (d *Dataset) idIndex(c CrimeID) (int, bool) {
	wi := int(c / 64)
	w := d.hasID[wi]
	bit := uint64(1) << (c % 64)
	if w&bit == 0 {
		return 0, false
	}
	r := int(d.idRank[wi/rankWords]) + bits.OnesCount64(w&(bit-1))
	for _, x := range d.hasID[wi&^(rankWords-1) : wi] {
		r += bits.OnesCount64(x)
	}
	return r, true
}

// CrimesByPersistentID returns every crime with this Crime ID (IDs are not
// unique in real files), in table order.
func (d *Dataset) CrimesByPersistentID(s string) []CrimeID {
	var out []CrimeID
	if id, ok := parseCrimeID([]byte(s)); ok {
		out = d.lookupID(id, out)
	} else if s != "" {
		for c, o := range d.other {
			if o == s {
				out = append(out, CrimeID(c))
			}
		}
	}
	slices.Sort(out)
	return out
}

// OutcomeHistory returns the outcome events joined to crime c from outcomes
// files, oldest first.
func (d *Dataset) OutcomeHistory(c CrimeID) []OutcomeEvent {
	if int(c/64)+1 >= len(d.histStart) {
		return nil
	}
	var out []OutcomeEvent
	for _, e := range d.hist[d.histStart[c/64]:d.histStart[c/64+1]] {
		if e.off() == uint32(c%64) {
			out = append(out, OutcomeEvent{Month: e.month(), Outcome: e.outcome()})
		}
	}
	return out
}

// Crime is the materialised view of one crime.
type Crime struct {
	ID           CrimeID
	PersistentID string
	Month        Month
	Category     Category
	Force        Force
	Outcome      Outcome
	Point        PointID // NoPoint when the crime has no location
	Context      string
}

// Crime returns crime c with its point resolved.
func (d *Dataset) Crime(c CrimeID) Crime {
	return d.crimeAt(c, d.PointOf(c))
}

// crimeAt is Crime for a caller that already knows the crime's point.
func (d *Dataset) crimeAt(c CrimeID, p PointID) Crime {
	return Crime{
		ID: c, PersistentID: d.PersistentID(c), Month: d.Month(c), Category: d.cat[c],
		Force: d.force[c], Outcome: d.outcome[c], Point: p, Context: d.Context(c),
	}
}

// AppendPersistentID appends the Crime ID of c to b, as PersistentID returns
// it, without allocating for the usual 64-hex-digit IDs. hexDigits reports
// that it appended one of those, which needs no escaping in any format.
func (d *Dataset) AppendPersistentID(b []byte, c CrimeID) (out []byte, hexDigits bool) {
	if k, ok := d.idIndex(c); ok {
		return hex.AppendEncode(b, d.ids[k][:]), true
	}
	return append(b, d.other[uint32(c)]...), false
}
