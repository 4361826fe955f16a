package geo

import (
	"cmp"
	"encoding/hex"
	"math"
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
	version string
	sums    *versionSums // what the version sums; nil when opened from a snapshot
	// catalogue is the hash of the points (catalogueSum) where a build
	// took it, so that Append need not hash every point again; catalogued
	// says it was.
	catalogue  uint64
	catalogued bool
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
	ptID         []uint64 // location ids; see buildLocationIDs
	ptByID       []uint32 // points in order of their location ids
	tree         rtree.RTreeGN[float32, uint32]
	bound        orb.Bound

	months []Month // distinct months, ascending
	latest Month   // see LatestMonth
	// monthCrimes counts the crimes of each month, by index in months, so
	// that a new part's months update LatestMonth without a scan.
	monthCrimes []int
	stops       stopTable
	forceKey    []uint16 // see buildForceKeys

	// The crime table, in parts of runs of months, earlier months first.
	parts []*tablePart
	// *tablePart is the part a build fills in, and the only part of a dataset
	// built in one piece or read from a snapshot; it is nil for a dataset
	// of several parts, so that code written for one part cannot read such
	// a dataset by mistake.
	*tablePart

	snapParts map[string][]byte // see SnapshotPart; nil unless opened from a snapshot
	mapped    []byte            // the snapshot's mapping; see MappedBytes
	appended  []byte            // the snapshot of the dataset stored to be appended; see WithAppended

	// later holds, for a dataset built on a base (Builder.BuildOn), the
	// outcome rows of its month for Append to join to the base's crimes. A
	// build in one piece joins a row to every crime with its Crime ID, in
	// any month, so to answer alike this holds every row whose Crime ID a
	// base crime may have: those none of the month's crimes took, and,
	// where IDs repeat across months, those they took too.
	later []laterOutcome
	// laterFound holds, for a dataset built on a base, the crimes of each
	// of laterOn's parts that the rows of later name: row<<32 | position,
	// sorted (tablePart.rowMatches). The build looks them up beside its
	// other work, so that Append, given laterOn, need not.
	laterFound [][]uint64
	laterOn    *Dataset
	// unmatched holds the outcome rows that matched no crime, for Append
	// to join to a later month's crimes.
	unmatched []laterOutcome
	// revised is what Revise changed to make the dataset, nil when it did
	// not make it.
	revised *Revision
}

