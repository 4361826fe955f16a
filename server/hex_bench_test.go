package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/synth"
)

var benchData struct {
	once sync.Once
	ds   *geo.Dataset
	err  error
}

// benchDataset loads the synthetic 6M-crime year when CRIMEMAP_BENCH_DATA
// is "synth", or the folder it names.
func benchDataset(b *testing.B) *geo.Dataset {
	dir := os.Getenv("CRIMEMAP_BENCH_DATA")
	if dir == "" {
		b.Skip("CRIMEMAP_BENCH_DATA not set (a folder, or \"synth\")")
	}
	benchData.once.Do(func() {
		if dir == "synth" {
			if dir, benchData.err = synth.EnsureDir(synth.DefaultConfig()); benchData.err != nil {
				return
			}
		}
		benchData.ds, _, benchData.err = ingest.Load(context.Background(), []string{dir},
			ingest.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.ds
}

// discard is a ResponseWriter that throws the body away.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkHexEncodeNational measures encoding alone: the national
// resolution 7 map of one category, as GeoJSON and as CSV.
func BenchmarkHexEncodeNational(b *testing.B) {
	ds := benchDataset(b)
	burglary, _ := ds.Categories().BySlug("burglary")
	var f geo.Filter
	f.Categories.Add(burglary)
	hc, err := ds.HexCounts(geo.HexQuery{Res: 7, Filter: f})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/v1/hex?res=7&category=burglary", nil)
	b.Run("geojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeHexGeoJSON(&discard{h: http.Header{}}, r, ds, hc)
		}
		b.ReportMetric(float64(hc.Len()), "cells")
	})
	b.Run("csv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeHexCSV(&discard{h: http.Header{}}, ds, hc)
		}
	})
}
