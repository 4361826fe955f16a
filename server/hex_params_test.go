package server

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"crimemap/geo"
)

func TestParseRes(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false}, {"7", 7, false}, {"13", 13, false},
		{"14", 0, true}, {"-1", 0, true}, {"07", 0, true}, {"+7", 0, true}, {" 7", 0, true},
		{"7.0", 0, true}, {"x", 0, true}, {"99999999999999999999", 0, true},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		r.URL.RawQuery = url.Values{"res": {tc.in}}.Encode()
		got, err := parseRes(r, true, 0)
		var pe *ParamError
		if tc.wantErr != (err != nil) || got != tc.want || (err != nil && (!errors.As(err, &pe) || pe.Param != "res")) {
			t.Errorf("parseRes(%q) = %d, %v, want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	r := httptest.NewRequest("GET", "/v1/hex", nil)
	if _, err := parseRes(r, true, 0); err == nil {
		t.Errorf("missing required res: no error")
	}
	if got, err := parseRes(r, false, -1); got != -1 || err != nil {
		t.Errorf("missing optional res = %d, %v, want the default -1", got, err)
	}
}

// FuzzParseHexInts feeds arbitrary res and k values: accepted values are in
// range and print back to the input, everything else is a ParamError.
func FuzzParseHexInts(f *testing.F) {
	for _, s := range []string{"0", "13", "14", "-1", "007", "1e1", "", "5 ", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		q := r.URL.Query()
		q.Set("res", v)
		q.Set("k", v)
		r.URL.RawQuery = q.Encode()
		for _, p := range []struct {
			name   string
			hi     int
			parsed func() (int, error)
		}{
			{"res", geo.FinestRes, func() (int, error) { return parseRes(r, true, 0) }},
			{"k", MaxCellK, func() (int, error) { return parseSmallInt(r, "k", 0, MaxCellK, 0, true) }},
		} {
			n, err := p.parsed()
			if err != nil {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != p.name {
					t.Fatalf("%s=%q: error %v does not name %s", p.name, v, err, p.name)
				}
				continue
			}
			if n < 0 || n > p.hi || strconv.Itoa(n) != v {
				t.Fatalf("%s=%q parsed as %d", p.name, v, n)
			}
		}
	})
}

// FuzzParseGroupBy feeds arbitrary group_by values: either a ParamError
// naming group_by, or every comma-separated item is category, month or
// empty, and the flags say which appeared.
func FuzzParseGroupBy(f *testing.F) {
	for _, s := range []string{"category", "month", "category,month", "", ",", "street", "month,,category", " category "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		r.URL.RawQuery = url.Values{"group_by": {v}}.Encode()
		byCat, byMonth, err := parseGroupBy(r)
		var wantCat, wantMonth, bad bool
		for _, g := range strings.Split(v, ",") {
			switch strings.TrimSpace(g) {
			case "category":
				wantCat = true
			case "month":
				wantMonth = true
			case "":
			default:
				bad = true
			}
		}
		if bad {
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != "group_by" {
				t.Fatalf("group_by=%q: err %v, want a ParamError naming group_by", v, err)
			}
			return
		}
		if err != nil || byCat != wantCat || byMonth != wantMonth {
			t.Fatalf("group_by=%q = %v, %v, %v; want %v, %v", v, byCat, byMonth, err, wantCat, wantMonth)
		}
	})
}
