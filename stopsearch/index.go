// Package stopsearch indexes a dataset's stop-and-search records for the
// queries data.police.uk and the analyst API answer: by area (an R-tree
// over their distinct locations), by force and month, and counted by any
// one or two of their attributes. Outcomes are normalised to
// data.police.uk's current labels; the label the file wrote is kept.
package stopsearch

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tidwall/rtree"

	"crimemap/geo"
)

// Dim is an attribute stops are filtered and grouped by.
type Dim int

// The dimensions, in the order DimNames names them.
const (
	DimForce Dim = iota
	DimMonth
	DimType
	DimOutcome
	DimObject
	DimLegislation
	DimEthnicity
	DimSelfEthnicity
	DimAge
	DimGender
	NumDims
)

// DimNames are the dimensions' parameter names, as data.police.uk names the
// fields (ethnicity is the officer-defined one).
var DimNames = [NumDims]string{"force", "month", "type", "outcome", "object_of_search", "legislation",
	"ethnicity", "self_defined_ethnicity", "age_range", "gender"}

// DimByName returns the dimension a parameter names.
func DimByName(name string) (Dim, bool) {
	i := slices.Index(DimNames[:], name)
	return Dim(i), i >= 0
}

// ID identifies a stop within one dataset version: its index in
// geo.Dataset.Stop.
type ID uint32

// NoLocation marks a stop without coordinates.
const NoLocation = ^uint32(0)

// Location is a distinct place stops were recorded at. StreetID and Street
// are those of the crime snap point at the same coordinates (data.police.uk
// snaps stops to the same map points); a place with no such point gets no
// street name and an id as such a point would have (see nameLocations).
type Location struct {
	Lon, Lat float64
	StreetID int64
	Street   string
}

// Index holds the stops of one dataset version. It is immutable and safe for
// concurrent use.
type Index struct {
	ds      *geo.Dataset
	month   []geo.Month
	codes   [NumDims][]uint16
	vocabs  [NumDims]*vocab
	months  []geo.Month // distinct, ascending: DimMonth's codes index it
	outcome []Outcome   // by DimOutcome code
	linked  []int8      // outcome linked to object of search: 1, 0, -1 unknown
	loc     []uint32    // the stop's Location, or NoLocation
	locs    []Location
	// locStops[l] are the stops at location l, ascending: locStart[l]:locStart[l+1].
	locStart []uint32
	locStops []ID
	byStreet map[int64]uint32
	tree     rtree.RTreeG[uint32]
	// byUnit holds where each force-month's stops are: from its first to
	// its last. A dataset holds a force-month's records in a row (see
	// geo.Dataset.Stop), so a range rather than a list of ids, 4 bytes a
	// stop; the readers check each stop's unit all the same.
	byUnit map[unit]idRange
	latest geo.Month
}

type unit struct {
	force geo.Force
	month geo.Month
}

// idRange is the stops lo..hi-1.
type idRange struct{ lo, hi ID }

