package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"crimemap/geo"
	"crimemap/internal/benchdata"
)

// benchDataset is the synthetic national year, or the folder named by
// CRIMEMAP_BENCH_DATA.
func benchDataset(b *testing.B) *geo.Dataset { return benchdata.Dataset(b) }

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
	hc, err := ds.HexCounts(context.Background(), geo.HexQuery{Res: 7, Filter: f})
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
