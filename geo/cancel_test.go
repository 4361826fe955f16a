package geo_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"
	h3 "github.com/uber/h3-go/v4"

	"crimemap/geo"
)

// cancelOnContains is an area that cancels a context at its first point
// test and counts the tests made, so a scan's work after the cancellation
// is measured in points, not time.
type cancelOnContains struct {
	geo.Area
	cancel context.CancelFunc
	calls  atomic.Int64
}

func (a *cancelOnContains) Contains(lon, lat float64) bool {
	if a.calls.Add(1) == 1 {
		a.cancel()
	}
	return a.Area.Contains(lon, lat)
}

// TestScansStopWhenContextEnds runs every area query over a 100,000-vertex
// polygon holding the whole dataset, cancelling the context at the first
// point tested: each must return context.Canceled having tested a few
// hundred points at most, not every point.
func TestScansStopWhenContextEnds(t *testing.T) {
	ds := build(t, hampshireRows(t), "hampshire")
	england, err := geo.NewPolygon(orb.MultiPolygon{{EnglandPolygon(100_000)}})
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]func(ctx context.Context, a geo.Area) error{
		"Count": func(ctx context.Context, a geo.Area) error {
			_, err := ds.Count(ctx, a, &geo.Filter{})
			return err
		},
		"PageIn": func(ctx context.Context, a geo.Area) error {
			_, err := ds.PageIn(ctx, a, &geo.Filter{}, -1, 10)
			return err
		},
		"SortedPointsIn": func(ctx context.Context, a geo.Area) error {
			_, err := ds.SortedPointsIn(ctx, a)
			return err
		},
		"HexCounts": func(ctx context.Context, a geo.Area) error {
			_, err := ds.HexCounts(ctx, geo.HexQuery{Res: 9, Area: a, ByCategory: true})
			return err
		},
		"CrimesIn": func(ctx context.Context, a geo.Area) error {
			for range ds.CrimesIn(ctx, a, &geo.Filter{}) {
			}
			return ctx.Err()
		},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			if err := q(context.Background(), england); err != nil {
				t.Fatalf("without cancellation: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a := &cancelOnContains{Area: england, cancel: cancel}
			err := q(ctx, a)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			// Two goroutines may each finish the R-tree entries up to
			// their next look at the context.
			if n := a.calls.Load(); n > 400 || 4*n > int64(ds.NumPoints()) {
				t.Errorf("%d points tested after cancelling, of %d", n, ds.NumPoints())
			}
		})
	}
	t.Run("CountCells", func(t *testing.T) {
		lon, lat := ds.PointLonLat(0)
		cell := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, 8)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ds.CountCells(ctx, h3.GridDisk(cell, 3), &geo.Filter{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("expired deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), -1)
		defer cancel()
		if _, err := ds.Count(ctx, england, &geo.Filter{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}
