package fault_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"crimemap/fault"
)

var errSentinel = fault.New(fault.NotFound, "no such thing")

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"nil", nil, fault.Internal},
		{"plain", errors.New("boom"), fault.Internal},
		{"sentinel", errSentinel, fault.NotFound},
		{"wrapped sentinel", fmt.Errorf("looking up %q: %w", "x", errSentinel), fault.NotFound},
		{"twice wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", errSentinel)), fault.NotFound},
		{"Wrap", fault.Wrap(fault.Conflict, errors.New("exists")), fault.Conflict},
		{"Wrap outermost wins", fault.Wrap(fault.Invalid, errSentinel), fault.Invalid},
		{"Errorf", fault.Errorf(fault.TooLarge, "%d bytes", 9), fault.TooLarge},
		{"Errorf wrapping", fmt.Errorf("ctx: %w", fault.Errorf(fault.Unavailable, "later: %w", context.DeadlineExceeded)), fault.Unavailable},
		{"joined", errors.Join(errors.New("x"), errSentinel), fault.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestWrapKeepsChain(t *testing.T) {
	err := fault.Wrap(fault.Invalid, fmt.Errorf("parsing: %w", errSentinel))
	if !errors.Is(err, errSentinel) {
		t.Error("Wrap lost the chain")
	}
	if err.Error() != "parsing: no such thing" {
		t.Errorf("Error() = %q", err.Error())
	}
	if fault.Wrap(fault.Invalid, nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	if !fault.Is(err, fault.Invalid) || fault.Is(nil, fault.Internal) {
		t.Error("Is disagrees with KindOf")
	}
	errf := fault.Errorf(fault.Conflict, "edit of %s: %w", "scheme 3", context.Canceled)
	if !errors.Is(errf, context.Canceled) {
		t.Error("Errorf lost the %w chain")
	}
}

func TestNewIsDistinct(t *testing.T) {
	a, b := fault.New(fault.Invalid, "same"), fault.New(fault.Invalid, "same")
	if errors.Is(a, b) {
		t.Error("two sentinels with one message compare equal")
	}
}

func TestKindString(t *testing.T) {
	if got := fault.NotFound.String(); got != "not found" {
		t.Errorf("NotFound.String() = %q", got)
	}
	if got := fault.Kind(200).String(); got != "kind(200)" {
		t.Errorf("Kind(200).String() = %q", got)
	}
}
