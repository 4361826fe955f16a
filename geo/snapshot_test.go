package geo_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"crimemap/fault"
	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
	"crimemap/internal/testsupport/datasets"
)

// aligned copies b into memory aligned as a mapped file is.
func aligned(b []byte) []byte {
	words := make([]uint64, (len(b)+7)/8)
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(b))
	copy(out, b)
	return out
}

func snapshotBytes(tb testing.TB, ds *geo.Dataset) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := geo.WriteSnapshot(&buf, ds); err != nil {
		tb.Fatal(err)
	}
	return aligned(buf.Bytes())
}

// everything builds a small dataset that uses every part of a snapshot:
// Crime IDs in and out of the 64-hex form, contexts, an unlocated crime, a
// non-standard crime type, outcome and force, outcome histories and stop
// and search.
func everything(tb testing.TB) *geo.Dataset {
	tb.Helper()
	m := geo.MakeMonth(2017, 2)
	b := geo.NewBuilder()
	for i, force := range []string{"hampshire", "made-up-force"} {
		sb := geo.NewStreetBatch(geo.Unit{Force: force, Month: m}, i, "everything")
		hexID := strings.Repeat("ab", 31) + "0" + string(rune('1'+i))
		rows := []geo.StreetRow{
			{CrimeID: []byte(hexID), Month: m, HasLocation: true, Lon: -1.4044, Lat: 50.9097, Location: []byte("On or near Above Bar Street"),
				LSOACode: []byte("E01017140"), LSOAName: []byte("Southampton 029A"), CrimeType: []byte("Burglary"), LastOutcome: []byte("Under investigation")},
			{CrimeID: []byte("not-hex-" + force), Month: m, HasLocation: true, Lon: -1.39, Lat: 50.92, Location: []byte("On or near Portswood Road"),
				CrimeType: []byte("Made-up crime"), LastOutcome: []byte("Made-up outcome"), Context: []byte("some context"), FallsWithin: []byte("Made Up Force")},
			{Month: m, CrimeType: []byte("Anti-social behaviour")},
		}
		for k := range rows {
			sb.AddStreet(&rows[k])
		}
		if err := b.AddStreet(sb); err != nil {
			tb.Fatal(err)
		}
		ob := geo.NewOutcomeBatch(geo.Unit{Force: force, Month: m}, i, "everything")
		ob.AddOutcome(&geo.OutcomeRow{CrimeID: []byte(hexID), Month: m, OutcomeType: []byte("Offender fined")})
		ob.AddOutcome(&geo.OutcomeRow{CrimeID: []byte("not-hex-" + force), Month: m, OutcomeType: []byte("Another made-up outcome")})
		if err := b.AddOutcomes(ob); err != nil {
			tb.Fatal(err)
		}
		if err := b.AddStops(&geo.StopBatch{Unit: geo.Unit{Force: force, Month: m}, Seq: i, Rows: []geo.StopRow{
			{Type: "Person search", Date: "2017-02-01T10:00:00+00:00", HasLocation: true, Lon: -1.4, Lat: 50.9, Gender: "Male", Outcome: "Arrest"},
			{Type: "Vehicle search", Date: "2017-02-02T11:00:00+00:00", Gender: "Female"},
		}}); err != nil {
			tb.Fatal(err)
		}
	}
	ds, _, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func sharedDataset(tb testing.TB) *geo.Dataset {
	tb.Helper()
	var paths []string
	for _, name := range []string{"city-of-london-2016-01_2017-06-street-outcomes-stopsearch", "btp-street-2020-01",
		"essex-street-2018-01_05-renamed-header", "merseyside-street-2014-04-cr-line-endings", "tiny-excerpts-avon-bedfordshire-2018-01"} {
		paths = append(paths, testsupport.Shared(tb, name))
	}
	ds, _, err := ingest.Load(context.Background(), paths, ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func TestSnapshotRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		ds   func(testing.TB) *geo.Dataset
	}{
		{"empty", func(tb testing.TB) *geo.Dataset { ds, _, _ := geo.NewBuilder().Build(); return ds }},
		{"southampton", func(testing.TB) *geo.Dataset { return datasets.Southampton() }},
		{"everything", everything},
		{"hampshire", datasets.Hampshire},
		{"shared", sharedDataset},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := tc.ds(t)
			data := snapshotBytes(t, ds)
			got, err := geo.ReadSnapshot(data)
			if err != nil {
				t.Fatal(err)
			}
			if !geo.HexLevelsBuilt(got) || !geo.HexCubesBuilt(got) {
				t.Fatal("the hex levels or counts were not read from the snapshot")
			}
			if d := geo.SnapshotDiff(ds, got); len(d) > 0 {
				t.Fatalf("read back differs in %v", d)
			}
			if !geo.HexLevelsEqual(ds, got) {
				t.Fatal("read back hex levels differ")
			}
			// The version is stored, and must also be what the content
			// read back hashes to.
			if v := geo.RecomputedVersion(got); v != ds.Version() || got.Version() != ds.Version() {
				t.Fatalf("version %s, stored %s, recomputed %s", ds.Version(), got.Version(), v)
			}
			if again := snapshotBytes(t, got); !bytes.Equal(again, data) {
				t.Fatal("a snapshot of the read-back dataset is not the same bytes")
			}
		})
	}
}

