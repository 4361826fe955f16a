package server_test

import (
	"cmp"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/internal/benchdata"
	"crimemap/locate"
	"crimemap/server"
	"crimemap/tiles"
)

// BenchmarkNeighbourhoodPageNational renders the pages of 100 neighbourhoods
// of about 1.4 by 1.6 km around the densest snap points of the synthetic
// year (no team data: the page is the crime summary and the map), and
// reports the p50 and p99 of single requests.
func BenchmarkNeighbourhoodPageNational(b *testing.B) {
	ds := benchdata.Dataset(b)
	ps := make([]geo.PointID, ds.NumPoints())
	for p := range ps {
		ps[p] = geo.PointID(p)
	}
	size := ds.PointLen
	slices.SortFunc(ps, func(a, b geo.PointID) int { return cmp.Compare(size(b), size(a)) })
	var regions []locate.Region
	for i, p := range ps[:100] {
		lon, lat := ds.PointLonLat(p)
		ring := orb.Ring{{lon - 0.01, lat - 0.007}, {lon + 0.01, lat - 0.007}, {lon + 0.01, lat + 0.007}, {lon - 0.01, lat + 0.007}, {lon - 0.01, lat - 0.007}}
		area, err := geo.NewPolygon(orb.MultiPolygon{{ring}})
		if err != nil {
			b.Fatal(err)
		}
		regions = append(regions, locate.Region{Force: ds.Forces().Term(int(ds.Force(first(ds, p)))).Slug, ID: fmt.Sprintf("N%03d", i), Name: fmt.Sprintf("Neighbourhood %d", i), Area: area})
	}
	loc, err := locate.New(regions)
	if err != nil {
		b.Fatal(err)
	}
	s := server.New(server.DefaultConfig(), server.Deps{Locator: loc})
	// SetDataset builds hex columns in the background; build them first so
	// that work does not compete with the pages measured.
	ds.PrepareHex(tiles.HexZoomRes[:]...)
	s.SetDataset(ds)
	paths := make([]string, len(regions))
	for i, r := range regions {
		paths[i] = "/neighbourhoods/" + r.Force + "/" + r.ID
	}
	// The first page of a dataset version finds each force's latest month.
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", paths[0], nil))
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
		w := httptest.NewRecorder()
		start := time.Now()
		s.ServeHTTP(w, req)
		times = append(times, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("%s: %d %s", paths[i%len(paths)], w.Code, w.Body)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1e3, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1e3, "p99-ms")
}

func first(ds *geo.Dataset, p geo.PointID) geo.CrimeID { c, _ := ds.PartCrimes(0, p); return c }
