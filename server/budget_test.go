package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/geo"
	"crimemap/ingest"
)

// TestTimeBudget waits out a request's budget and checks the answer: 503
// with a JSON error naming the budget.
func TestTimeBudget(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RequestTimeout = 10 * time.Millisecond
	s := New(cfg, Deps{})
	h := s.timeBudget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		writeError(w, r, fmt.Errorf("counting: %w", r.Context().Err()))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/counts", nil))
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body.Error, "took longer than 10ms") {
		t.Errorf("got %d %q, want 503 naming the 10ms budget", rec.Code, body.Error)
	}
}

func hampshire(t *testing.T) *geo.Dataset {
	t.Helper()
	ds, _, err := ingest.Load(context.Background(), []string{"../testdata/police-uk"}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestQueriesPastTheBudgetAre503 sends area queries whose deadline has
// passed through the whole server: every one stops and answers 503.
func TestQueriesPastTheBudgetAre503(t *testing.T) {
	s := New(DefaultConfig(), Deps{})
	s.SetDataset(hampshire(t))
	poly := "51.5,-2:51.5,0:50.5,0:50.5,-2"
	geojson := `{"type":"Polygon","coordinates":[[[-2,50.5],[0,50.5],[0,51.5],[-2,51.5],[-2,50.5]]]}`
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/counts?group_by=category", geojson},
		{http.MethodGet, "/v1/crimes?limit=10&poly=" + poly, ""},
		{http.MethodGet, "/v1/hex?res=8&poly=" + poly, ""},
		{http.MethodGet, "/v1/hotspots?res=7&k=1&poly=" + poly, ""},
		{http.MethodGet, "/v1/change?res=7&from=2017-02&to=2017-02&base_from=2017-02&base_to=2017-02&poly=" + poly, ""},
		{http.MethodGet, "/api/crimes-street/all-crime?poly=" + poly, ""},
		{http.MethodGet, "/api/outcomes-at-location?poly=" + poly, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), -1)
			defer cancel()
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)).WithContext(ctx)
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/geo+json")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "took longer than") {
				t.Errorf("got %d %s, want 503 saying it took too long", rec.Code, rec.Body)
			}
		})
	}
}

// countingArea counts its point tests.
type countingArea struct {
	geo.Area
	calls atomic.Int64
}

func (a *countingArea) Contains(lon, lat float64) bool {
	a.calls.Add(1)
	return a.Area.Contains(lon, lat)
}

// TestPoliceAreaStopsPastTheCap checks that a custom area holding more than
// MaxPoliceResults crimes is refused without testing the rest of its points.
func TestPoliceAreaStopsPastTheCap(t *testing.T) {
	ds := hampshire(t)
	whole, err := geo.NewPolygon(orb.MultiPolygon{{{{-2, 50.5}, {0, 50.5}, {0, 51.5}, {-2, 51.5}}}})
	if err != nil {
		t.Fatal(err)
	}
	m := ds.LatestMonth()
	f := geo.Filter{From: m, To: m}
	a := &countingArea{Area: whole}
	if _, err := collectPolice(context.Background(), ds, a, &f); !errors.Is(err, ErrTooMany) {
		t.Fatalf("err = %v, want ErrTooMany", err)
	}
	// Points hold about two crimes each, so 10,001 crimes are found well
	// before the last point.
	if n := a.calls.Load(); n >= int64(ds.NumPoints())*9/10 {
		t.Errorf("%d of %d points tested before refusing", n, ds.NumPoints())
	}
	t.Logf("%d of %d points tested, %d crimes", a.calls.Load(), ds.NumPoints(), ds.Len())
}

// TestPoliceOutcomesStopPastTheCap builds an area of 20,000 crimes each with
// an outcome in one month and checks the outcomes search is refused once it
// passes MaxPoliceResults, not after testing every point.
func TestPoliceOutcomesStopPastTheCap(t *testing.T) {
	m := geo.MakeMonth(2017, 2)
	u := geo.Unit{Force: "hampshire", Month: m}
	sb := geo.NewStreetBatch(u, 0, "test")
	ob := geo.NewOutcomeBatch(u, 0, "test")
	const n = 20_000
	for i := range n {
		// Real Crime IDs are SHA-256 digests in hex.
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		id := []byte(hex.EncodeToString(sum[:]))
		sb.AddStreet(&geo.StreetRow{CrimeID: id, Month: m, FallsWithin: []byte("Hampshire Constabulary"), HasLocation: true,
			Lon: -1 + float64(i%200)*0.001, Lat: 51 + float64(i/200)*0.001, Location: []byte("On or near High Street"),
			CrimeType: []byte("Burglary")})
		ob.AddOutcome(&geo.OutcomeRow{CrimeID: id, Month: m, OutcomeType: []byte("Under investigation")})
	}
	b := geo.NewBuilder()
	if err := b.AddStreet(sb); err != nil {
		t.Fatal(err)
	}
	if err := b.AddOutcomes(ob); err != nil {
		t.Fatal(err)
	}
	ds, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	whole, err := geo.NewPolygon(orb.MultiPolygon{{{{-2, 50.5}, {0, 50.5}, {0, 51.5}, {-2, 51.5}}}})
	if err != nil {
		t.Fatal(err)
	}
	a := &countingArea{Area: whole}
	if _, err := outcomePoints(context.Background(), ds, a, m); !errors.Is(err, ErrTooMany) {
		t.Fatalf("err = %v, want ErrTooMany", err)
	}
	if c := a.calls.Load(); c > n*6/10 {
		t.Errorf("%d of %d points tested before refusing", c, ds.NumPoints())
	}
}
