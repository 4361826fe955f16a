package neighbourhood

import (
	"errors"
	"strconv"

	"crimemap/fault"
)

// Lookups that find nothing. The HTTP layer answers them with 404, as the
// API does for an unknown force or neighbourhood.
var (
	ErrNoForce         = fault.New(fault.NotFound, "no such force")
	ErrNoNeighbourhood = fault.New(fault.NotFound, "no such neighbourhood")
	// ErrNoDetail: the neighbourhood is listed but its detail was not
	// loaded (no file, or a bad one).
	ErrNoDetail = fault.New(fault.NotFound, "no detail for neighbourhood")
)

// Reasons a value is rejected, found in a ValueError. Summary.Rejected
// counts by them.
var (
	ErrNotJSON     = fault.New(fault.Invalid, "not JSON")
	ErrWrongType   = fault.New(fault.Invalid, "wrong JSON type")
	ErrMissing     = fault.New(fault.Invalid, "missing")
	ErrNotNumber   = fault.New(fault.Invalid, "not a number")
	ErrOutOfRange  = fault.New(fault.Invalid, "out of range")
	ErrNotDate     = fault.New(fault.Invalid, "not a date")
	ErrDuplicateID = fault.New(fault.Invalid, "duplicate id")
	ErrIDMismatch  = fault.New(fault.Invalid, "id differs from the file name")
)

var reasons = []error{ErrNotJSON, ErrWrongType, ErrMissing, ErrNotNumber, ErrOutOfRange, ErrNotDate, ErrDuplicateID, ErrIDMismatch}

// ValueError is a rejected value: its JSON path in the file ($ is the
// file's top value), why, and the value as read (quoted) or what was
// expected of it.
type ValueError struct {
	Path   string
	Reason error // one of the Err values above
	Value  string
}

func (e *ValueError) Error() string {
	s := e.Path + ": " + e.Reason.Error()
	switch {
	case e.Value == "":
	case e.Value[0] == '"':
		s += " " + e.Value // not a number "A"
	default:
		s += ": " + e.Value // wrong JSON type: want string, got number 5
	}
	return s
}

func (e *ValueError) Unwrap() error { return e.Reason }

// FileError is an error in one file of a folder, named relative to it with
// forward slashes.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// reasonOf returns the reason an error counts under.
func reasonOf(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return "unreadable"
}

func quote(s string) string { return strconv.Quote(s) }