// New indexes ds's stops.
func New(ds *geo.Dataset) *Index {
	n := ds.NumStops()
	x := &Index{ds: ds, month: make([]geo.Month, n), linked: make([]int8, n),
		loc: make([]uint32, n), byStreet: map[int64]uint32{}, byUnit: map[unit]idRange{}}
	for d := range x.vocabs {
		x.vocabs[d] = newVocab()
		x.codes[d] = make([]uint16, n)
	}
	for _, t := range ds.Forces().Terms() {
		x.vocabs[DimForce].code(t.Slug, t.Name)
	}
	for i := range n {
		_, m := ds.StopUnit(i)
		x.months = append(x.months, m)
	}
	slices.Sort(x.months)
	x.months = slices.Compact(x.months)
	for _, m := range x.months {
		x.vocabs[DimMonth].code(m.String(), m.String())
	}
	x.outcome = []Outcome{{}}
	locOf := map[[2]float64]uint32{}
	for i, r := range ds.Stops() {
		x.month[i] = r.Month
		t := ds.Forces().Term(int(r.Force))
		x.codes[DimForce][i] = x.vocabs[DimForce].code(t.Slug, t.Name)
		mc, _ := slices.BinarySearch(x.months, r.Month)
		x.codes[DimMonth][i] = uint16(mc + 1) // after the blank value
		x.codes[DimType][i] = x.vocabs[DimType].label(r.Type)
		oc, o := x.vocabs[DimOutcome].outcome(r.Outcome)
		if int(oc) == len(x.outcome) {
			x.outcome = append(x.outcome, o)
		}
		x.codes[DimOutcome][i] = oc
		x.codes[DimObject][i] = x.vocabs[DimObject].label(r.ObjectOfSearch)
		x.codes[DimLegislation][i] = x.vocabs[DimLegislation].label(r.Legislation)
		x.codes[DimEthnicity][i] = x.vocabs[DimEthnicity].label(r.OfficerEthn)
		x.codes[DimSelfEthnicity][i] = x.vocabs[DimSelfEthnicity].label(r.SelfEthnicity)
		x.codes[DimAge][i] = x.vocabs[DimAge].label(r.AgeRange)
		x.codes[DimGender][i] = x.vocabs[DimGender].label(r.Gender)
		x.linked[i] = tristate(r.OutcomeLinked)
		k := unit{r.Force, r.Month}
		at, ok := x.byUnit[k]
		if !ok {
			at.lo = ID(i)
		}
		x.byUnit[k] = idRange{at.lo, ID(i + 1)}
		x.loc[i] = NoLocation
		if r.HasLocation {
			key := [2]float64{r.Lon, r.Lat}
			l, ok := locOf[key]
			if !ok {
				l = uint32(len(x.locs))
				locOf[key] = l
				x.locs = append(x.locs, Location{Lon: r.Lon, Lat: r.Lat, StreetID: -1})
			}
			x.loc[i] = l
		}
	}
	x.nameLocations(locOf)
	x.indexLocations()
	x.latest = x.latestMonth()
	return x
}

// nameLocations gives each location at a crime snap point's coordinates
// that point's id and street. data.police.uk snaps stops to the same map
// points as crimes, and both files write them with six decimals, so the
// match is exact; one pass over the points with a map of the stops'
// locations costs a fraction of a nearest-point search per location.
func (x *Index) nameLocations(locOf map[[2]float64]uint32) {
	named := make([]bool, len(x.locs))
	for p := range x.ds.NumPoints() {
		lon, lat := x.ds.PointLonLat(geo.PointID(p))
		if l, ok := locOf[[2]float64{lon, lat}]; ok && !named[l] {
			named[l] = true
			x.locs[l].StreetID, x.locs[l].Street = x.ds.LocationID(geo.PointID(p)), x.ds.PointStreet(geo.PointID(p))
		}
	}
	// A place without a snap point takes the location id a point there
	// without a street name would, from the data like a point's: the next
	// free one where a point or another such place holds it, in the order
	// of their hashes and coordinates.
	type place struct {
		h int64
		l uint32
	}
	var rest []place
	for l := range x.locs {
		if !named[l] {
			rest = append(rest, place{geo.LocationHash(x.locs[l].Lon, x.locs[l].Lat, ""), uint32(l)})
		}
	}
	slices.SortFunc(rest, func(a, b place) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		la, lb := &x.locs[a.l], &x.locs[b.l]
		if c := cmp.Compare(la.Lat, lb.Lat); c != 0 {
			return c
		}
		return cmp.Compare(la.Lon, lb.Lon)
	})
	taken := make(map[int64]bool, len(rest))
	for _, r := range rest {
		id := r.h
		for {
			if _, ok := x.ds.PointByLocationID(id); !ok && !taken[id] {
				break
			}
			id = (id + 1) & geo.MaxPublicID
		}
		taken[id] = true
		x.locs[r.l].StreetID = id
	}
}

func (x *Index) indexLocations() {
	x.locStart = make([]uint32, len(x.locs)+1)
	for _, l := range x.loc {
		if l != NoLocation {
			x.locStart[l+1]++
		}
	}
	for l := range x.locs {
		x.locStart[l+1] += x.locStart[l]
	}
	x.locStops = make([]ID, x.locStart[len(x.locs)])
	next := slices.Clone(x.locStart[:len(x.locs)])
	for i, l := range x.loc {
		if l != NoLocation {
			x.locStops[next[l]] = ID(i)
			next[l]++
		}
	}
	for l, loc := range x.locs {
		pt := [2]float64{loc.Lon, loc.Lat}
		x.tree.Insert(pt, pt, uint32(l))
		x.byStreet[loc.StreetID] = uint32(l)
	}
}

