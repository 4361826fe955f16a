package postcode

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/fault"
)

const sample = "testdata/onspd-sample.csv"

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func loadSample(t *testing.T) (*Directory, *Summary, []*ParseError) {
	t.Helper()
	var rejected []*ParseError
	d, sum, err := LoadFile(context.Background(), sample, Options{Logger: quietLogger(), OnReject: func(pe *ParseError) { rejected = append(rejected, pe) }})
	if err != nil {
		t.Fatal(err)
	}
	return d, sum, rejected
}

func TestLoadSample(t *testing.T) {
	d, sum, rejected := loadSample(t)
	tests := []struct {
		in   string
		want Record
	}{
		{"so147ly", Record{Postcode: "SO14 7LY", HasLocation: true, Lat: 50.902645, Lng: -1.400382, PFA: "E23000030", LSOA: "E01017140", Country: "E92000001"}},
		{"AB1 0AA", Record{Postcode: "AB1 0AA", HasLocation: true, Lat: 57.101474, Lng: -2.242851, PFA: "S23000009", LSOA: "S01006514", Country: "S92000003", Terminated: true, TerminatedMonth: "199606"}},
		{"ab101af", Record{Postcode: "AB10 1AF", PFA: "S23000009", Country: "S92000003", Terminated: true, TerminatedMonth: "200512"}},
		{"AB10 1AN", Record{Postcode: "AB10 1AN", HasLocation: true, Lat: 57.1497, Lng: -2.097, PFA: "S23000009", LSOA: "S01006646", Country: "S92000003"}},
		{"bt11ab", Record{Postcode: "BT1 1AB", PFA: "N23000001", Country: "N92000002"}},
		{" cf10  1ep ", Record{Postcode: "CF10 1EP", HasLocation: true, Lat: 51.478931, Lng: -3.1772, PFA: "W15000003", LSOA: "W01001875", Country: "W92000004"}},
		{"PO1 2EE", Record{Postcode: "PO1 2EE", HasLocation: true, Lat: 50.798813, Lng: -1.093296, PFA: "E23000030", LSOA: "E01017043", Country: "E92000001"}},
		{"SO14 7LQ", Record{Postcode: "SO14 7LQ", HasLocation: true, Lat: 50.902645, Lng: -1.400382, PFA: `E23, "000030"`, LSOA: "E01017140", Country: "E92000001"}},
	}
	for _, tc := range tests {
		got, err := d.Lookup(tc.in)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	// The first of two rows for SO14 7LY is kept.
	if got, want := sum.Loaded, d.Len(); got != want {
		t.Errorf("Loaded %d, Len %d", got, want)
	}
	if sum.Read != sum.Loaded+sum.Rejected {
		t.Errorf("read %d != loaded %d + rejected %d", sum.Read, sum.Loaded, sum.Rejected)
	}
	if len(rejected) != sum.Rejected {
		t.Errorf("OnReject saw %d rows, summary %d", len(rejected), sum.Rejected)
	}
	for i := 1; i < len(rejected); i++ {
		if rejected[i].Line < rejected[i-1].Line && !errors.Is(rejected[i].Err, ErrDuplicate) {
			t.Errorf("rejections out of line order: %v after %v", rejected[i], rejected[i-1])
		}
	}
	for _, bad := range []string{"SO14 7LZ", "SO14 7LX", "SO14 7LV", "SO14 7LU", "SO14 7LT", "SO14 7LS", "SO14 7LR", "SO14 7LP"} {
		if _, err := d.Lookup(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(%q) of a rejected row: %v, want ErrNotFound", bad, err)
		}
	}
}

// TestRejectedLines pins file and line of each rejected row: the sample has
// a BOM, CRLF line ends and a blank line before the rows that fail.
func TestRejectedLines(t *testing.T) {
	_, _, rejected := loadSample(t)
	var got []string
	for _, pe := range rejected {
		got = append(got, pe.Error())
	}
	want := []string{
		sample + `:30: column lat: bad coordinate: "50.9x"`,
		sample + `:31: column long: bad coordinate: "-181.000000"`,
		sample + `:32: wrong number of fields`,
		sample + `:33: column pcds: bad postcode: "SO14 LY7"`,
		sample + `:34: column doterm: month must be YYYYMM with year 1..5000: "2020-1"`,
		sample + `:36: bare " in unquoted field`,
		sample + `:37: extraneous or missing " in quoted field`,
		sample + `:38: column lat: bad coordinate: "99.999999"`,
		sample + `:39: extraneous or missing " in quoted field`,
		sample + `:35: column pcds: duplicate postcode: SO14 7LY`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLookupErrors(t *testing.T) {
	d, _, _ := loadSample(t)
	tests := []struct {
		in   string
		want error
		kind fault.Kind
	}{
		{"SO14 7LA", ErrNotFound, fault.NotFound},
		{"ZZ99 9ZZ", ErrNotFound, fault.NotFound},
		{"", ErrInvalid, fault.Invalid},
		{"SO14", ErrInvalid, fault.Invalid},
		{"SO14 7L", ErrInvalid, fault.Invalid},
		{"SO1 47LY9", ErrInvalid, fault.Invalid},
		{"SO14-7LY", ErrInvalid, fault.Invalid},
	}
	for _, tc := range tests {
		_, err := d.Lookup(tc.in)
		if !errors.Is(err, tc.want) || fault.KindOf(err) != tc.kind {
			t.Errorf("Lookup(%q) = %v (kind %v), want %v (%v)", tc.in, err, fault.KindOf(err), tc.want, tc.kind)
		}
	}
	var empty Directory
	if _, err := empty.Lookup("SO14 7LY"); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty directory: %v", err)
	}
}

func TestLoadFailures(t *testing.T) {
	hdr := "pcds,lat,long,doterm,pfa,ctry,lsoa21\n"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrNotCSV},
		{"blank header", "\r\n", ErrNotCSV},
		{"no pfa", "pcds,lat,long,doterm,ctry,lsoa21\n", ErrMissingColumn},
		{"no lsoa", "pcds,lat,long,doterm,pfa,ctry\n", ErrMissingColumn},
		{"long line", hdr + strings.Repeat("x", maxLine+1), ErrRecordTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(context.Background(), strings.NewReader(tc.in), Options{Logger: quietLogger()})
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestLoadLayouts(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"lsoa11 only, upper-case names, LF", "PCDS,LAT,LONG,DOTERM,PFA,CTRY,LSOA11\nSO14 7LY,50.902645,-1.400382,,E23000030,E92000001,E01017140\n"},
		{"quoted header, no final line break", `"pcds","lat","long","doterm","pfa","ctry","lsoa21"` + "\r\n" + `"SO14 7LY",50.902645,-1.400382,"","E23000030","E92000001","E01017140"`},
		{"empty lat and long", "pcds,lat,long,doterm,pfa,ctry,lsoa21\nSO14 7LY,,,,E23000030,E92000001,E01017140\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, sum, err := Load(context.Background(), strings.NewReader(tc.in), Options{Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			r, err := d.Lookup("so147ly")
			if err != nil || sum.Loaded != 1 || r.PFA != "E23000030" || r.LSOA != "E01017140" {
				t.Errorf("got %+v, %v, summary %+v", r, err, sum)
			}
		})
	}
}

