package postcode

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load: it must not panic, every row read
// is loaded or rejected, every line not rejected is a row whose postcode
// Lookup finds again, and every location is a valid coordinate.
func FuzzLoad(f *testing.F) {
	b, err := os.ReadFile(sample)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:min(len(b), 3000)])
	f.Add(b)
	f.Add([]byte("pcds,lat,long,doterm,pfa,ctry,lsoa21\nso147ly,50.9,-1.4,,E23000030,E92000001,E01017140\r\nSO14 7LY,99.999999,0.000000,199001,,,\n"))
	f.Add([]byte("\xEF\xBB\xBFpcds,lat,long,doterm,pfa,ctry,lsoa11\n\"AB1 0AA\",\"57.1\",\"-2.2\",\"\",\"S\"\"23\",\"S,9\",\"\"\n\n"))
	f.Add([]byte("lsoa21,ctry,pfa,doterm,long,lat,pcds\n,,,,,,B1 1AA\n,,,,1,,B1 1AB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rejected := map[int]bool{}
		d, sum, err := Load(context.Background(), bytes.NewReader(data), Options{Logger: quietLogger(), Workers: 2,
			OnReject: func(pe *ParseError) { rejected[pe.Line] = true }})
		if err != nil {
			if d != nil || sum != nil {
				t.Fatal("a failed load returned a directory")
			}
			return
		}
		if sum.Read != sum.Loaded+sum.Rejected || d.Len() != sum.Loaded || len(rejected) != sum.Rejected {
			t.Fatalf("counts disagree: %+v, len %d, %d lines rejected", sum, d.Len(), len(rejected))
		}
		for i := range d.Len() {
			r := d.record(i)
			got, err := d.Lookup(r.Postcode)
			if err != nil || got != r {
				t.Fatalf("row %d: %+v found as %+v, %v", i, r, got, err)
			}
			if r.HasLocation && (r.Lat < -90 || r.Lat > 90 || r.Lng < -180 || r.Lng > 180) {
				t.Fatalf("%+v: bad location", r)
			}
		}
		lines := strings.Split(strings.TrimPrefix(string(data), "\xEF\xBB\xBF"), "\n")
		hr := csv.NewReader(strings.NewReader(lines[0]))
		hr.LazyQuotes = true
		hdr, _ := hr.Read()
		col := -1
		for i, h := range hdr {
			if strings.EqualFold(strings.TrimSpace(h), "pcds") && col < 0 {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("loaded without a pcds column: %q", hdr)
		}
		for n, line := range lines[1:] {
			line = strings.TrimSuffix(line, "\r")
			if line == "" || rejected[n+2] {
				continue
			}
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil || col >= len(rec) {
				t.Fatalf("line %d %q loaded, but encoding/csv reads %q, %v", n+2, line, rec, err)
			}
			if _, err := d.Lookup(rec[col]); err != nil {
				t.Fatalf("line %d %q loaded, but %v", n+2, line, err)
			}
		}
	})
}

// FuzzSplit compares the splitter with encoding/csv on one line: the same
// fields where encoding/csv reads the line, an error where it does not.
func FuzzSplit(f *testing.F) {
	f.Add([]byte(`"AB1 0AA","AB1  0AA",57.101474,-2.242851,"",6715,"S23000009"`))
	f.Add([]byte(`a,"b,c","d""e",f"g`))
	f.Add([]byte(`"a"b,c`))
	f.Add([]byte(`12345678,"2345678","",,,,,,,,,,x`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) == 0 || bytes.ContainsAny(line, "\r\n") {
			return
		}
		want, werr := csv.NewReader(bytes.NewReader(line)).Read()
		ncol := len(want)
		if werr != nil {
			ncol = bytes.Count(line, []byte{','}) + 1
		}
		// Keep up to nslots columns, spread over the line.
		slot := make([]int8, ncol)
		for i := range slot {
			slot[i] = -1
		}
		for k := 0; k < nslots && k < ncol; k++ {
			slot[k*ncol/min(ncol, nslots)] = int8(k)
		}
		s := newSplitter(ncol, slot)
		err := s.split(line)
		if (err != nil) != (werr != nil) {
			t.Fatalf("split(%q) = %v, encoding/csv %v", line, err, werr)
		}
		if err != nil {
			return
		}
		for col, k := range slot {
			if k >= 0 && string(s.f[k]) != want[col] {
				t.Fatalf("split(%q) column %d = %q, encoding/csv %q", line, col, s.f[k], want[col])
			}
		}
	})
}
