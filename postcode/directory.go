package postcode

import (
	"fmt"
	"slices"
)

// Record is one postcode as the directory holds it.
type Record struct {
	Postcode    string  // the usual spelling, as pcds: "SO14 7LY"
	HasLocation bool    // false for a postcode without a grid reference
	Lat, Lng    float64 // WGS84 centroid to six decimals; zero without a location
	PFA         string  // police force area code (E23000030 is Hampshire)
	LSOA        string  // LSOA 2021 code, or the 2011 one where the file has no 2021 code
	Country     string  // E92000001, W92000004, S92000003 or N92000002
	// Terminated postcodes still resolve; TerminatedMonth is their doterm,
	// YYYYMM, and empty for live ones.
	Terminated      bool
	TerminatedMonth string
}

// Directory is an immutable set of postcodes, safe for concurrent lookups.
// Each postcode takes 22 bytes in columns: its packed key (8), latitude and
// longitude in millionths of a degree (4+4), LSOA (2), termination month
// (2), force area and country (1+1), the codes being indexes into small
// tables. Keys are sorted, with two levels of fence keys above them (every
// 32nd key, and every 32nd of those): a lookup searches the top level, small
// enough to stay in cache, then 32 fences and 32 keys, a few cache lines
// each, where a plain binary search over millions of keys would miss the
// cache on each of its last dozen steps.
type Directory struct {
	keys               []uint64
	lat, lng           []int32
	lsoa, term         []uint16
	pfa, ctry          []uint8
	lsoas, pfas, ctrys []string
	fence1, fence2     []uint64 // every fanout-th entry of the level below
}

// Code tables are indexed by these types, which bound their sizes.
const (
	maxLSOAs     = 1 << 16
	maxPFAs      = 1 << 8
	maxCountries = 1 << 8
	// maxRows keeps a row index in the 27 bits that a sort key leaves.
	maxRows = 1 << 27
)

// Len returns the number of postcodes.
func (d *Directory) Len() int { return len(d.keys) }

// Lookup finds a postcode written in any spelling ParseKey accepts. It
// returns ErrInvalid for text that cannot be a postcode and ErrNotFound for
// a postcode the directory does not hold.
func (d *Directory) Lookup(s string) (Record, error) {
	k, err := ParseKey(s)
	if err != nil {
		return Record{}, err
	}
	return d.LookupKey(k)
}

// LookupKey finds a parsed postcode.
func (d *Directory) LookupKey(k Key) (Record, error) {
	i, ok := d.find(k)
	if !ok {
		return Record{}, fmt.Errorf("%s: %w", k, ErrNotFound)
	}
	return d.record(i), nil
}

func (d *Directory) find(k Key) (int, bool) {
	x := uint64(k)
	// Each search finds the last entry at most x: the fence over the
	// block of the level below that may hold x.
	j, _ := slices.BinarySearch(d.fence2, x+1)
	if j == 0 {
		return 0, false
	}
	lo := (j - 1) * fanout
	j, _ = slices.BinarySearch(d.fence1[lo:min(lo+fanout, len(d.fence1))], x+1)
	lo = (lo + j - 1) * fanout
	i, ok := slices.BinarySearch(d.keys[lo:min(lo+fanout, len(d.keys))], x)
	return lo + i, ok
}

func (d *Directory) record(i int) Record {
	r := Record{
		Postcode: Key(d.keys[i]).String(),
		PFA:      d.pfas[d.pfa[i]],
		LSOA:     d.lsoas[d.lsoa[i]],
		Country:  d.ctrys[d.ctry[i]],
	}
	if d.lat[i] != noLocation {
		r.HasLocation = true
		r.Lat = float64(d.lat[i]) / 1e6
		r.Lng = float64(d.lng[i]) / 1e6
	}
	if t := d.term[i]; t != 0 {
		r.Terminated = true
		r.TerminatedMonth = formatMonth(t)
	}
	return r
}

// fanout is the number of keys or fences under one fence.
const fanout = 32

// buildIndex fills the fences from sorted keys.
func (d *Directory) buildIndex() {
	d.fence1 = fences(d.keys)
	d.fence2 = fences(d.fence1)
}

func fences(a []uint64) []uint64 {
	f := make([]uint64, 0, (len(a)+fanout-1)/fanout)
	for i := 0; i < len(a); i += fanout {
		f = append(f, a[i])
	}
	return f
}
