package server

import (
	"errors"
	"net/http"

	"crimemap/geo"
)

// parseSmallInt reads an optional parameter as a decimal integer in lo..hi;
// only canonical digits are accepted (no sign, space or leading zero).
func parseSmallInt(r *http.Request, name string, lo, hi, def int, required bool) (int, error) {
	v := formValue(r, name)
	if v == "" {
		if required {
			return 0, paramError(name, "required: an integer %d..%d", lo, hi)
		}
		return def, nil
	}
	n, err := parseCanonicalInt(v)
	if err != nil || n < lo || n > hi {
		return 0, paramError(name, "want an integer %d..%d, got %q", lo, hi, v)
	}
	return n, nil
}

func parseCanonicalInt(s string) (int, error) {
	if s == "" || len(s) > 6 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical integer")
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a canonical integer")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// parseRes reads res, the H3 resolution 0..13.
func parseRes(r *http.Request, required bool, def int) (int, error) {
	return parseSmallInt(r, "res", 0, geo.FinestRes, def, required)
}
