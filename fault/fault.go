package fault

import (
	"errors"
	"fmt"
)

// Kind classifies a failure by what the caller can do about it.
type Kind uint8

// The kinds. Internal is the zero value: an error that carries no kind is a
// failure of the service, not of the request.
const (
	Internal        Kind = iota
	Invalid              // the input is malformed or out of range; asking again will not help
	NotFound             // the thing named does not exist
	Conflict             // the request contradicts the current state (a duplicate, a stale edit)
	TooLarge             // the request or its answer is over a documented limit
	Unavailable          // the service cannot answer now; asking later may help
	Forbidden            // the caller is known but may not do this
	Unauthenticated      // the caller must sign in first
	RateLimited          // the caller asked too often; asking later will help
)

var names = [...]string{"internal", "invalid", "not found", "conflict", "too large", "unavailable", "forbidden", "unauthenticated", "rate limited"}

func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// kinded is an error that knows its kind.
type kinded interface {
	error
	Kind() Kind
}

// sentinel is an error declared with New: a message and a kind.
type sentinel struct {
	kind Kind
	msg  string
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Kind() Kind    { return e.kind }

// New returns a distinct error of the given kind, to be declared once as a
// package's sentinel and matched with errors.Is.
func New(k Kind, msg string) error { return &sentinel{kind: k, msg: msg} }

// wrapped gives an error without a kind (or with another) the kind k.
type wrapped struct {
	kind Kind
	err  error
}

func (e *wrapped) Error() string { return e.err.Error() }
func (e *wrapped) Kind() Kind    { return e.kind }
func (e *wrapped) Unwrap() error { return e.err }

// Wrap returns err with kind k, keeping its message and chain; nil stays nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{kind: k, err: err}
}

// Errorf formats an error of kind k; %w in format wraps as fmt.Errorf does.
func Errorf(k Kind, format string, args ...any) error {
	return &wrapped{kind: k, err: fmt.Errorf(format, args...)}
}

// KindOf returns the kind of the outermost error in err's chain that has
// one, or Internal.
func KindOf(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.Kind()
	}
	return Internal
}

// Is reports whether err's kind is k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }
