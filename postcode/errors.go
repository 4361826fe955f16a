package postcode

import (
	"fmt"

	"crimemap/fault"
)

// Errors of a lookup.
var (
	// ErrInvalid means the text cannot be a postcode: wrong characters,
	// length or shape.
	ErrInvalid = fault.New(fault.Invalid, "not a postcode")
	// ErrNotFound means a well-formed postcode is not in the directory.
	ErrNotFound = fault.New(fault.NotFound, "postcode not found")
)

// Errors that fail a whole load.
var (
	// ErrNotCSV means the input has no header line.
	ErrNotCSV = fault.New(fault.Invalid, "not a CSV file")
	// ErrMissingColumn means a column the directory needs is absent.
	ErrMissingColumn = fault.New(fault.Invalid, "missing required column")
	// ErrNoDirectoryCSV means a zip archive holds no member that can be
	// the national CSV (see LoadFile for the rule).
	ErrNoDirectoryCSV = fault.New(fault.Invalid, "zip holds no Data/*.csv and not exactly one CSV")
	// ErrTooManyCodes means a code column has more distinct values than
	// the directory's compact index of it holds (see the limits in the
	// package documentation).
	ErrTooManyCodes = fault.New(fault.TooLarge, "too many distinct codes")
	// ErrTooManyRows means the input has more rows than a directory holds.
	ErrTooManyRows = fault.New(fault.TooLarge, "too many rows")
	// ErrRecordTooLong means one line exceeds maxLine bytes.
	ErrRecordTooLong = fault.New(fault.TooLarge, fmt.Sprintf("line longer than %d bytes", maxLine))
)

// Errors that reject one row, found in ParseError.Err. The row is skipped,
// counted under the error's text in Summary.Reasons, and the load goes on.
var (
	// ErrColumnCount: the row has a different number of fields than the
	// header.
	ErrColumnCount = fault.New(fault.Invalid, "wrong number of fields")
	// ErrBadPostcode: pcds is not a postcode.
	ErrBadPostcode = fault.New(fault.Invalid, "bad postcode")
	// ErrBadCoordinate: lat or long is not a decimal number, is out of
	// range, or only one of the pair is present.
	ErrBadCoordinate = fault.New(fault.Invalid, "bad coordinate")
	// ErrBadMonth: doterm is neither empty nor YYYYMM with year 1..5000.
	ErrBadMonth = fault.New(fault.Invalid, "month must be YYYYMM with year 1..5000")
	// ErrInvalidUTF8: a code kept from the row is not valid UTF-8.
	ErrInvalidUTF8 = fault.New(fault.Invalid, "invalid UTF-8")
	// ErrQuote: a quoted field is not closed on its line, or text follows
	// its closing quote.
	ErrQuote = fault.New(fault.Invalid, `extraneous or missing " in quoted field`)
	// ErrBareQuote: a quote appears inside an unquoted field.
	ErrBareQuote = fault.New(fault.Invalid, `bare " in unquoted field`)
	// ErrDuplicate: the postcode appeared on an earlier row, which is
	// kept.
	ErrDuplicate = fault.New(fault.Invalid, "duplicate postcode")
)

// ParseError reports a rejected row: where it is and why.
type ParseError struct {
	File   string
	Line   int    // 1-based line of the row
	Column string // the column at fault, "" for the whole row
	Err    error  // wraps one of the row errors above
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: column %s: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