// TestLoadBlocks loads input longer than a block, in key order and not,
// with one worker and several, and finds every row again.
func TestLoadBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("writes several blocks of rows")
	}
	for _, sorted := range []bool{true, false} {
		var b bytes.Buffer
		rows := genRows(30_000, 7, sorted, &b)
		for _, workers := range []int{1, 3} {
			d, sum, err := Load(context.Background(), bytes.NewReader(b.Bytes()), Options{Workers: workers, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Loaded != len(rows) || sum.Rejected != 0 {
				t.Fatalf("sorted %v, workers %d: %s", sorted, workers, sum)
			}
			for _, r := range rows {
				got, err := d.Lookup(r.Postcode)
				if err != nil || got != r {
					t.Fatalf("Lookup(%q) = %+v, %v; want %+v", r.Postcode, got, err, r)
				}
			}
		}
	}
}

func TestLoadContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Load(ctx, strings.NewReader("pcds,lat,long,doterm,pfa,ctry,lsoa21\n"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func writeZip(t *testing.T, members map[string][]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "onspd.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadZip(t *testing.T) {
	full, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	part := []byte("pcds,lat,long,doterm,pfa,ctry,lsoa21\nAB1 0AA,57.101474,-2.242851,,S23000009,S92000003,\n")
	tests := []struct {
		name    string
		members map[string][]byte
		member  string // "" when the load must fail
	}{
		{"ONSPD layout", map[string][]byte{
			"Data/ONSPD_FEB_2024_UK.csv":                           full,
			"Data/multi_csv/ONSPD_FEB_2024_UK_AB.csv":              part,
			"Documents/Country names and codes UK as at 08_12.csv": []byte("CTRY12CD,CTRY12NM\n"),
			"User Guide/ONSPD User Guide Feb 2024.pdf":             []byte("%PDF"),
		}, "Data/ONSPD_FEB_2024_UK.csv"},
		{"largest in Data", map[string][]byte{"Data/a.csv": part, "data/b.CSV": full}, "data/b.CSV"},
		{"single CSV", map[string][]byte{"onspd.csv": full, "readme.txt": []byte("x")}, "onspd.csv"},
		{"two CSVs outside Data", map[string][]byte{"a.csv": full, "b.csv": part}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeZip(t, tc.members)
			d, sum, err := LoadFile(context.Background(), p, Options{Logger: quietLogger()})
			if tc.member == "" {
				if !errors.Is(err, ErrNoDirectoryCSV) {
					t.Errorf("err = %v, want ErrNoDirectoryCSV", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.File != p+"!"+tc.member {
				t.Errorf("File = %q", sum.File)
			}
			if _, err := d.Lookup("SO14 7LY"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, _, err := LoadFile(context.Background(), filepath.Join(t.TempDir(), "none.csv"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

// genRows writes n synthetic rows to w and returns their records.
func genRows(n int, seed uint64, sorted bool, w io.Writer) []Record {
	var out []Record
	if err := writeONSPD(w, n, seed, sorted, func(r Record) { out = append(out, r) }); err != nil {
		panic(err)
	}
	return out
}

// TestCodeLimits fails a load whose code columns outgrow the directory's
// compact indexes rather than storing wrapped indexes.
func TestCodeLimits(t *testing.T) {
	rows := func(n int, row func(i int, k Key) string) string {
		var b strings.Builder
		b.WriteString("pcds,lat,long,doterm,pfa,ctry,lsoa21\n")
		k, _ := ParseKey("AA1 0AA")
		for i := range n {
			for {
				k++
				if back, ok := parseKey(k.String()); ok && back == k {
					break
				}
			}
			b.WriteString(row(i, k))
		}
		return b.String()
	}
	tests := []struct {
		name string
		in   string
		fail bool
	}{
		{"LSOAs at the limit", rows(maxLSOAs, func(i int, k Key) string { return fmt.Sprintf("%s,,,,P,C,L%d\n", k, i) }), false},
		{"LSOAs over", rows(maxLSOAs+1, func(i int, k Key) string { return fmt.Sprintf("%s,,,,P,C,L%d\n", k, i) }), true},
		{"pfa over", rows(maxPFAs+1, func(i int, k Key) string { return fmt.Sprintf("%s,,,,P%d,C,L\n", k, i) }), true},
		{"ctry over", rows(maxCountries+1, func(i int, k Key) string { return fmt.Sprintf("%s,,,,P,C%d,L\n", k, i) }), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, sum, err := Load(context.Background(), strings.NewReader(tc.in), Options{Logger: quietLogger()})
			if tc.fail {
				if !errors.Is(err, ErrTooManyCodes) || fault.KindOf(err) != fault.TooLarge {
					t.Errorf("err = %v, want ErrTooManyCodes", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := d.Lookup(d.record(d.Len() - 1).Postcode)
			if err != nil || r.LSOA != fmt.Sprintf("L%d", maxLSOAs-1) || sum.LSOAs != maxLSOAs {
				t.Errorf("last row %+v, %v; %d LSOAs", r, err, sum.LSOAs)
			}
		})
	}
}
