package geo_test

import (
	"strconv"
	"testing"

	"crimemap/geo"
)

// A Builder told to release its batches' rows builds the same dataset as
// one that keeps them, and leaves the batches empty: a load's parsed rows
// are not held beside the dataset until the build ends.
func TestReleaseRowsBuildsTheSameDataset(t *testing.T) {
	rows := hampshireRows(t)
	m, err := geo.ParseMonth(rows[0].month)
	if err != nil {
		t.Fatal(err)
	}
	build := func(release bool) (*geo.Dataset, []*geo.StreetBatch) {
		// Two forces share an Interner, as one parser's files do, and a
		// third has its own.
		shared := geo.NewInterner()
		batches := []*geo.StreetBatch{
			geo.NewStreetBatchIn(geo.Unit{Force: "hampshire", Month: m}, 1, "a", shared),
			geo.NewStreetBatchIn(geo.Unit{Force: "surrey", Month: m}, 2, "b", shared),
			geo.NewStreetBatch(geo.Unit{Force: "kent", Month: m}, 3, "c"),
		}
		for i, r := range rows {
			id := r.id
			if i%7 == 0 && id != "" {
				id = "other-" + strconv.Itoa(i) // an ID that is not 64 hex digits
			}
			lsoa := r.lsoa
			if i%5 == 0 {
				lsoa += "x" // a row whose LSOA differs from its point's first
			}
			batches[i%3].AddStreet(&geo.StreetRow{CrimeID: []byte(id), Month: m, HasLocation: r.located,
				Lon: r.lon, Lat: r.lat, Location: []byte(r.street), LSOACode: []byte(lsoa), CrimeType: []byte(r.ctype),
				LastOutcome: []byte(r.outcome), Context: []byte(r.context)})
		}
		b := geo.NewBuilder()
		if release {
			b.ReleaseRows()
		}
		for _, sb := range batches {
			if err := b.AddStreet(sb); err != nil {
				t.Fatal(err)
			}
		}
		ds, _, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return ds, batches
	}
	kept, keptBatches := build(false)
	released, releasedBatches := build(true)
	if diff := geo.SnapshotDiff(kept, released); len(diff) > 0 || kept.Version() != released.Version() {
		t.Fatalf("released rows build another dataset: %v, versions %s and %s", diff, kept.Version(), released.Version())
	}
	for i := range releasedBatches {
		if keptBatches[i].Len() == 0 {
			t.Fatalf("batch %d kept no rows", i)
		}
		if n := releasedBatches[i].Len(); n != 0 {
			t.Errorf("batch %d still holds %d rows after the build", i, n)
		}
	}
}
