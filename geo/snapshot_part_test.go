package geo_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"crimemap/geo"
)

// testParts are two parts laid out by PartWriter: numbers, columns of
// several widths, an empty column and strings.
func testParts() []geo.SnapshotPart {
	var w geo.PartWriter
	w.Uint64(42)
	geo.PutColumn(&w, []uint32{1, 2, 3})
	geo.PutColumn(&w, []float64{0.5, -1})
	geo.PutColumn(&w, []int32{})
	w.PutStrings([]string{"on or near a street", "", "x"})
	return []geo.SnapshotPart{{Name: "test/a", Data: w.Bytes()}, {Name: "test/b", Data: []byte("odd length")}}
}

func TestSnapshotParts(t *testing.T) {
	ds := everything(t)
	var buf bytes.Buffer
	if err := geo.WriteSnapshot(&buf, ds, testParts()...); err != nil {
		t.Fatal(err)
	}
	data := aligned(buf.Bytes())
	got, err := geo.ReadSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.SnapshotPart("missing") != nil || ds.SnapshotPart("test/a") != nil {
		t.Fatal("a part that was not stored is there")
	}
	if string(got.SnapshotPart("test/b")) != "odd length" {
		t.Fatalf("part b is %q", got.SnapshotPart("test/b"))
	}
	r := geo.NewPartReader(got.SnapshotPart("test/a"), "part a")
	n, u, f, e, s := r.Uint64(), geo.Column[uint32](r), geo.Column[float64](r), geo.Column[int32](r), r.Strings()
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 42 || !slices.Equal(u, []uint32{1, 2, 3}) || !slices.Equal(f, []float64{0.5, -1}) || len(e) != 0 ||
		!slices.Equal(s, []string{"on or near a street", "", "x"}) {
		t.Fatalf("read back %d %v %v %v %q", n, u, f, e, s)
	}
	// Every byte of a part is covered by the file's checks.
	edges := sectionEdges(data)
	last := edges[len(edges)-2]
	for i := last; i < len(data); i++ {
		data[i] ^= 0x10
		_, err := geo.ReadSnapshot(data)
		data[i] ^= 0x10
		if !errors.Is(err, geo.ErrSnapshotCorrupt) {
			t.Fatalf("byte %d of the last part flipped: %v", i, err)
		}
	}
}

func TestSnapshotPartsRefused(t *testing.T) {
	ds := everything(t)
	twice := append(testParts(), testParts()[0])
	if err := geo.WriteSnapshot(&bytes.Buffer{}, ds, twice...); err == nil {
		t.Fatal("a part written twice")
	}
	many := make([]geo.SnapshotPart, geo.MaxSnapshotParts+1)
	for i := range many {
		many[i].Name = strings.Repeat("p", i+1)
	}
	if err := geo.WriteSnapshot(&bytes.Buffer{}, ds, many...); err == nil {
		t.Fatal("too many parts written")
	}
}

func TestPartReaderCorrupt(t *testing.T) {
	var w geo.PartWriter
	geo.PutColumn(&w, []uint64{7, 8})
	w.PutStrings([]string{"ab", "c"})
	good := w.Bytes()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"short", good[:len(good)-1]},
		{"long", append(bytes.Clone(good), 0, 0, 0, 0, 0, 0, 0, 0)},
		{"column length", append([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, good[8:]...)},
		{"odd column", append([]byte{15, 0, 0, 0, 0, 0, 0, 0}, good[8:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := geo.NewPartReader(aligned(tc.b), "test")
			geo.Column[uint64](r)
			r.Strings()
			if err := r.Err(); !errors.Is(err, geo.ErrSnapshotCorrupt) {
				t.Fatalf("%v, want ErrSnapshotCorrupt", err)
			}
		})
	}
}
