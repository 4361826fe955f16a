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

func TestParseGroupBy(t *testing.T) {
	tests := []struct {
		name           string
		query          string // raw query string
		byCat, byMonth bool
		err            string // the whole message, "" for none
	}{
		{"absent", "", false, false, ""},
		{"empty", "group_by=", false, false, ""},
		{"category", "group_by=category", true, false, ""},
		{"month", "group_by=month", false, true, ""},
		{"both", "group_by=category,month", true, true, ""},
		{"both reversed", "group_by=month,category", true, true, ""},
		{"repeated item", "group_by=category,category", true, false, ""},
		{"empty items skipped", "group_by=,month,,category,", true, true, ""},
		{"spaces trimmed", "group_by=%20category%20", true, false, ""},
		{"repeated parameter", "group_by=category&group_by=month", true, true, ""},
		{"unknown", "group_by=street", false, false, `parameter "group_by": want category and/or month, got "street"`},
		{"unknown after a good one", "group_by=category,street", false, false, `parameter "group_by": want category and/or month, got "street"`},
		{"case matters", "group_by=Category", false, false, `parameter "group_by": want category and/or month, got "Category"`},
		{"quoted untrimmed", "group_by=%20street", false, false, `parameter "group_by": want category and/or month, got " street"`},
		{"unknown in a second parameter", "group_by=month&group_by=force", false, false, `parameter "group_by": want category and/or month, got "force"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/hex?"+tc.query, nil)
			byCat, byMonth, err := parseGroupBy(r)
			if tc.err != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != "group_by" || err.Error() != tc.err {
					t.Fatalf("err = %v, want a ParamError %q", err, tc.err)
				}
				return
			}
			if err != nil || byCat != tc.byCat || byMonth != tc.byMonth {
				t.Fatalf("= %v, %v, %v; want %v, %v", byCat, byMonth, err, tc.byCat, tc.byMonth)
			}
		})
	}
}

// FuzzParseGroupBy feeds arbitrary group_by values and checks properties
// only: no panic; a rejection is a ParamError naming group_by; an accepted
// value's flags, written back as a group_by value, parse to the same flags.
func FuzzParseGroupBy(f *testing.F) {
	for _, s := range []string{"category", "month", "category,month", "", ",", "street", "month,,category", " category "} {
		f.Add(s)
	}
	parse := func(v string) (bool, bool, error) {
		r := httptest.NewRequest("GET", "/v1/hex", nil)
		r.URL.RawQuery = url.Values{"group_by": {v}}.Encode()
		return parseGroupBy(r)
	}
	f.Fuzz(func(t *testing.T, v string) {
		byCat, byMonth, err := parse(v)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != "group_by" {
				t.Fatalf("group_by=%q: err %v, want a ParamError naming group_by", v, err)
			}
			return
		}
		var items []string
		if byCat {
			items = append(items, "category")
		}
		if byMonth {
			items = append(items, "month")
		}
		canon := strings.Join(items, ",")
		c, m, err := parse(canon)
		if err != nil || c != byCat || m != byMonth {
			t.Fatalf("group_by=%q = %v, %v; written back as %q it parses to %v, %v, %v", v, byCat, byMonth, canon, c, m, err)
		}
	})
}
