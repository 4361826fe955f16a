package geo

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
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
	if len(cat.off) <= len(whole.off) {
		t.Errorf("the concatenation holds %d values, the whole %d: concat is to keep both tables' values", len(cat.off)-1, len(whole.off)-1)
	}
	if empty, err := (&stopTable{}).concat(&ta); err != nil || !reflect.DeepEqual(empty, ta) {
		t.Errorf("an empty table then a: %v", err)
	}
}
