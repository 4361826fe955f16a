package mirror

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		want     string
	}{
		{name: "plain lines", want: "fetching: 27 of 27 paths"},
		{name: "bar", terminal: true, want: "(27/27)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func(every time.Duration, term func(io.Writer) bool) { plainEvery, isTerminal = every, term }(plainEvery, isTerminal)
			plainEvery = time.Millisecond
			isTerminal = func(io.Writer) bool { return tc.terminal }
			src, _ := reachable(t)
			_, base := newFakeAPI(t, src)
			opt := testOptions(t, base, fixtureForces)
			var buf bytes.Buffer
			opt.Progress = &buf
			fetchFrom(t, opt)
			if !strings.Contains(buf.String(), tc.want) {
				t.Errorf("progress %q, want %q in it", buf.String(), tc.want)
			}
		})
	}
}
