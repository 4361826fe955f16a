package geo

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// stopRows returns n stop rows whose every text field holds a value of its
// own, so that a field read from another's place shows, and whose terms
// repeat from row to row as a file's do.
func stopRows(n, seed int) []StopRow {
	rows := make([]StopRow, n)
	for i := range rows {
		var s [stopStrings]string
		for k := range s {
			s[k] = fmt.Sprintf("field %d value %d", k, (i+seed)%(k+2))
		}
		s[1] = fmt.Sprintf("2023-01-%02dT10:%02d:00+00:00", 1+i%28, (i+seed)%60)
		// Times in other forms are held as their text, beside those held
		// as seconds.
		switch i % 7 {
		case 3:
			s[1] = fmt.Sprintf("2023-01-%02dT10:%02d:00Z", 1+i%28, (i+seed)%60)
		case 5:
			s[1] = ""
		}
		rows[i].setStrings(&s)
		rows[i].HasLocation, rows[i].Lon, rows[i].Lat = i%3 != 0, -1.4+float64(i)/1000, 50.9+float64(seed)/1000
	}
	return rows
}

func TestStopTable(t *testing.T) {
	// The size the resident figures and the comments give.
	if got := unsafe.Sizeof(stopRow{}); got != 32 {
		t.Fatalf("a stop row takes %d bytes, not 32", got)
	}
	jan, feb := MakeMonth(2023, 1), MakeMonth(2023, 2)
	a, b := stopRows(40, 0), stopRows(25, 7)
	table := func(parts ...[]StopRow) stopTable {
		tb := newStopTableBuilder(0)
		for k, rows := range parts {
			for i := range rows {
				tb.add(Force(k+1), MakeMonth(2023, k+1), &rows[i])
			}
		}
		tab, err := tb.table()
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	whole := table(a, b)
	ta, tb := table(a), table(nil, b)
	cat, err := ta.concat(&tb)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tab  stopTable
	}{{"built whole", whole}, {"concatenated", cat}} {
		t.Run(c.name, func(t *testing.T) {
			if c.tab.len() != len(a)+len(b) {
				t.Fatalf("%d records, want %d", c.tab.len(), len(a)+len(b))
			}
			for i := range c.tab.len() {
				want := StopRecord{Force: 1, Month: jan}
				if i < len(a) {
					want.StopRow = a[i]
				} else {
					want.Force, want.Month, want.StopRow = 2, feb, b[i-len(a)]
				}
				if got := c.tab.record(i); !reflect.DeepEqual(got, want) {
					t.Fatalf("record %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
	// The snapshot holds the records, not how their table was put together.
	one, two := (&Dataset{stops: whole}).encodeStops(), (&Dataset{stops: cat}).encodeStops()
	if !bytes.Equal(one, two) {
		t.Error("the concatenated table encodes otherwise than the one built whole")
	}
	// Read back from the snapshot's encoding, which writes every time as
	// text, the table is the one built whole, times as seconds included.
	read := &Dataset{forces: newVocab(StandardForces, forceAliases)}
	if err := read.readStops(one); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read.stops, whole) {
		t.Error("the table read from its encoding differs from the one built whole")
	}
	// Times in the archive's form are not among the values.
	for _, tab := range []stopTable{whole, cat, read.stops} {
		if strings.Contains(tab.text, "+00:00") {
			t.Errorf("the values hold a time in the archive's form: %q", tab.text)
		}
	}
	if len(cat.off) <= len(whole.off) {
		t.Errorf("the concatenation holds %d values, the whole %d: concat is to keep both tables' values", len(cat.off)-1, len(whole.off)-1)
	}
	if empty, err := (&stopTable{}).concat(&ta); err != nil || !reflect.DeepEqual(empty, ta) {
		t.Errorf("an empty table then a: %v", err)
	}
}

func TestStopTimeOf(t *testing.T) {
	for _, c := range []struct {
		in      string
		seconds bool
	}{
		{"2015-03-31T23:10:00+00:00", true},
		{"2010-01-01T00:00:00+00:00", true},
		{"2024-02-29T12:00:59+00:00", true},
		{"2078-01-19T03:14:07+00:00", true},
		// Past the 31 bits of seconds, before the epoch.
		{"2078-01-19T03:14:08+00:00", false},
		{"2009-12-31T23:59:59+00:00", false},
		// Days and hours time.Date would move on.
		{"2023-02-29T10:00:00+00:00", false},
		{"2023-04-31T10:00:00+00:00", false},
		{"2023-01-01T24:00:00+00:00", false},
		{"2023-01-01T10:60:00+00:00", false},
		{"2023-01-01T10:00:60+00:00", false},
		{"2023-12-31T23:59:59+00:00", true},
		{"2023-11-31T10:00:00+00:00", false},
		{"2023-01-00T10:00:00+00:00", false},
		{"2000-02-29T10:00:00+00:00", false},
		{"2100-02-29T10:00:00+00:00", false},
		{"2023-13-01T10:00:00+00:00", false},
		{"2023-00-01T10:00:00+00:00", false},
		// Other forms.
		{"2023-01-01T10:00:00Z", false},
		{"2023-01-01T10:00:00+01:00", false},
		{"2023-01-01 10:00:00+00:00", false},
		{"2023-01-01t10:00:00+00:00", false},
		{"2023-1-01T10:00:00+00:00 ", false},
		{"+023-01-01T10:00:00+00:00", false},
		{"2023-01-01T10:00:00+00:0", false},
		{"", false},
	} {
		got, ok := stopTimeOf(c.in)
		if ok != c.seconds {
			t.Errorf("%q: held as seconds %v, want %v", c.in, ok, c.seconds)
			continue
		}
		if !ok {
			continue
		}
		want, err := time.Parse(time.RFC3339, c.in)
		if err != nil {
			t.Fatal(err)
		}
		if secs := int64(got &^ stopSeconds); secs != want.Unix()-stopEpoch {
			t.Errorf("%q: %d seconds after the epoch, want %d", c.in, secs, want.Unix()-stopEpoch)
		}
		if b := stopTimeText(got); string(b[:]) != c.in {
			t.Errorf("%q written back as %q", c.in, b[:])
		}
	}
	// Every time from the epoch on, as time.Format writes it, is held as
	// its seconds.
	for secs := int64(0); secs < int64(stopSeconds); secs += 7_919_993 {
		in := time.Unix(secs+stopEpoch, 0).UTC().Format("2006-01-02T15:04:05") + "+00:00"
		if got, ok := stopTimeOf(in); !ok || int64(got&^stopSeconds) != secs {
			t.Fatalf("%q: %d, %v; want %d seconds", in, got&^stopSeconds, ok, secs)
		}
	}
}

// FuzzStopTimeOf checks that a time held as seconds is written back as
// the text it was read from, and is the time time.Parse reads.
func FuzzStopTimeOf(f *testing.F) {
	f.Add("2015-03-31T23:10:00+00:00")
	f.Add("2023-02-29T10:00:00+00:00")
	f.Add("2010-01-01T00:00:00+00:00")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := stopTimeOf(s)
		if !ok {
			return
		}
		if b := stopTimeText(got); string(b[:]) != s {
			t.Fatalf("%q written back as %q", s, b[:])
		}
		want, err := time.Parse(time.RFC3339, s)
		if err != nil || int64(got&^stopSeconds) != want.Unix()-stopEpoch {
			t.Fatalf("%q: %d seconds after the epoch; time.Parse: %v, %v", s, got&^stopSeconds, want, err)
		}
	})
}
