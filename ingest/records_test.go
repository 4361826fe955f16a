package ingest

import (
	"strings"
	"testing"
)

// TestEstimateRows checks the guess of a file's rows, and of its rows with
// a Crime ID, from what is buffered after the header.
func TestEstimateRows(t *testing.T) {
	withID := strings.Repeat("ab", 32) + ",2017-02,x\n"
	asb := ",2017-02," + strings.Repeat("x", 65) + "\n" // as long as a row with an ID
	for _, tc := range []struct {
		name       string
		sample     string
		size       int64
		rows, with int
	}{
		{"all with IDs", strings.Repeat(withID, 10), 100 * int64(len(withID)), 100, 100},
		{"a third without", strings.Repeat(withID+withID+asb, 10), 300 * int64(len(withID)), 300, 200},
		{"CR line ends", strings.ReplaceAll(strings.Repeat(asb+withID, 10), "\n", "\r"), 200 * int64(len(withID)), 200, 100},
		{"no line end", "abc", 1000, 0, 0},
		{"unknown size", withID, 0, 0, 0},
	} {
		r := &recordReader{buf: []byte(tc.sample), end: len(tc.sample)}
		rows, with := r.estimateRows(tc.size)
		// The guesses carry a margin of 1/32 of the rows, plus one.
		margin := tc.rows/32 + 1
		if rows < tc.rows || rows > tc.rows+margin || with < tc.with || with > tc.with+margin {
			t.Errorf("%s: %d rows, %d with an ID; want %d and %d (+%d)", tc.name, rows, with, tc.rows, tc.with, margin)
		}
	}
}
