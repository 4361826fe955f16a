// Package datasets gives tests the datasets they share: the real Hampshire
// month loaded once per test binary, and a small hand-built one. It imports
// geo and ingest, so only their internal tests (package geo, package ingest)
// cannot use it; their external tests (geo_test, ingest_test) can.
package datasets

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
)

// loaded is a dataset loaded once per test binary.
type loaded struct {
	once sync.Once
	ds   *geo.Dataset
	err  error
}

func (l *loaded) get(tb testing.TB, paths ...string) *geo.Dataset {
	tb.Helper()
	l.once.Do(func() {
		l.ds, _, l.err = ingest.Load(context.Background(), paths,
			ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if l.err != nil {
		tb.Fatalf("load %v: %v", paths, l.err)
	}
	return l.ds
}

var hampshire, stops loaded

// Hampshire returns the real Hampshire month of testdata/police-uk, loaded
// once per test binary.
func Hampshire(tb testing.TB) *geo.Dataset {
	tb.Helper()
	return hampshire.get(tb, testsupport.HampshireDir(tb))
}

// StopDirs are the shared folders of real stop-and-search files: Greater
// Manchester's with coordinates and the 2018 labels, City of London's
// without coordinates, with the older labels and street files beside them.
var StopDirs = []string{"greater-manchester-stop-and-search-2018-01_08", "city-of-london-2016-01_2017-06-street-outcomes-stopsearch"}

// SharedStops returns StopDirs loaded once per test binary, skipping the
// test without the shared data.
func SharedStops(tb testing.TB) *geo.Dataset {
	tb.Helper()
	var paths []string
	for _, d := range StopDirs {
		paths = append(paths, testsupport.Shared(tb, d))
	}
	return stops.get(tb, paths...)
}

// Southampton builds a small dataset by hand: ten crimes at three snap
// points of Southampton, two of them a few metres apart, and one in
// Portsmouth, all in February 2017.
func Southampton() *geo.Dataset {
	m := geo.MakeMonth(2017, 2)
	sb := geo.NewStreetBatch(geo.Unit{Force: "hampshire", Month: m}, 0, "example")
	add := func(lon, lat float64, street, crimeType string, n int) {
		for range n {
			sb.AddStreet(&geo.StreetRow{Month: m, HasLocation: true, Lon: lon, Lat: lat,
				Location: []byte(street), CrimeType: []byte(crimeType), FallsWithin: []byte("Hampshire Constabulary")})
		}
	}
	add(-1.4044, 50.9097, "On or near Above Bar Street", "Shoplifting", 3)
	add(-1.4044, 50.9097, "On or near Above Bar Street", "Burglary", 1)
	add(-1.4046, 50.9098, "On or near Bargate", "Shoplifting", 2)
	add(-1.3950, 50.9200, "On or near Portswood Road", "Burglary", 4)
	add(-1.0900, 50.8000, "On or near Commercial Road", "Drugs", 1)
	ds, err := build(sb)
	if err != nil {
		panic(err)
	}
	return ds
}

// Build builds a dataset of hand-made street batches, failing the test on
// an error.
func Build(tb testing.TB, batches ...*geo.StreetBatch) *geo.Dataset {
	tb.Helper()
	ds, err := build(batches...)
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func build(batches ...*geo.StreetBatch) (*geo.Dataset, error) {
	b := geo.NewBuilder()
	for _, sb := range batches {
		if err := b.AddStreet(sb); err != nil {
			return nil, err
		}
	}
	ds, _, err := b.Build()
	return ds, err
}
