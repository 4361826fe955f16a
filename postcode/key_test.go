package postcode

import (
	"errors"
	"testing"
)

func TestNormalise(t *testing.T) {
	tests := []struct {
		in, want string // want "" for ErrInvalid
	}{
		{"so147ly", "SO14 7LY"},
		{"SO14 7LY", "SO14 7LY"},
		{" so14  7ly ", "SO14 7LY"},
		{"S O 1 4 7 L Y", "SO14 7LY"},
		{"\tSO14\t7LY\r\n", "SO14 7LY"},
		{"m11ae", "M1 1AE"},
		{"W1A 1AA", "W1A 1AA"},
		{"EC1A1BB", "EC1A 1BB"},
		{"b338th", "B33 8TH"},
		{"CR2 6XH", "CR2 6XH"},
		{"GIR 0AA", "GIR 0AA"},
		{"AB1 0AA", "AB1 0AA"},
		{"", ""},
		{"   ", ""},
		{"SO14", ""},           // no inward code
		{"M1 1A", ""},          // too short
		{"SO14 7LYX", ""},      // inward is the last three: 7LYX ends LYX
		{"SO147 7LY", ""},      // outward of five
		{"1O14 7LY", ""},       // outward starts with a digit
		{"SO14 LLY", ""},       // inward starts with a letter
		{"SO14 77Y", ""},       // inward letters
		{"SO14-7LY", ""},       // punctuation
		{"SO14 7LÝ", ""},       // non-ASCII
		{"ＳＯ14 7LY", ""},       // full-width letters
		{"SO14\x007LY", ""},    // NUL
		{"SO14 7LY 1", ""},     // trailing junk
		{"SO14 7LY\u00a0", ""}, // no-break space is not a space
	}
	for _, tc := range tests {
		got, err := Normalise(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalise(%q) = %q, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Normalise(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestKeyOrder checks that keys sort as ONSPD's pcd column: the outward
// code padded with spaces to four characters.
func TestKeyOrder(t *testing.T) {
	in := []string{"AB1 0AA", "AB1 0AB", "AB10 1AA", "AB2 0AA", "B1 1AA", "BA1 1AA", "E1 6AN", "E10 5AA", "E1W 1AA", "EC1A 1BB", "ZE3 9JZ"}
	var prev Key
	for i, s := range in {
		k, err := ParseKey(s)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && k <= prev {
			t.Errorf("%s sorts before %s", s, in[i-1])
		}
		if k.String() != s {
			t.Errorf("Key(%q).String() = %q", s, k.String())
		}
		if k >= 1<<37 {
			t.Errorf("%s: key %d over 37 bits", s, k)
		}
		prev = k
	}
}

func TestParseMicro(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"50.902645", 50902645, true},
		{"-1.400382", -1400382, true},
		{"+0.5", 500000, true},
		{"0", 0, true},
		{".5", 500000, true},
		{"99.999999", 99999999, true},
		{"1.0000005", 1000001, true},
		{"1.0000004", 1000000, true},
		{"-1.23456789", -1234568, true},
		{"", 0, false},
		{"-", 0, false},
		{".", 0, false},
		{"1e5", 0, false},
		{"12345", 0, false},
		{"NaN", 0, false},
		{"1.2.3", 0, false},
		{" 1", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseMicro([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseMicro(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMonth(t *testing.T) {
	for _, s := range []string{"198001", "199606", "202412", "000101", "500012"} {
		v, ok := parseMonth([]byte(s))
		if !ok || v == 0 || formatMonth(v) != s {
			t.Errorf("month %s: %d, %v, back %q", s, v, ok, formatMonth(v))
		}
	}
	for _, s := range []string{"2020-1", "202013", "202000", "000012", "500101", "20201", "2020011", "2O2001"} {
		if _, ok := parseMonth([]byte(s)); ok {
			t.Errorf("parseMonth(%q) accepted", s)
		}
	}
}

func TestSplitter(t *testing.T) {
	// Columns 0, 2 and 3 are kept, as slots 0, 1 and 2.
	slot := []int8{0, -1, 1, 2}
	tests := []struct {
		line string
		want [3]string
		err  error
	}{
		{`a,b,c,d`, [3]string{"a", "c", "d"}, nil},
		{`"a","b",1.5,""`, [3]string{"a", "1.5", ""}, nil},
		{`"a,x","b","c""q""",d`, [3]string{"a,x", `c"q"`, "d"}, nil},
		{`,,,`, [3]string{"", "", ""}, nil},
		{`a,b,c`, [3]string{}, ErrColumnCount},
		{`a,b,c,d,e`, [3]string{}, ErrColumnCount},
		{`"a,b,c,d`, [3]string{}, ErrQuote},
		{`"a"x,b,c,d`, [3]string{}, ErrQuote},
		{`a"x,b,c,d`, [3]string{}, ErrBareQuote},
		{`",",",",",",","`, [3]string{",", ",", ","}, nil},
		{`"",b,c,"`, [3]string{}, ErrQuote},
	}
	for _, tc := range tests {
		s := newSplitter(4, slot)
		err := s.split([]byte(tc.line))
		if !errors.Is(err, tc.err) {
			t.Errorf("split(%s) err = %v, want %v", tc.line, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		got := [3]string{string(s.f[0]), string(s.f[1]), string(s.f[2])}
		if got != tc.want {
			t.Errorf("split(%s) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
