package tiles

import (
	"errors"
	"strconv"
	"testing"

	"crimemap/geo"
)

// FuzzParseTile checks that the tile path parser never panics, accepts only
// tiles in range, and accepts exactly the canonical decimal spelling.
func FuzzParseTile(f *testing.F) {
	for _, s := range [][3]string{{"0", "0", "0"}, {"14", "8186", "5447"}, {"18", "262143", "262143"},
		{"19", "0", "0"}, {"3", "8", "1"}, {"01", "0", "0"}, {"-1", "0", "0"}, {"1", "+1", "0"}, {"2", "1 ", "1"}, {"", "", ""}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, zs, xs, ys string) {
		z, x, y, err := ParseTile(zs, xs, ys, MaxZoom)
		if err != nil {
			if !errors.Is(err, ErrBadTile) {
				t.Fatalf("error %v does not wrap ErrBadTile", err)
			}
			return
		}
		if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
			t.Fatalf("accepted out-of-range tile %d/%d/%d", z, x, y)
		}
		if strconv.Itoa(z) != zs || strconv.Itoa(x) != xs || strconv.Itoa(y) != ys {
			t.Fatalf("accepted %q/%q/%q, canonical %d/%d/%d", zs, xs, ys, z, x, y)
		}
	})
}

// FuzzClusterID checks that any id either is refused with
// ErrClusterNotFound or names a cluster whose leaves and expansion zoom
// can be asked for.
func FuzzClusterID(f *testing.F) {
	ds := hampshire(f)
	ix := NewIndex(ds, DefaultOptions())
	for _, s := range []string{"0", "1", "13", "45", "32", "14", "4294967295", "18446744073709551615", "-3", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ix.ParseClusterID(s)
		if err != nil {
			if !errors.Is(err, ErrClusterNotFound) {
				t.Fatalf("ParseClusterID(%q): %v does not wrap ErrClusterNotFound", s, err)
			}
			return
		}
		if strconv.FormatUint(id, 10) != s {
			t.Fatalf("accepted %q as %d", s, id)
		}
		z, err := ix.ExpansionZoom(id, nil)
		if err != nil || z < 1 || z > ix.Options().CrimesZoom {
			t.Fatalf("ExpansionZoom(%d) = %d, %v", id, z, err)
		}
		leaves, total, err := ix.Leaves(id, nil, 5, 0)
		if err != nil || total == 0 || len(leaves) == 0 {
			t.Fatalf("Leaves(%d) = %d of %d, %v", id, len(leaves), total, err)
		}
	})
}

// FuzzTileFilter renders random tiles under random filters: no panic, no
// error for a valid tile, and bytes that orb decodes within the bounds.
func FuzzTileFilter(f *testing.F) {
	ds := hampshire(f)
	ix := NewIndex(ds, Options{MaxFeatures: 50, MaxBytes: 4000})
	f.Add(uint8(10), uint32(509), uint32(342), uint16(0), uint16(0), uint64(0))
	f.Add(uint8(14), uint32(8147), uint32(5486), uint16(geo.MakeMonth(2017, 2)), uint16(geo.MakeMonth(2017, 2)), uint64(1<<2))
	f.Add(uint8(0), uint32(0), uint32(0), uint16(0), uint16(1), uint64(0xffff))
	f.Fuzz(func(t *testing.T, z uint8, x, y uint32, from, to uint16, cats uint64) {
		zz := int(z % (MaxZoom + 1))
		xx, yy := int(x%(1<<zz)), int(y%(1<<zz))
		fl := geo.Filter{From: geo.Month(from), To: geo.Month(to)}
		for c := 0; c < 64; c++ {
			if cats&(1<<c) != 0 {
				fl.Categories.Add(c)
			}
		}
		b, err := ix.Tile(t.Context(), zz, xx, yy, &fl)
		if err != nil {
			t.Fatalf("Tile(%d/%d/%d): %v", zz, xx, yy, err)
		}
		if b == nil {
			return
		}
		if len(b) > 4000 {
			t.Fatalf("%d bytes over the bound", len(b))
		}
		if ls := decode(t, b); len(ls) != 1 || len(ls[0].Features) > 50 {
			t.Fatalf("bad tile: %d layers", len(ls))
		}
	})
}
