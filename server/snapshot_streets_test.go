package server

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

func TestStreetIndexStored(t *testing.T) {
	ds := datasets.Hampshire(t)
	want := buildStreetIndex(ds)
	part := want.snapshotPart()
	path := filepath.Join(t.TempDir(), "d.snap")
	if err := geo.WriteSnapshotFile(path, ds, part); err != nil {
		t.Fatal(err)
	}
	snap, err := geo.OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	got := newStreetIndex(snap)
	if !slices.Equal(got.lower, want.lower) {
		t.Fatal("stored street index differs")
	}
	// Used in place: the names are the mapped part's bytes.
	b := snap.SnapshotPart(streetsPartName)
	first := slices.IndexFunc(got.lower, func(s string) bool { return s != "" })
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(got.lower[first]))), uintptr(unsafe.Pointer(&b[0]))
	if p < start || p >= start+uintptr(len(b)) {
		t.Fatal("the stored street index was not used")
	}

	// One that does not fit the dataset is refused and built again.
	for name, bad := range map[string][]byte{
		"truncated": part.Data[:len(part.Data)-8],
		"other":     buildStreetIndex(datasets.Southampton()).snapshotPart().Data,
	} {
		if _, err := readStreetIndex(ds, bad); !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Errorf("%s: %v, want ErrSnapshotCorrupt", name, err)
		}
	}
}

func TestSummaryStored(t *testing.T) {
	ds := datasets.Hampshire(t)
	want := buildSummary(ds)
	part := want.snapshotPart(ds)
	got, err := readSummary(ds, part.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
	if got.forcesUsed == (geo.Set{}) {
		t.Fatal("no force marked used")
	}
	bad := geo.PartWriter{}
	for range 6 {
		bad.Uint64(0)
	}
	geo.PutColumn(&bad, []uint32{uint32(ds.Forces().Len())})
	if _, err := readSummary(ds, bad.Bytes()); !errors.Is(err, geo.ErrSnapshotCorrupt) {
		t.Fatalf("a force beyond the vocabulary: %v", err)
	}
	if _, err := readSummary(ds, part.Data[:len(part.Data)-1]); !errors.Is(err, geo.ErrSnapshotCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
}

// Points on one street share its lower-case name rather than holding a
// copy each.
func TestStreetIndexSharesNames(t *testing.T) {
	ds := datasets.Hampshire(t)
	idx := buildStreetIndex(ds)
	first := map[string]*byte{}
	shared := 0
	for p, s := range idx.lower {
		if s == "" {
			continue
		}
		if s != strings.ToLower(ds.PointStreet(geo.PointID(p))) {
			t.Fatalf("point %d: %q, want the lower case of %q", p, s, ds.PointStreet(geo.PointID(p)))
		}
		d, ok := first[s]
		if !ok {
			first[s] = unsafe.StringData(s)
			continue
		}
		if d != unsafe.StringData(s) {
			t.Fatalf("point %d: a copy of %q of its own", p, s)
		}
		shared++
	}
	if shared == 0 {
		t.Fatal("no two points share a street: the test proves nothing")
	}
}
