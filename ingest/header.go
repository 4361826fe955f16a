package ingest

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"crimemap/geo"
)

// fileKind is the layout of a data.police.uk CSV file.
type fileKind int

// The kinds of file; a file of unknown kind is classified by its header.
const (
	kindUnknown fileKind = iota
	kindStreet
	kindOutcomes
	kindStopSearch
)

func (k fileKind) String() string {
	switch k {
	case kindStreet:
		return "street"
	case kindOutcomes:
		return "outcomes"
	case kindStopSearch:
		return "stop-and-search"
	}
	return "unknown"
}

var kindSuffix = []struct {
	suffix string
	kind   fileKind
}{
	{"-street.csv", kindStreet},
	{"-outcomes.csv", kindOutcomes},
	{"-stop-and-search.csv", kindStopSearch},
}

// nameInfo is what a file name says: its kind, and its unit when the name has
// the archive form YYYY-MM-<force>-<kind>.csv.
type nameInfo struct {
	kind    fileKind
	unit    geo.Unit
	hasUnit bool
}

// FileMonth returns the month a file's name gives it, when the name has
// the archive form YYYY-MM-<force>-<kind>.csv.
func FileMonth(name string) (geo.Month, bool) {
	ni := parseName(name)
	return ni.unit.Month, ni.hasUnit
}

func parseName(name string) nameInfo {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	var ni nameInfo
	for _, ks := range kindSuffix {
		if strings.HasSuffix(base, ks.suffix) {
			ni.kind = ks.kind
			stem := strings.TrimSuffix(base, ks.suffix)
			if len(stem) < 9 || stem[7] != '-' {
				return ni
			}
			m, err := geo.ParseMonth(stem[:7])
			force := stem[8:]
			if err != nil || force == "" || geo.Slug(force) != force {
				return ni
			}
			ni.unit, ni.hasUnit = geo.Unit{Force: force, Month: m}, true
			return ni
		}
	}
	return ni
}

// normName folds a header name so that "Crime ID", "crime_id" and
// "CRIME-ID" compare equal.
func normName(b []byte) string {
	s := strings.TrimSpace(string(b))
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return ' '
		}
		return r
	}, s)
}

// Column indexes of the street layout, also used for outcomes (a prefix).
const (
	colCrimeID = iota
	colMonth
	colReportedBy
	colFallsWithin
	colLongitude
	colLatitude
	colLocation
	colLSOACode
	colLSOAName
	colCrimeType
	colLastOutcome
	colContext
	colOutcomeType
	numCrimeCols
)

var crimeColNames = [numCrimeCols]string{
	"crime id", "month", "reported by", "falls within", "longitude", "latitude",
	"location", "lsoa code", "lsoa name", "crime type", "last outcome category", "context",
	"outcome type",
}

// Column indexes of the stop-and-search layout.
const (
	sType = iota
	sDate
	sPartOfOperation
	sOperationName
	sLatitude
	sLongitude
	sGender
	sAgeRange
	sSelfEthnicity
	sOfficerEthnicity
	sLegislation
	sObject
	sOutcome
	sOutcomeLinked
	sRemoval
	numStopCols
)

var stopColNames = [numStopCols]string{
	"type", "date", "part of a policing operation", "policing operation", "latitude", "longitude",
	"gender", "age range", "self defined ethnicity", "officer defined ethnicity", "legislation",
	"object of search", "outcome", "outcome linked to object of search",
	"removal of more than just outer clothing",
}

// header maps a file's columns to field positions; -1 marks an absent column.
type header struct {
	kind  fileKind
	n     int  // number of columns
	short bool // a row one field short is accepted: the last column is Context
	crime [numCrimeCols]int
	stop  [numStopCols]int
	names []string
}

func lookup(names []string, want string) int {
	for i, n := range names {
		if n == want {
			return i
		}
	}
	return -1
}

// known holds the column names Load reads.
var known = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range crimeColNames {
		m[n] = true
	}
	for _, n := range stopColNames {
		m[n] = true
	}
	return m
}()

// duplicate returns a column Load reads that names appear twice, or "".
// Other columns are ignored, so a repeat among them is harmless.
func duplicate(names []string) string {
	seen := map[string]bool{}
	for _, n := range names {
		if known[n] && seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}

// parseHeader reads the header record and settles the file's kind: the name's
// kind when it has one, else the kind the columns show.
func parseHeader(fields [][]byte, nameKind fileKind) (*header, error) {
	if len(fields) < 2 {
		return nil, fmt.Errorf("%w: header has %d column", ErrNotCSV, len(fields))
	}
	h := &header{n: len(fields), names: make([]string, len(fields))}
	for i, f := range fields {
		if !utf8.Valid(f) {
			return nil, fmt.Errorf("%w: header is not UTF-8 text", ErrNotCSV)
		}
		for _, c := range f {
			if c < 0x20 || c == 0x7f {
				return nil, fmt.Errorf("%w: header has control bytes", ErrNotCSV)
			}
		}
		h.names[i] = normName(f)
	}
	if dup := duplicate(h.names); dup != "" {
		return nil, fmt.Errorf("%w: %q", ErrDuplicateColumn, dup)
	}
	for i, n := range crimeColNames {
		h.crime[i] = lookup(h.names, n)
	}
	for i, n := range stopColNames {
		h.stop[i] = lookup(h.names, n)
	}
	h.kind = nameKind
	if h.kind == kindUnknown {
		switch {
		case h.crime[colOutcomeType] >= 0:
			h.kind = kindOutcomes
		case h.crime[colCrimeType] >= 0:
			h.kind = kindStreet
		case h.stop[sObject] >= 0 || h.stop[sLegislation] >= 0:
			h.kind = kindStopSearch
		default:
			return nil, fmt.Errorf("%w: columns %s", ErrUnknownKind, strings.Join(h.names, ","))
		}
	}
	var required []string
	switch h.kind {
	case kindStreet:
		for _, c := range []int{colMonth, colLongitude, colLatitude, colCrimeType} {
			if h.crime[c] < 0 {
				required = append(required, crimeColNames[c])
			}
		}
		h.short = h.crime[colContext] == h.n-1
	case kindOutcomes:
		for _, c := range []int{colCrimeID, colMonth, colOutcomeType} {
			if h.crime[c] < 0 {
				required = append(required, crimeColNames[c])
			}
		}
	case kindStopSearch:
		for _, c := range []int{sType, sDate, sLatitude, sLongitude} {
			if h.stop[c] < 0 {
				required = append(required, stopColNames[c])
			}
		}
	}
	if len(required) > 0 {
		return nil, fmt.Errorf("%w: %s file lacks %s", ErrMissingColumn, h.kind, strings.Join(required, ", "))
	}
	return h, nil
}