// TestReleaseMapped: released, the snapshot's pages leave the process's
// resident memory, and the dataset still reads as it did, from the file.
func TestReleaseMapped(t *testing.T) {
	ds := datasets.Hampshire(t)
	_, got := snapshotFile(t, ds)
	before, ok := rssFileKiB(t)
	if !ok {
		t.Skip("no RssFile in /proc/self/status here")
	}
	got.ReleaseMapped()
	after, _ := rssFileKiB(t)
	if size := got.MappedBytes() / 1024; before-after < size*9/10 {
		t.Errorf("resident file pages %d KiB before and %d after, want about %d fewer", before, after, size)
	}
	if d := geo.SnapshotDiff(ds, got); len(d) > 0 {
		t.Fatalf("released snapshot reads otherwise in %v", d)
	}
	ds.ReleaseMapped() // built from rows: nothing to release
}

// snapshotFile writes ds to a snapshot file and opens it.
func snapshotFile(t *testing.T, ds *geo.Dataset) (path string, opened *geo.Dataset) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "d.snap")
	if err := geo.WriteSnapshotFile(path, ds); err != nil {
		t.Fatal(err)
	}
	opened, err := geo.OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, opened
}

// rssFileKiB returns the process's resident file-backed memory.
func rssFileKiB(t *testing.T) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func TestOpenSnapshotFile(t *testing.T) {
	ds := everything(t)
	path, got := snapshotFile(t, ds)
	if d := geo.SnapshotDiff(ds, got); len(d) > 0 {
		t.Fatalf("opened snapshot differs in %v", d)
	}
	if !geo.StoredSumsHold(got) {
		t.Fatal("the opened dataset's version sums are not the stored ones, or not its crimes'")
	}
	if fi, err := os.Stat(path); err != nil || got.MappedBytes() != fi.Size() || ds.MappedBytes() != 0 {
		t.Fatalf("mapped bytes %d opened and %d built, want the file's size and 0 (%v)", got.MappedBytes(), ds.MappedBytes(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left beside the snapshot: %v", entries)
	}
	if _, err := geo.OpenSnapshot(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing file opened")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if _, err := geo.OpenSnapshot(empty); !errors.Is(err, geo.ErrSnapshotCorrupt) {
		t.Fatalf("empty file: %v", err)
	}
}

// TestWriteSnapshotOverOnlyAFile: the snapshot is renamed over its path,
// so a path that is a link, a directory or a device (-out /dev/null) is
// refused and left as it was.
func TestWriteSnapshotOverOnlyAFile(t *testing.T) {
	ds := everything(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{link, sub} {
		err := geo.WriteSnapshotFile(path, ds)
		if !fault.Is(err, fault.Invalid) {
			t.Errorf("%s: %v, want an invalid-kind error", filepath.Base(path), err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "kept" {
		t.Errorf("the link's target was written: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("files left behind: %v", entries)
	}
	// Over an existing regular file it is replaced.
	if err := geo.WriteSnapshotFile(target, ds); err != nil {
		t.Fatal(err)
	}
}

// sectionEdges returns every offset where the header or a section starts
// or ends, read from the header.
func sectionEdges(data []byte) []int {
	le := binary.LittleEndian
	headLen := int(le.Uint32(data[12:]))
	p := 16
	p += 4 + int(le.Uint32(data[p:]))
	p += 4 + int(le.Uint32(data[p:]))
	n := int(le.Uint32(data[p:]))
	p += 4
	edges := []int{0, 8, 12, 16, headLen}
	for range n {
		off, length := int(le.Uint64(data[p+8:])), int(le.Uint64(data[p+16:]))
		edges = append(edges, off, off+length)
		p += 32
	}
	return edges
}

func TestSnapshotTruncated(t *testing.T) {
	data := snapshotBytes(t, datasets.Hampshire(t))
	cuts := sectionEdges(data)
	for _, e := range sectionEdges(data) {
		cuts = append(cuts, e-1, e+1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		cuts = append(cuts, r.IntN(len(data)))
	}
	for _, n := range cuts {
		if n < 0 || n >= len(data) {
			continue
		}
		if _, err := geo.ReadSnapshot(data[:n]); !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Fatalf("cut at %d of %d: %v, want ErrSnapshotCorrupt", n, len(data), err)
		}
	}
	// Bytes beyond the last section are refused too.
	if _, err := geo.ReadSnapshot(aligned(append(bytes.Clone(data), 0))); !errors.Is(err, geo.ErrSnapshotCorrupt) {
		t.Fatalf("a byte appended: %v", err)
	}
}

// TestSnapshotEveryByteFlipped flips each byte of a small snapshot in turn:
// every one is caught, by a checksum, the padding check or the header.
func TestSnapshotEveryByteFlipped(t *testing.T) {
	data := snapshotBytes(t, everything(t))
	for i := range data {
		data[i] ^= 0x10
		_, err := geo.ReadSnapshot(data)
		data[i] ^= 0x10
		if err == nil {
			t.Fatalf("byte %d of %d flipped: read without error", i, len(data))
		}
		if i >= 16 && !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Fatalf("byte %d flipped: %v, want ErrSnapshotCorrupt", i, err)
		}
	}
}

func TestSnapshotChecksumNamed(t *testing.T) {
	data := snapshotBytes(t, datasets.Hampshire(t))
	edges := sectionEdges(data)
	for k := 5; k+1 < len(edges); k += 2 {
		if edges[k] == edges[k+1] {
			continue
		}
		i := (edges[k] + edges[k+1]) / 2
		data[i] ^= 1
		_, err := geo.ReadSnapshot(data)
		data[i] ^= 1
		if !errors.Is(err, geo.ErrSnapshotCorrupt) || !strings.Contains(err.Error(), "checksum mismatch") {
			t.Fatalf("byte %d flipped in section %d: %v", i, (k-3)/2, err)
		}
	}
}

func TestSnapshotOtherFormatOrBuild(t *testing.T) {
	ds := datasets.Southampton()
	for _, tc := range []struct {
		format   uint32
		identity string
		want     error
	}{
		{geo.SnapshotFormat - 1, geo.BuildIdentity(), geo.ErrSnapshotFormat},
		{geo.SnapshotFormat + 1, geo.BuildIdentity(), geo.ErrSnapshotFormat},
		{geo.SnapshotFormat, "crimemap@v0.0.1 vcs.revision=0123456789", geo.ErrSnapshotBuild},
	} {
		var buf bytes.Buffer
		if err := geo.WriteSnapshotAs(&buf, ds, tc.format, tc.identity); err != nil {
			t.Fatal(err)
		}
		_, err := geo.ReadSnapshot(aligned(buf.Bytes()))
		if !errors.Is(err, tc.want) {
			t.Errorf("format %d, build %q: %v, want %v", tc.format, tc.identity, err, tc.want)
		}
	}
}

func FuzzSnapshotRead(f *testing.F) {
	valid := snapshotBytes(f, everything(f))
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(snapshotBytes(f, datasets.Southampton()))
	var withParts bytes.Buffer
	if err := geo.WriteSnapshot(&withParts, everything(f), testParts()...); err != nil {
		f.Fatal(err)
	}
	f.Add(withParts.Bytes())
	// A snapshot with its latest months stored apart: the part is itself
	// a snapshot, read when appended.
	base, months := geo.SplitMonths(datasets.Hampshire(f), 1)
	apart, err := geo.AppendedPart(months[0])
	if err != nil {
		f.Fatal(err)
	}
	var split bytes.Buffer
	if err := geo.WriteSnapshot(&split, base, apart); err != nil {
		f.Fatal(err)
	}
	if ds, err := geo.ReadSnapshot(aligned(split.Bytes())); err != nil {
		f.Fatal(err)
	} else if _, ok, err := ds.WithAppended(); !ok || err != nil {
		f.Fatalf("the split seed's months apart: %v, %v", ok, err)
	}
	f.Add(split.Bytes())
	f.Add([]byte("CMSNAP\r\n\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := geo.ReadSnapshot(aligned(b))
		if err != nil {
			return
		}
		if whole, ok, err := ds.WithAppended(); ok && err == nil {
			ds = whole
		}
		// Whatever reads must answer without panicking.
		for c := range geo.CrimeID(ds.Len()) {
			ds.Crime(c)
			ds.OutcomeHistory(c)
		}
		for p := range geo.PointID(ds.NumPoints()) {
			ds.Point(p)
		}
		if b := ds.SnapshotPart("test/a"); b != nil {
			r := geo.NewPartReader(b, "part a")
			r.Uint64()
			geo.Column[uint32](r)
			r.Strings()
			_ = r.Err()
		}
	})
}

// FuzzSnapshotOwnParts: the dataset's own parts of a snapshot (unmatched
// outcome rows, version sums) decode or fail with an error, whatever
// their bytes.
func FuzzSnapshotOwnParts(f *testing.F) {
	unmatched, sums := geo.OwnParts(everything(f))
	f.Add(unmatched, sums)
	f.Add(unmatched[:len(unmatched)/2], sums[:3])
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, unmatched, sums []byte) {
		err := geo.ReadOwnParts(aligned(unmatched), aligned(sums))
		if err != nil && !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Fatalf("error %v does not wrap ErrSnapshotCorrupt", err)
		}
	})
}
