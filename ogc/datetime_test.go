package ogc_test

import (
	"errors"
	"testing"

	"crimemap/geo"
	"crimemap/ogc"
)

func TestParseDatetime(t *testing.T) {
	m := geo.MakeMonth
	for _, tc := range []struct {
		in       string
		from, to geo.Month
		bad      bool
	}{
		{in: ""},
		{in: "2024-02-15", from: m(2024, 2), to: m(2024, 2)},
		{in: "2024-02-15T10:30:00Z", from: m(2024, 2), to: m(2024, 2)},
		{in: "2024-02-15t10:30:00.123z", from: m(2024, 2), to: m(2024, 2)},
		{in: "2024-01-31T23:30:00-01:00", from: m(2024, 1), to: m(2024, 1)},
		{in: "2024-01-01/2024-03-31", from: m(2024, 1), to: m(2024, 3)},
		{in: "2024-01-15/..", from: m(2024, 1)},
		{in: "../2024-03-31", to: m(2024, 3)},
		{in: "/2024-03-31", to: m(2024, 3)},
		{in: "2024-01-01/", from: m(2024, 1)},
		{in: "../.."},
		{in: "2024-03-01/2024-03-01", from: m(2024, 3), to: m(2024, 3)},
		{in: "2024-04-01/2024-03-31", bad: true},
		{in: "2024-02", bad: true},
		{in: "2024-02-30", bad: true},
		{in: "2024-02-15T10:30:00", bad: true},
		{in: "..", bad: true},
		{in: "2024-01-01/2024-02-01/2024-03-01", bad: true},
		{in: "0000-01-01", bad: true},
		{in: "5001-01-01", bad: true},
		{in: "x/2024-01-01", bad: true},
	} {
		from, to, err := ogc.ParseDatetime(tc.in)
		if tc.bad {
			if !errors.Is(err, ogc.ErrDatetime) {
				t.Errorf("ParseDatetime(%q) = %v, %v, %v; want ErrDatetime", tc.in, from, to, err)
			}
			continue
		}
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("ParseDatetime(%q) = %v, %v, %v; want %v, %v", tc.in, from, to, err, tc.from, tc.to)
		}
	}
}

func TestMonthInterval(t *testing.T) {
	got := ogc.MonthInterval(geo.MakeMonth(2023, 11), geo.MakeMonth(2024, 2))
	if want := [2]string{"2023-11-01T00:00:00Z", "2024-02-29T23:59:59Z"}; got != want {
		t.Errorf("MonthInterval = %v, want %v", got, want)
	}
}

// FuzzParseDatetime checks that any input gives months in order or
// ErrDatetime, and that a month read back selects itself.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"", "2024-02-15", "2024-01-01/..", "../2024-03-31T00:00:00Z", "2024-01-31T23:30:00-01:00/2024-02-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := ogc.ParseDatetime(s)
		if err != nil {
			if !errors.Is(err, ogc.ErrDatetime) {
				t.Fatalf("ParseDatetime(%q): %v is not ErrDatetime", s, err)
			}
			return
		}
		if from != 0 && to != 0 && from > to {
			t.Fatalf("ParseDatetime(%q) = %v > %v", s, from, to)
		}
		for _, m := range []geo.Month{from, to} {
			if m == 0 {
				continue
			}
			iv := ogc.MonthInterval(m, m)
			a, b, err := ogc.ParseDatetime(iv[0] + "/" + iv[1])
			if err != nil || a != m || b != m {
				t.Fatalf("month %v of %q: its interval %v reads as %v, %v, %v", m, s, iv, a, b, err)
			}
		}
	})
}
