package tiles

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"crimemap/geo"
)

// reopened writes ds with the given parts as a snapshot and opens it.
func reopened(tb testing.TB, ds *geo.Dataset, parts ...geo.SnapshotPart) (*geo.Dataset, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "d.snap")
	if err := geo.WriteSnapshotFile(path, ds, parts...); err != nil {
		tb.Fatal(err)
	}
	got, err := geo.OpenSnapshot(path)
	if err != nil {
		tb.Fatal(err)
	}
	return got, path
}

// fromPart reports whether ix uses the stored part in place.
func fromPart(ix *Index) bool {
	b := ix.ds.SnapshotPart(snapshotPartName)
	if len(b) == 0 || len(ix.perm) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(&ix.perm[0]))
	start := uintptr(unsafe.Pointer(&b[0]))
	return p >= start && p < start+uintptr(len(b))
}

// sameIndex checks that two indexes answer alike: tiles' bytes at every
// zoom for several filters, and the expansion zoom and leaves of clusters.
func sameIndex(t *testing.T, want, got *Index) {
	t.Helper()
	ds := want.ds
	filters := map[string]geo.Filter{
		"all":      {},
		"category": categoryFilter(t, ds, "burglary", "vehicle-crime"),
		"months":   {From: ds.Months()[0], To: ds.Months()[0]},
	}
	if f, ok := ds.Forces().BySlug("hampshire"); ok {
		var ff geo.Filter
		ff.Forces.Add(f)
		filters["force"] = ff // not answered by the tables
	}
	for name, f := range filters {
		for z := range want.opt.CrimesZoom + 2 {
			seen := map[[2]int]bool{}
			for p := 0; p < ds.NumPoints() && len(seen) < 12; p += 97 {
				x, y := TileOf(z, want.ptX[p], want.ptY[p])
				if seen[[2]int{x, y}] {
					continue
				}
				seen[[2]int{x, y}] = true
				a, errA := want.Tile(context.Background(), z, x, y, &f)
				b, errB := got.Tile(context.Background(), z, x, y, &f)
				if errA != nil || errB != nil || !bytes.Equal(a, b) {
					t.Fatalf("%s: tile %d/%d/%d differs (%v, %v)", name, z, x, y, errA, errB)
				}
			}
		}
		for z := range want.levels {
			n := len(want.levels[z].first) - 1
			for i := 0; i < n; i += max(1, n/20) {
				id := want.clusterID(z, i)
				ea, errA := want.ExpansionZoom(id, &f)
				eb, errB := got.ExpansionZoom(id, &f)
				la, na, _ := want.Leaves(id, &f, 50, 3)
				lb, nb, _ := got.Leaves(id, &f, 50, 3)
				if ea != eb || (errA == nil) != (errB == nil) || na != nb || len(la) != len(lb) {
					t.Fatalf("%s: cluster %d: expansion %d/%d (%v, %v), leaves %d/%d", name, id, ea, eb, errA, errB, na, nb)
				}
				for k := range la {
					if la[k].Point != lb[k].Point || la[k].Count != lb[k].Count || !slices.Equal(la[k].ByCategory, lb[k].ByCategory) {
						t.Fatalf("%s: cluster %d: leaf %d differs", name, id, k)
					}
				}
			}
		}
	}
}

func TestSnapshotIndexRoundTrip(t *testing.T) {
	ds := hampshire(t)
	// Small tables budget and threshold, so that both tables and direct
	// counts are exercised.
	opt := Options{TableBytes: 1 << 20, MinTableCrimes: 32}
	want := NewIndex(ds, opt)
	got, _ := reopened(t, ds, want.SnapshotPart())
	if got.Version() != ds.Version() {
		t.Fatalf("version %s from the snapshot, %s from the CSVs", got.Version(), ds.Version())
	}
	ix := NewIndex(got, opt)
	if !fromPart(ix) {
		t.Fatal("the stored index was not used")
	}
	sameIndex(t, want, ix)
	// Written again, the part is the same bytes.
	if !bytes.Equal(ix.SnapshotPart().Data, want.SnapshotPart().Data) {
		t.Fatal("the index read back stores other bytes")
	}
}

// TestSnapshotIndexAppendedPart: a snapshot that stores its latest months
// apart (geo.AppendedPart) stores the index of the dataset with them
// appended beside them, and NewIndex reads it in place, as built.
func TestSnapshotIndexAppendedPart(t *testing.T) {
	months := monthsBatches(300)
	base := buildOn(t, nil, months[:4]...)
	part := partOn(t, base, months[4:]...)
	whole, err := geo.Append(base, part)
	if err != nil {
		t.Fatal(err)
	}
	want := NewIndex(whole, someTables)
	apart, err := geo.AppendedPart(part, want.SnapshotPart())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := reopened(t, base, NewIndex(base, someTables).SnapshotPart(), apart)
	if !fromPart(NewIndex(root, someTables)) {
		t.Fatal("the stored index of the earlier months was not used")
	}
	got, ok, err := root.WithAppended()
	if err != nil || !ok {
		t.Fatalf("%v, %v", ok, err)
	}
	ix := NewIndex(got, someTables)
	if !fromPart(ix) {
		t.Fatal("the stored index of every month was not used")
	}
	sameIndex(t, want, ix)
}

