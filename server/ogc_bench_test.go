package server_test

import (
	"io"
	"net/http"
	"testing"

	"crimemap/internal/benchdata"
)

// BenchmarkOGCItemsRadius is the first page of 1,000 of the crimes within
// a mile of the densest city centres, with its numberMatched.
func BenchmarkOGCItemsRadius(b *testing.B) {
	benchPaths(b, radiusPaths(benchdata.Dataset(b), "/ogc/collections/crimes/items?lat=%.6f&lng=%.6f&radius_m=1609.344&datetime=%[3]s-01&limit=1000"))
}

// BenchmarkOGCItemsEverywhere is a first page of the default size with no
// area, as a GIS client opening the collection asks: its numberMatched
// counts the whole dataset.
func BenchmarkOGCItemsEverywhere(b *testing.B) {
	benchPaths(b, []string{"/ogc/collections/crimes/items"})
}

// BenchmarkOGCStopsItems is a first page of 1,000 of the stops in central
// Manchester (the shared Greater Manchester files), with its numberMatched.
func BenchmarkOGCStopsItems(b *testing.B) {
	ts := stopsServer(b)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.Get(ts.URL + "/ogc/collections/stops/items?bbox=-2.4,53.4,-2.1,53.6&limit=1000")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}
