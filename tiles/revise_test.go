package tiles

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

// TestRevised revises a force-month of monthsBatches's months in place
// (geo.Revise): crimes dropped, added and retyped at the same points. The
// index of the base, revised, must render every tile as one built over
// the revised months, for every table layout, while the index it came
// from still renders the base's tiles; and it must refuse a dataset that
// is no revision of its own.
func TestRevised(t *testing.T) {
	const nPoints = 300
	months := monthsBatches(nPoints)
	xs, ys := clusteredPoints(nPoints, 2)
	types := []string{"Burglary", "Shoplifting", "Drugs", "Vehicle crime", "Anti-social behaviour"}
	for _, k := range []int{1, 4} {
		m := geo.MakeMonth(2016, 1+k)
		rng := rand.New(rand.NewPCG(uint64(k), 9))
		sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 1, "hampshire")
		// Fewer crimes than the month had, at half the points.
		for range 2 * nPoints {
			p := 2 * rng.IntN(nPoints/2)
			lon, lat := Unproject(xs[p], ys[p])
			sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: rng.IntN(30) != 0, Lon: lon, Lat: lat,
				Location: []byte("On or near Somewhere"), CrimeType: []byte(types[rng.IntN(len(types))]),
				FallsWithin: []byte("Hampshire Constabulary")})
		}
		var old, revised []*geo.StreetBatch
		for j, month := range months {
			for _, b := range month {
				old = append(old, b)
				if j == k && b.Unit.Force == "hampshire" {
					b = sb
				}
				revised = append(revised, b)
			}
		}
		base, want := datasets.Build(t, old...), datasets.Build(t, revised...)
		got, err := geo.Revise(base, datasets.Build(t, sb), []geo.Unit{sb.Unit})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version() != want.Version() {
			t.Fatalf("month %d: version %s, a build of the revised months %s", k, got.Version(), want.Version())
		}
		tiles, filters := tileSet(want), filtersOf(t, want)
		for _, opt := range []Options{someTables, {}, {MinTableCrimes: 1, TableBytes: 1 << 30}} {
			ix := NewIndex(base, opt)
			before := map[[3]int][]byte{}
			for _, tl := range tiles {
				before[tl], _ = ix.Tile(context.Background(), tl[0], tl[1], tl[2], nil)
			}
			rx, err := ix.Revised(got)
			if err != nil {
				t.Fatal(err)
			}
			full := NewIndex(want, opt)
			sameTiles(t, rx, full, tiles, filters)
			changed := false
			for _, tl := range tiles {
				b, _ := ix.Tile(context.Background(), tl[0], tl[1], tl[2], nil)
				if !bytes.Equal(b, before[tl]) {
					t.Fatalf("tile %v of the index revised from changed", tl)
				}
				a, _ := rx.Tile(context.Background(), tl[0], tl[1], tl[2], nil)
				changed = changed || !bytes.Equal(a, b)
			}
			if !changed {
				t.Fatal("no tile changed")
			}
			if _, err := ix.Revised(want); !errors.Is(err, ErrNotExtension) {
				t.Errorf("revised as a dataset built whole: %v, want ErrNotExtension", err)
			}
		}
	}
}