// latestMonth is geo.Dataset.LatestMonth's rule over the stops' months.
func (x *Index) latestMonth() geo.Month {
	if len(x.months) == 0 {
		return 0
	}
	counts := make([]int, len(x.months))
	for _, c := range x.codes[DimMonth] {
		counts[c-1]++
	}
	return x.months[geo.LatestIndex(counts)]
}

func tristate(s string) int8 {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return 1
	case "false":
		return 0
	}
	return -1
}

// Dataset returns the dataset whose stops x indexes.
func (x *Index) Dataset() *geo.Dataset { return x.ds }

// Len returns the number of stops.
func (x *Index) Len() int { return len(x.month) }

// LatestMonth is the month /api/ answers when it is given none: the
// dataset's latest month, or the stops' own when no crimes are loaded.
func (x *Index) LatestMonth() geo.Month {
	if m := x.ds.LatestMonth(); m != 0 {
		return m
	}
	return x.latest
}

// Months returns the distinct months with stops, ascending.
func (x *Index) Months() []geo.Month { return x.months }

// Record returns stop id as the file wrote it, with its force and month.
func (x *Index) Record(id ID) geo.StopRecord { return x.ds.Stop(int(id)) }

// Outcome returns stop id's normalised outcome (zero when blank).
func (x *Index) Outcome(id ID) Outcome { return x.outcome[x.codes[DimOutcome][id]] }

// Term returns stop id's value in dimension d.
func (x *Index) Term(id ID, d Dim) Term { return x.vocabs[d].terms[x.codes[d][id]] }

// Code returns the index in Terms(d) of stop id's value in dimension d.
func (x *Index) Code(id ID, d Dim) int { return int(x.codes[d][id]) }

// Terms lists dimension d's values; index 0 is the blank value.
func (x *Index) Terms(d Dim) []Term { return x.vocabs[d].terms }

// Bound returns the box (minLon, minLat, maxLon, maxLat) of the stops'
// locations, false when no stop has one. It walks the distinct locations,
// far fewer than the stops.
func (x *Index) Bound() (box [4]float64, ok bool) {
	for i, l := range x.locs {
		if i == 0 {
			box = [4]float64{l.Lon, l.Lat, l.Lon, l.Lat}
			continue
		}
		box = [4]float64{min(box[0], l.Lon), min(box[1], l.Lat), max(box[2], l.Lon), max(box[3], l.Lat)}
	}
	return box, len(x.locs) > 0
}

// Location returns stop id's location, or false when it has none.
func (x *Index) Location(id ID) (Location, bool) {
	l := x.loc[id]
	if l == NoLocation {
		return Location{}, false
	}
	return x.locs[l], true
}

// LocationByStreet returns the location data.police.uk's location_id (a
// street id) names, or false when no stop was recorded there.
func (x *Index) LocationByStreet(streetID int64) (uint32, bool) {
	l, ok := x.byStreet[streetID]
	return l, ok
}

// KnownStreet reports whether streetID is a snap point or a stop location.
func (x *Index) KnownStreet(streetID int64) bool {
	_, ok := x.byStreet[streetID]
	if !ok {
		_, ok = x.ds.PointByLocationID(streetID)
	}
	return ok
}

// AtLocation returns the stops at location l passing f, ascending.
func (x *Index) AtLocation(l uint32, f *Filter) []ID {
	var out []ID
	for _, id := range x.locStops[x.locStart[l]:x.locStart[l+1]] {
		if x.Matches(id, f) {
			out = append(out, id)
		}
	}
	return out
}

// ForceMonth returns the stops of one force's month passing f, ascending;
// located says whether to keep those with a location, unlocated those
// without.
func (x *Index) ForceMonth(force geo.Force, m geo.Month, located, unlocated bool) []ID {
	var out []ID
	r := x.byUnit[unit{force, m}]
	for id := r.lo; id < r.hi; id++ {
		if !x.inUnit(id, force, m) {
			continue
		}
		if has := x.loc[id] != NoLocation; (has && located) || (!has && unlocated) {
			out = append(out, id)
		}
	}
	return out
}

// inUnit reports whether stop id is of force's month m.
func (x *Index) inUnit(id ID, force geo.Force, m geo.Month) bool {
	f, _ := x.ds.StopUnit(int(id))
	return f == force && x.month[id] == m
}

// checkEvery is how many locations a scan visits between looks at its
// context.
const checkEvery = 4096