// tablePart is the crimes of a run of months with their indexes. Positions in
// a part's columns are local: crime i of the part is CrimeID lo+i. A part
// never changes once built, so datasets share their parts.
type tablePart struct {
	lo uint32 // the CrimeID of the part's first crime
	// The part's months are months[mFirst..mLast] of its dataset, and of
	// every dataset it is later part of: months only grow at their end.
	mFirst, mLast int
	// Crimes of point p are ptStart[p]:ptStart[p+1], for the points the
	// catalogue held when the part was built; later points have no crimes
	// in it.
	ptStart []uint32

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
	// histOne marks the crimes whose history is a single event, within
	// 255 months of the crime: most crimes with a history have one, a few
	// months after the crime (5,767 of City of London's 6,717 over
	// 2016-17). The event is held in histOneEv, by rank among the marked
	// crimes (histOneRank per rankWords words, as idRank), as the months
	// from the crime's to the event's and the outcome: two bytes rather
	// than an entry of four in hist, where such a crime has none.
	histOne     []uint64
	histOneRank []uint32
	histOneEv   []uint16
	// histMore holds the entries joined to the part's crimes after it was
	// built (see Append), sorted by crime: a crime's come after its
	// entries in hist, being of later months.
	histMore []histRow
	// cubes caches the part's counts by cell, month and category, which
	// every dataset the part is in shares.
	cubes *hexCubes
	// byForceMonth caches the part's counts by force and month, shared
	// the same way.
	byForceMonth *forceMonths
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

// sortHist sorts rows by crime then month, rows of the same crime and
// month in the order given (a crime's events in a month in their files'
// order), and returns them, in rows or in a slice of the same length.
// slices.SortStableFunc moves the rows O(n log² n) times: 11 s for 12M
// rows, where a load of a real archive's outcomes joins tens of millions.
// This is a radix sort, stable, 16 bits at a time over the month and the
// crime, which costs a second slice of rows.
func sortHist(rows []histRow) []histRow {
	if len(rows) < 1<<12 {
		slices.SortStableFunc(rows, func(a, b histRow) int {
			return cmp.Or(cmp.Compare(a.crime, b.crime), cmp.Compare(a.month, b.month))
		})
		return rows
	}
	key := func(r *histRow) uint64 { return uint64(r.crime)<<16 | uint64(r.month) }
	src, dst := rows, make([]histRow, len(rows))
	count := make([]int, 1<<16)
	for shift := 0; shift < 48; shift += 16 {
		clear(count)
		for i := range src {
			count[key(&src[i])>>shift&0xFFFF]++
		}
		if slices.Contains(count, len(src)) {
			continue // every row has this digit: the order stands
		}
		sum := 0
		for d, c := range count {
			count[d], sum = sum, sum+c
		}
		for i := range src {
			d := key(&src[i]) >> shift & 0xFFFF
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	return src
}

// packHist keeps rows, sorted by crime (positions in the part), as the
// part's histories; months are the dataset's, which the part's month
// column indexes.
func (pt *tablePart) packHist(rows []histRow, months []Month) {
	pt.histStart, pt.hist = nil, nil
	pt.histOne, pt.histOneRank, pt.histOneEv = nil, nil, nil
	if len(rows) == 0 {
		return
	}
	words := (len(pt.month) + 63) / 64
	one := make([]uint64, words)
	// The single events are marked first, so that both kinds are sized
	// once: a history's columns are held for good.
	singles := 0
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].crime == rows[i].crime {
			j++
		}
		r := rows[i]
		if gap := int(r.month) - int(months[pt.month[r.crime]]); j == i+1 && gap >= 0 && gap <= math.MaxUint8 {
			one[r.crime/64] |= 1 << (r.crime % 64)
			singles++
		}
		i = j
	}
	evs := make([]uint16, 0, singles)
	general := make([]histRow, 0, len(rows)-singles)
	for _, r := range rows {
		if one[r.crime/64]&(1<<(r.crime%64)) != 0 {
			evs = append(evs, uint16(int(r.month)-int(months[pt.month[r.crime]]))<<8|uint16(r.outcome))
		} else {
			general = append(general, r)
		}
	}
	if len(evs) > 0 {
		pt.histOne, pt.histOneRank, pt.histOneEv = one, idRanks(one), evs
	}
	if len(general) == 0 {
		return
	}
	pt.histStart = make([]uint32, words+1)
	pt.hist = make([]histEntry, len(general))
	for i, r := range general {
		pt.histStart[r.crime/64+1]++
		pt.hist[i] = newHistEntry(r.crime, r.month, r.outcome)
	}
	for w := 1; w < len(pt.histStart); w++ {
		pt.histStart[w] += pt.histStart[w-1]
	}
}

// hasHist reports whether the part holds outcome histories packed at its
// build (histMore aside).
func (pt *tablePart) hasHist() bool { return len(pt.hist) > 0 || len(pt.histOneEv) > 0 }

// oneEvent returns the event of crime i of the part when its history is
// one held in histOneEv; months are the dataset's.
func (pt *tablePart) oneEvent(i uint32, months []Month) (OutcomeEvent, bool) {
	k, ok := rankIn(pt.histOne, pt.histOneRank, i)
	if !ok {
		return OutcomeEvent{}, false
	}
	ev := pt.histOneEv[k]
	return OutcomeEvent{Month: months[pt.month[i]] + Month(ev>>8), Outcome: Outcome(ev)}, true
}

// eachHist calls fn for every outcome history entry packed at the part's
// build, in order, with its crime's position in the part; months are the
// dataset's.
func (pt *tablePart) eachHist(months []Month, fn func(crime uint32, e histEntry)) {
	k := 0
	for w := range max(len(pt.histStart)-1, len(pt.histOne)) {
		var gen []histEntry
		if w+1 < len(pt.histStart) {
			gen = pt.hist[pt.histStart[w]:pt.histStart[w+1]]
		}
		var ones uint64
		if w < len(pt.histOne) {
			ones = pt.histOne[w]
		}
		// A crime's history is in one or the other, never both.
		for ones != 0 || len(gen) > 0 {
			if off := uint32(bits.TrailingZeros64(ones)); ones != 0 && (len(gen) == 0 || off < gen[0].off()) {
				c := uint32(w)*64 + off
				ev := pt.histOneEv[k]
				fn(c, newHistEntry(c, months[pt.month[c]]+Month(ev>>8), Outcome(ev)))
				k++
				ones &= ones - 1
				continue
			}
			fn(uint32(w)*64+gen[0].off(), gen[0])
			gen = gen[1:]
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
func (d *Dataset) Len() int {
	if len(d.parts) == 0 {
		return 0
	}
	last := d.parts[len(d.parts)-1]
	return int(last.lo) + len(last.month)
}

// Located returns the number of crimes that have a location. In each part
// the located crimes come first: see PartCrimes and NoLocation.
func (d *Dataset) Located() int {
	n := 0
	for _, pt := range d.parts {
		n += int(pt.located())
	}
	return n
}

// located returns how many of the part's crimes have a location; they are
// its first ones.
func (pt *tablePart) located() uint32 { return pt.ptStart[len(pt.ptStart)-1] }

// at returns the part of crime c and c's position in it. The first part
// starts at 0 and is most often the history loaded at start, with later
// parts a month each: a crime is most likely in it.
func (d *Dataset) at(c CrimeID) (*tablePart, uint32) {
	if len(d.parts) == 1 || uint32(c) < d.parts[1].lo {
		return d.parts[0], uint32(c)
	}
	pt := d.parts[d.partOf(c)]
	return pt, uint32(c) - pt.lo
}

// partOf returns the index of the part holding crime c.
func (d *Dataset) partOf(c CrimeID) int {
	k, _ := slices.BinarySearchFunc(d.parts, uint32(c)+1, func(pt *tablePart, t uint32) int { return cmp.Compare(pt.lo, t) })
	return max(k-1, 0)
}

// points returns how many points the part has starts for.
func (pt *tablePart) points() int { return len(pt.ptStart) - 1 }

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
	return latestOf(monthCounts(months, len(distinct)), distinct)
}

// monthCounts counts the crimes of each of n months in a month column.
func monthCounts(months []uint8, n int) []int {
	var counts [MaxMonths]int
	for _, m := range months {
		counts[m]++
	}
	return slices.Clone(counts[:n])
}

// latestOf is LatestMonth's rule over the crimes of each month.
func latestOf(counts []int, distinct []Month) Month {
	if i := LatestIndex(counts); i >= 0 {
		return distinct[i]
	}
	return 0
}

// LatestIndex applies LatestMonth's rule to a series of counts by month:
// it returns the index of the latest count of at least 1/LatestShare of
// the largest, or -1 for an empty series.
func LatestIndex(counts []int) int {
	if len(counts) == 0 {
		return -1
	}
	busiest := slices.Max(counts)
	i := len(counts) - 1
	for counts[i]*LatestShare < busiest {
		i--
	}
	return i
}

// Categories returns the crime-category vocabulary.
func (d *Dataset) Categories() *Vocab { return d.categories }

// Outcomes returns the outcome vocabulary; index 0 is the blank outcome.
func (d *Dataset) Outcomes() *Vocab { return d.outcomes }

// Forces returns the force vocabulary.
func (d *Dataset) Forces() *Vocab { return d.forces }

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

// PointOf returns the snap point of crime c, or NoPoint.
func (d *Dataset) PointOf(c CrimeID) PointID {
	pt, i := d.at(c)
	if i >= pt.located() {
		return NoPoint
	}
	// The first point whose start is beyond i, minus one.
	j, _ := slices.BinarySearch(pt.ptStart, i+1)
	for j > 0 && pt.ptStart[j-1] > i {
		j--
	}
	return PointID(j - 1)
}

// Month returns the month of crime c.
func (d *Dataset) Month(c CrimeID) Month {
	pt, i := d.at(c)
	return d.months[pt.month[i]]
}

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
func (d *Dataset) Category(c CrimeID) Category {
	pt, i := d.at(c)
	return pt.cat[i]
}

// Force returns the force of crime c.
func (d *Dataset) Force(c CrimeID) Force {
	pt, i := d.at(c)
	return pt.force[i]
}

// Outcome returns the last outcome category of crime c, as its street file says.
func (d *Dataset) Outcome(c CrimeID) Outcome {
	pt, i := d.at(c)
	return pt.outcome[i]
}

// Context returns the Context column of crime c (empty in every current file).
func (d *Dataset) Context(c CrimeID) string {
	pt, i := d.at(c)
	if s, ok := pt.ctx[i]; ok {
		return d.strs[s]
	}
	return ""
}

// PersistentID returns the Crime ID of c, or "" (anti-social behaviour and
// British Transport Police rows have none).
func (d *Dataset) PersistentID(c CrimeID) string {
	pt, i := d.at(c)
	if k, ok := pt.idIndex(i); ok {
		return hex.EncodeToString(pt.ids[k][:])
	}
	return pt.other[i]
}

// rankWords is how many words of hasID one idRank entry stands for: eight
// words are one cache line, so counting the bits of the words before c's
// in its group reads no more memory than c's own word, and the directory
// costs half a bit a crime rather than four.
const rankWords = 8

// idIndex returns the index in ids of the Crime ID of the part's crime c,
// and whether it has one.
func (pt *tablePart) idIndex(c uint32) (int, bool) { return rankIn(pt.hasID, pt.idRank, c) }

// rankIn returns, when bit c of set is 1, how many bits before it are 1,
// given ranks, the count before each run of rankWords words (idRanks).
func rankIn(set []uint64, ranks []uint32, c uint32) (int, bool) {
	wi := int(c / 64)
	if wi >= len(set) {
		return 0, false
	}
	w := set[wi]
	bit := uint64(1) << (c % 64)
	if w&bit == 0 {
		return 0, false
	}
	r := int(ranks[wi/rankWords]) + bits.OnesCount64(w&(bit-1))
	for _, x := range set[wi&^(rankWords-1) : wi] {
		r += bits.OnesCount64(x)
	}
	return r, true
}

// CrimesByPersistentID returns every crime with this Crime ID (IDs are not
// unique in real files), in the order of a table built in one piece: by
// point (those without a location last), then month, then place in the
// table, however the table is cut into parts.
func (d *Dataset) CrimesByPersistentID(s string) []CrimeID {
	var out []CrimeID
	id, isID := parseCrimeID([]byte(s))
	for _, pt := range d.parts {
		if isID {
			out = pt.lookupID(id, out)
		} else if s != "" {
			for c, o := range pt.other {
				if o == s {
					out = append(out, CrimeID(pt.lo+c))
				}
			}
		}
	}
	if len(d.parts) == 1 || len(out) < 2 {
		slices.Sort(out)
		return out
	}
	type at struct {
		p PointID
		m uint8
		c CrimeID
	}
	keys := make([]at, len(out))
	for i, c := range out {
		pt, j := d.at(c)
		keys[i] = at{d.PointOf(c), pt.month[j], c}
	}
	slices.SortFunc(keys, func(a, b at) int { return cmp.Or(cmp.Compare(a.p, b.p), cmp.Compare(a.m, b.m), cmp.Compare(a.c, b.c)) })
	for i, k := range keys {
		out[i] = k.c
	}
	return out
}

// OutcomeHistory returns the outcome events joined to crime c from outcomes
// files, oldest first.
func (d *Dataset) OutcomeHistory(c CrimeID) []OutcomeEvent {
	pt, i := d.at(c)
	var out []OutcomeEvent
	if ev, ok := pt.oneEvent(i, d.months); ok {
		out = append(out, ev)
	} else if int(i/64)+1 < len(pt.histStart) {
		for _, e := range pt.hist[pt.histStart[i/64]:pt.histStart[i/64+1]] {
			if e.off() == i%64 {
				out = append(out, OutcomeEvent{Month: e.month(), Outcome: e.outcome()})
			}
		}
	}
	j, _ := slices.BinarySearchFunc(pt.histMore, i, func(r histRow, c uint32) int { return cmp.Compare(r.crime, c) })
	for ; j < len(pt.histMore) && pt.histMore[j].crime == i; j++ {
		out = append(out, OutcomeEvent{Month: pt.histMore[j].month, Outcome: pt.histMore[j].outcome})
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
	pt, i := d.at(c)
	return Crime{
		ID: c, PersistentID: d.PersistentID(c), Month: d.months[pt.month[i]], Category: pt.cat[i],
		Force: pt.force[i], Outcome: pt.outcome[i], Point: p, Context: d.Context(c),
	}
}

// AppendPersistentID appends the Crime ID of c to b, as PersistentID returns
// it, without allocating for the usual 64-hex-digit IDs. hexDigits reports
// that it appended one of those, which needs no escaping in any format.
func (d *Dataset) AppendPersistentID(b []byte, c CrimeID) (out []byte, hexDigits bool) {
	pt, i := d.at(c)
	if k, ok := pt.idIndex(i); ok {
		return hex.AppendEncode(b, pt.ids[k][:]), true
	}
	return append(b, pt.other[i]...), false
}