func TestSnapshotIndexOtherOptions(t *testing.T) {
	ds := hampshire(t)
	got, _ := reopened(t, ds, NewIndex(ds, Options{}).SnapshotPart())
	for _, opt := range []Options{
		{CrimesZoom: 12}, {Radius: 60}, {TileSize: 256}, {TableBytes: 1 << 20}, {MinTableCrimes: 1000},
		{TableZoom: 3},
	} {
		ix := NewIndex(got, opt)
		if fromPart(ix) {
			t.Fatalf("%+v: the index stored with other options was used", opt)
		}
		sameIndex(t, NewIndex(ds, opt), ix)
	}
	// Options that only bound the tiles keep the stored index.
	if !fromPart(NewIndex(got, Options{MaxFeatures: 100, MaxBytes: 10_000})) {
		t.Fatal("tile bounds made the index rebuild")
	}
}

func TestSnapshotIndexBroken(t *testing.T) {
	ds := hampshire(t)
	part := NewIndex(ds, Options{}).SnapshotPart()

	// A part whose checksum holds but whose content does not fit the
	// dataset is rebuilt, not used.
	short := geo.SnapshotPart{Name: part.Name, Data: part.Data[:len(part.Data)-8]}
	got, _ := reopened(t, ds, short)
	ix := NewIndex(got, Options{})
	if fromPart(ix) {
		t.Fatal("a truncated part was used")
	}
	if err := ix.readPart(short.Data); !errors.Is(err, geo.ErrSnapshotCorrupt) {
		t.Fatalf("truncated part: %v", err)
	}
	sameIndex(t, NewIndex(ds, Options{}), ix)

	// A flipped byte in the stored part refuses the whole snapshot.
	got, path := reopened(t, ds, part)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, got.SnapshotPart(snapshotPartName))
	if at < 0 {
		t.Fatal("part not found in the file")
	}
	for _, i := range []int{at, at + len(part.Data)/2, at + len(part.Data) - 1} {
		data[i] ^= 0x04
		os.WriteFile(path, data, 0o644)
		data[i] ^= 0x04
		if _, err := geo.OpenSnapshot(path); !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Fatalf("byte %d of the part flipped: %v", i-at, err)
		}
	}
}

func TestCheckPart(t *testing.T) {
	ds := hampshire(t)
	ix := NewIndex(ds, Options{})
	for _, tc := range []struct {
		name   string
		break_ func(perm []geo.PointID, lv []level)
	}{
		{"point twice", func(perm []geo.PointID, _ []level) { perm[1] = perm[0] }},
		{"point beyond", func(perm []geo.PointID, _ []level) { perm[0] = geo.PointID(len(perm)) }},
		{"children out of order", func(_ []geo.PointID, lv []level) { lv[3].child[1] = lv[3].child[len(lv[3].child)-1] + 1 }},
		{"points out of order", func(_ []geo.PointID, lv []level) { lv[0].first[0] = 1 }},
		{"table beyond", func(_ []geo.PointID, lv []level) { lv[0].table[0] = 1 << 30 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			perm := slices.Clone(ix.perm)
			lv := make([]level, len(ix.levels))
			boxes := make([][]float32, len(lv))
			for z := range lv {
				lv[z] = level{child: slices.Clone(ix.levels[z].child), first: slices.Clone(ix.levels[z].first), table: slices.Clone(ix.levels[z].table)}
				boxes[z] = ix.boxes(z)
			}
			if err := ix.checkPart(perm, lv, boxes, len(ix.tabN[0])); err != nil {
				t.Fatalf("before breaking: %v", err)
			}
			tc.break_(perm, lv)
			if err := ix.checkPart(perm, lv, boxes, len(ix.tabN[0])); !errors.Is(err, geo.ErrSnapshotCorrupt) {
				t.Fatalf("%v, want ErrSnapshotCorrupt", err)
			}
		})
	}
}

// FuzzIndexPart feeds readPart stored parts: it must refuse or install an
// index that renders without panicking.
func FuzzIndexPart(f *testing.F) {
	ds := hampshire(f)
	part := NewIndex(ds, Options{}).SnapshotPart().Data
	f.Add(part)
	f.Add(part[:len(part)/2])
	f.Add(NewIndex(ds, Options{CrimesZoom: 3}).SnapshotPart().Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Aligned as a mapped part is.
		words := make([]uint64, (len(b)+7)/8)
		data := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(b))
		copy(data, b)
		for _, opt := range []Options{{}, {CrimesZoom: 3}} {
			ix := &Index{ds: ds, opt: opt.withDefaults(), months: ds.Months(), ncat: ds.Categories().Len()}
			ix.ptX, ix.ptY = make([]float64, ds.NumPoints()), make([]float64, ds.NumPoints())
			if ix.readPart(data) != nil {
				continue
			}
			ix.finish()
			for z := range ix.opt.CrimesZoom {
				if _, err := ix.Tile(context.Background(), z, 0, 0, &geo.Filter{}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
