package ingest

import (
	"fmt"

	"crimemap/fault"
	"crimemap/geo"
)

// Errors that fail a whole file. They reach Summary.Failed wrapped with the
// file's name.
var (
	// ErrNotCSV means the file has no CSV header line: it is empty, binary,
	// or its first line is not valid UTF-8 text.
	ErrNotCSV = fault.New(fault.Invalid, "not a CSV file")
	// ErrUnknownKind means a CSV header matches none of the street,
	// outcomes and stop-and-search layouts.
	ErrUnknownKind = fault.New(fault.Invalid, "not a street, outcomes or stop-and-search file")
	// ErrMissingColumn means a column the file's kind requires is absent.
	ErrMissingColumn = fault.New(fault.Invalid, "missing required column")
	// ErrBadZip means a zip archive or one of its members cannot be read.
	ErrBadZip = fault.New(fault.Invalid, "broken zip archive")
	// ErrNoUnit means a stop-and-search file's name does not say its force
	// and month (YYYY-MM-<force>-stop-and-search.csv); its rows carry neither.
	ErrNoUnit = fault.New(fault.Invalid, "file name does not give force and month")
	// ErrNoInput means none of the paths given to Load exists.
	ErrNoInput = fault.New(fault.NotFound, "no input path exists")
	// ErrDuplicateColumn means the header names a column Load reads twice:
	// which of the two holds the data cannot be told.
	ErrDuplicateColumn = fault.New(fault.Invalid, "column named twice in the header")
)

// Errors that reject one row, found in ParseError.Err. The row is skipped,
// counted under the error's text in Summary.Rejected, and the load goes on.
var (
	// ErrBadMonth: Month is not YYYY-MM.
	ErrBadMonth = geo.ErrBadMonth
	// ErrBadCoordinate: Longitude or Latitude is not a decimal number, is out
	// of range, or only one of the pair is present.
	ErrBadCoordinate = fault.New(fault.Invalid, "bad coordinate")
	// ErrColumnCount: the row has a different number of fields than the
	// header.
	ErrColumnCount = fault.New(fault.Invalid, "wrong number of fields")
	// ErrInvalidUTF8: the row is not valid UTF-8.
	ErrInvalidUTF8 = fault.New(fault.Invalid, "invalid UTF-8")
	// ErrEmptyField: a required field (Crime type, Outcome type, Type) is
	// empty.
	ErrEmptyField = fault.New(fault.Invalid, "required field is empty")
	// ErrNoForce: the file name does not give the force and the row's Falls
	// within is empty.
	ErrNoForce = fault.New(fault.Invalid, "no force: file name and Falls within are both silent")
	// ErrQuote: a quoted field is not closed, or text follows its closing
	// quote.
	ErrQuote = fault.New(fault.Invalid, `extraneous or missing " in quoted field`)
	// ErrBareQuote: a quote appears inside an unquoted field.
	ErrBareQuote = fault.New(fault.Invalid, `bare " in unquoted field`)
	// ErrTooLong: the record is longer than 4 MiB. It is skipped to the
	// end of its line.
	ErrTooLong = fault.New(fault.TooLarge, fmt.Sprintf("record longer than %d bytes", maxRecord))
	// ErrFutureMonth: the row's month (or a stop and search's Date) is
	// after the month of the load.
	ErrFutureMonth = fault.New(fault.Invalid, "month after the load date")
	// ErrMonthMismatch: the row's Month is not the month its file's name
	// gives.
	ErrMonthMismatch = fault.New(fault.Invalid, "month differs from the file name's")
	// ErrControl: a field that names a term (Crime type, Last outcome
	// category, Outcome type, Falls within) holds a control character.
	ErrControl = fault.New(fault.Invalid, "control character in a term")
	// ErrTooManyTerms: the row's crime type, outcome or force would be
	// one more than a dataset holds (geo.MaxTerms of each). A file named
	// for a force that does not fit fails with it as a whole.
	ErrTooManyTerms = fault.New(fault.TooLarge, fmt.Sprintf("more than %d terms of a kind", geo.MaxTerms))
	// ErrBadDate: a stop and search's Date is not an ISO 8601 date and
	// time.
	ErrBadDate = fault.New(fault.Invalid, "bad date")
)

// rowReasons lists the row errors, so a count can be keyed by the sentinel
// without inspecting wrapped text.
var rowReasons = []error{ErrBadMonth, ErrBadCoordinate, ErrColumnCount, ErrInvalidUTF8, ErrEmptyField, ErrNoForce, ErrQuote, ErrBareQuote,
	ErrTooLong, ErrFutureMonth, ErrMonthMismatch, ErrControl, ErrTooManyTerms, ErrBadDate}

// ParseError reports a rejected row: where it is and why.
type ParseError struct {
	File   string
	Line   int    // 1-based physical line where the row starts
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

// FileError is a file that could not be loaded.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }
