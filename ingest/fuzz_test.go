package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"crimemap/geo"
)

// seedFiles adds the start of each real sample to a fuzz corpus.
func seedFiles(f *testing.F) {
	for _, dir := range []string{"police-uk", "ingest"} {
		for _, p := range csvFilesF(f, testdata(f, dir)) {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b[:min(len(b), 2000)])
		}
	}
}

func csvFilesF(f *testing.F, dir string) []string {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		p := dir + string(os.PathSeparator) + e.Name()
		if e.IsDir() {
			out = append(out, csvFilesF(f, p)...)
		} else if bytes.HasSuffix([]byte(p), []byte(".csv")) {
			out = append(out, p)
		}
	}
	return out
}

// FuzzParseStreet feeds arbitrary bytes to the street parser: it must not
// panic, every row read is loaded or rejected, and every loaded location is
// a valid coordinate.
func FuzzParseStreet(f *testing.F) {
	seedFiles(f)
	f.Add([]byte(streetHeader + row("2017-02", "-1", "50", `"A, ""B"""`, "Drugs")))
	f.Add([]byte(streetHeader + row("2017-02", "1e2", "-0", "A", "Drugs") + "\r\r\n\"x"))
	f.Add([]byte("Month,Longitude,Latitude,Crime type\r2017-02,-1,50,Drugs\r2017-02,,,Drugs"))
	f.Add([]byte(streetHeader + row("2017-02", "-1", "50", `"On`, "Drugs") + row("2017-02", "-1", "50", "A", "Drugs\x00")))
	f.Add([]byte(streetHeader + row("2999-12", "-1", "50", "A", "Drugs") + row("2017-03", "-1", "50", "A", "Drugs")))
	f.Add([]byte("Month,Longitude,Latitude,Crime type,month\n2017-02,-1,50,Drugs,2017-03\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rejected int
		res, err := parseFile(context.Background(), bytes.NewReader(data), "2017-02-hampshire-street.csv",
			int64(len(data)), 1, quietLogger(), func(pe *ParseError) {
				rejected++
				if pe.Line < 2 {
					t.Errorf("rejected row at line %d, before the first data line", pe.Line)
				}
				if !slices.ContainsFunc(rowReasons, func(r error) bool { return errors.Is(pe, r) }) {
					t.Errorf("rejection %v wraps no row error", pe)
				}
			})
		if err != nil {
			if !errors.Is(err, ErrNotCSV) && !errors.Is(err, ErrUnknownKind) && !errors.Is(err, ErrMissingColumn) && !errors.Is(err, ErrDuplicateColumn) {
				t.Fatalf("file error %v is none of the file errors", err)
			}
			return
		}
		c := res.counts
		if c.Read != c.Loaded+c.Rejected || c.Rejected != rejected {
			t.Fatalf("read %d, loaded %d, rejected %d (%d reported)", c.Read, c.Loaded, c.Rejected, rejected)
		}
		b := geo.NewBuilder()
		if err := addBatches(b, res); err != nil {
			t.Fatal(err)
		}
		ds, _, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != c.Loaded || ds.Len()-ds.Located() != c.NoLocation {
			t.Fatalf("dataset %d crimes (%d located), loaded %d (%d without location)", ds.Len(), ds.Located(), c.Loaded, c.NoLocation)
		}
		for p := range ds.NumPoints() {
			lon, lat := ds.PointLonLat(geo.PointID(p))
			if !geo.ValidLonLat(lon, lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
				t.Fatalf("point %d at %v,%v", p, lon, lat)
			}
		}
	})
}

// FuzzRecords checks the record splitter against encoding/csv on every input
// both dialects define the same way: valid UTF-8, no byte order mark, no lone
// carriage return (a line end here, data there), and no syntax error.
func FuzzRecords(f *testing.F) {
	seedFiles(f)
	f.Add([]byte("a,b\n\"c,d\",\"e\"\"f\"\n\n\"g\r\nh\",\r\n,\n"))
	f.Add([]byte(`"a""b",c` + "\n" + `"",""` + "\n"))
	f.Add([]byte("x\n\"unclosed\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || bytes.HasPrefix(data, bom) || bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\r")) {
			return
		}
		if bytes.Count(data, []byte("\n")) >= maxRecordLines {
			return // a quoted field may span more lines than the reader takes
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		want, err := cr.ReadAll()
		if err != nil {
			return
		}
		// A mapped file is parsed in place; a read-only copy makes a write
		// to it fault.
		readers := map[string]*recordReader{
			"read":   newRecordReader(bytes.NewReader(data), 0, nil),
			"mapped": newBytesReader(readOnly(t, data)),
		}
		for name, rr := range readers {
			var got [][]string
			for {
				_, err := rr.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: record %d: %v, but encoding/csv reads %q", name, len(got)+1, err, want)
				}
				fields := rr.fields()
				rec := make([]string, len(fields))
				for i, f := range fields {
					rec[i] = string(f)
				}
				got = append(got, rec)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s: records %q, encoding/csv %q", name, got, want)
			}
		}
	})
}

// TestRecordsSmallReads checks that records split across reads of any size
// come out the same.
func TestRecordsSmallReads(t *testing.T) {
	data := []byte("a,b\r\n\"c\r\nd\",e\rf,\"\"\"\"\n\ng")
	want := []string{"a|b", "c\nd|e", `f|"`, "g"}
	for _, n := range []int{1, 2, 3, 7} {
		rr := newRecordReader(&oneByteReader{data: data, n: n}, 0, nil)
		rr.buf = make([]byte, 4)
		var got []string
		for {
			_, err := rr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			fields := rr.fields()
			s := ""
			for i, f := range fields {
				if i > 0 {
					s += "|"
				}
				s += string(f)
			}
			got = append(got, s)
		}
		if !slices.Equal(got, want) {
			t.Errorf("reads of %d bytes: %q, want %q", n, got, want)
		}
	}
}

type oneByteReader struct {
	data []byte
	n    int
}

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[n:]
	return n, nil
}

var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// FuzzParseDecimal checks parseDecimal against strconv.ParseFloat: the same
// float64, bit for bit, for every plain decimal, and refusal of anything
// else.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"-1.160296", "50.739203", "0", "-0", "+.5", "5.", "1e308", "1e309", "123456789012345678",
		"0.1234567890123456789", "4.9e-324", "-2.74777", "1_0", "0x10", "Inf", "NaN", "", "-", ".", "1e", "00012.5000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDecimal([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		plain := plainDecimal.MatchString(s)
		switch {
		case plain && err == nil:
			if !ok || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("parseDecimal(%q) = %v, %v; strconv %v", s, got, ok, want)
			}
		case ok:
			t.Fatalf("parseDecimal(%q) = %v, want refusal (plain %v, strconv error %v)", s, got, plain, err)
		}
	})
}

// TestParseDecimalExhaustive compares parseDecimal with strconv on every
// coordinate a street file can hold at six decimals, over a band of values.
func TestParseDecimalExhaustive(t *testing.T) {
	for i := -2_000_000; i <= 2_000_000; i += 7 {
		for _, scale := range []float64{1e6, 1e5, 1e3} {
			s := strconv.FormatFloat(float64(i)/scale, 'f', -1, 64)
			vs := []string{s, s + "0"}
			if i >= 0 {
				vs = append(vs, "0"+s)
			}
			for _, v := range vs {
				want, err := strconv.ParseFloat(v, 64)
				got, ok := parseDecimal([]byte(v))
				if err != nil || !ok || got != want {
					t.Fatalf("parseDecimal(%q) = %v, %v; strconv %v, %v", v, got, ok, want, err)
				}
			}
		}
	}
}

// FuzzParseName checks file-name parsing: no panic, and a unit is found only
// in a name that spells it exactly as the archive does.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"2017-02/2017-02-hampshire-street.csv", "a\\2016-01-city-of-london-outcomes.csv",
		"2015-04-metropolitan-stop-and-search.csv", "police-uk-2014-04-merseyside-street.csv", "2017-13-x-street.csv",
		"2017-02--street.csv", "2017-02-Kent-street.csv", "README.md"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ni := parseName(name)
		if !ni.hasUnit {
			return
		}
		base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
		want := ni.unit.Month.String() + "-" + ni.unit.Force + "-" + ni.kind.String() + ".csv"
		if base != want || ni.unit.Force != geo.Slug(ni.unit.Force) {
			t.Fatalf("parseName(%q) = %+v, but the name is %q", name, ni, base)
		}
	})
}

// TestSplitASCII checks the word-at-a-time splitter against the plain one
// on lines that trip the usual zero-byte test: a byte one above the comma
// ('-') or the quote ('#') right after it, and commas at every offset of a
// word.
func TestSplitASCII(t *testing.T) {
	tests := []struct {
		line  string
		plain bool
	}{
		{",-1.14,-50.9,", true},
		{"a,-,b,#,c", true},
		{"#,\"", false},
		{"abcdefg,hijklmno,p,q,,,,,,,,,,r", true},
		{"caf\u00e9,x", false},
		{",,,,,,,,,,,,,,,,", true},
		{"", true},
		{"0123456789abcdef\"", false},
		{"-1.143597,51.350797,On or near Willow Road,E01022553", true},
	}
	for _, tt := range tests {
		var a, b recordReader
		n, plain := a.splitASCII([]byte(tt.line))
		if plain != tt.plain {
			t.Errorf("%q: plain %v, want %v", tt.line, plain, tt.plain)
			continue
		}
		if !plain {
			continue
		}
		if m := b.split([]byte(tt.line)); m != n || !slices.Equal(a.bnds, b.bnds) {
			t.Errorf("%q: fields %v, want %v", tt.line, a.bnds, b.bnds)
		}
	}
}

// FuzzResync checks that reading and mapping split any input alike, row
// errors and the lines they are reported at included: the reader's
// recovery from stray quotes and runaway records must not depend on how
// the input arrives.
func FuzzResync(f *testing.F) {
	seedFiles(f)
	f.Add([]byte("a,b\n\"stray,1\nc,d\n\"x\"y,2\ne,f\n"))
	f.Add([]byte("a,b\r\"open\r\rc,d\r"))
	f.Add([]byte("a,b\n\"" + strings.Repeat("\n", maxRecordLines+1) + "\",z\nc,d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type rec struct {
			line   int
			err    error
			fields string
		}
		read := func(rr *recordReader) []rec {
			var out []rec
			for len(out) <= len(data)+1 {
				_, err := rr.next()
				if errors.Is(err, io.EOF) {
					return out
				}
				out = append(out, rec{rr.recLine, err, fmt.Sprintf("%q", rr.fields())})
				if err != nil && !errors.Is(err, ErrQuote) && !errors.Is(err, ErrBareQuote) && !errors.Is(err, ErrInvalidUTF8) && !errors.Is(err, ErrTooLong) {
					t.Fatalf("record %d: %v", len(out), err)
				}
			}
			t.Fatalf("more records than bytes: the reader does not advance")
			return nil
		}
		streamed := read(newRecordReader(&oneByteReader{data: data, n: 7}, 0, nil))
		mapped := read(newBytesReader(readOnly(t, data)))
		if !slices.Equal(streamed, mapped) {
			t.Fatalf("read %v\nmapped %v", streamed, mapped)
		}
		for i := 1; i < len(mapped); i++ {
			if mapped[i].line <= mapped[i-1].line {
				t.Fatalf("record %d at line %d after line %d", i, mapped[i].line, mapped[i-1].line)
			}
		}
	})
}
