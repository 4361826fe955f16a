package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"testing"
)

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"help", flag.ErrHelp, 0},
		{"wrapped help", fmt.Errorf("serve: %w", flag.ErrHelp), 0},
		{"failure", errors.New("boom"), 1},
		{"chosen", exitCode(3), 3},
	}
	for _, tc := range tests {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("%s: exitStatus(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestHelpExitsZero runs each command with --help: the usage is an
// answer, not a failure, and a flag that does not exist still is one.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands() {
		if name == "version" {
			continue
		}
		err := run(context.Background(), []string{name, "--help"}, io.Discard)
		if got := exitStatus(err); got != 0 {
			t.Errorf("crimemap %s --help: exit %d (%v), want 0", name, got, err)
		}
	}
	if got := exitStatus(run(context.Background(), []string{"serve", "--no-such-flag"}, io.Discard)); got != 1 {
		t.Errorf("crimemap serve --no-such-flag: exit %d, want 1", got)
	}
}
