package geo

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzParseCrimeID checks the table decoder against encoding/hex.
func FuzzParseCrimeID(f *testing.F) {
	for _, s := range []string{
		"fe3a7f947ea4d1f67f89c1f90951429119ebfd57ea5fd7ef7729410a5617507a",
		"FE3A7F947EA4D1F67F89C1F90951429119EBFD57EA5FD7EF7729410A5617507A",
		"fe3a7f947ea4d1f67f89c1f90951429119ebfd57ea5fd7ef7729410a5617507g",
		"fe3a7f947ea4d1f67f89c1f90951429119ebfd57ea5fd7ef7729410a5617507",
		"", "xyz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, ok := parseCrimeID(b)
		want, err := hex.DecodeString(string(b))
		wantOK := err == nil && len(b) == 64
		if ok != wantOK {
			t.Fatalf("%q: ok %v, want %v", b, ok, wantOK)
		}
		if ok && !bytes.Equal(id[:], want) {
			t.Fatalf("%q: %x, want %x", b, id, want)
		}
	})
}
