package server

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/internal/testsupport/datasets"
)

func fuzzServer(f testing.TB) *Server {
	s := New(DefaultConfig(), Deps{})
	s.SetDataset(datasets.Hampshire(f))
	return s
}

// FuzzParseArea feeds arbitrary area parameters: the parser never panics,
// rejects with a ParamError, and every area it accepts is valid.
func FuzzParseArea(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range []string{
		"lat=50.9&lng=-1.4&radius_m=1609", "bbox=-1.5,50.8,-1.3,51", "poly=50.9,-1.4:50.95,-1.4:50.95,-1.3",
		"lat=91&lng=0&radius_m=1", "bbox=1,2,3", "poly=1,2", "lat=NaN&lng=1&radius_m=1", "radius_m=5",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/v1/crimes?"+url.PathEscape(q), nil)
		r.URL.RawQuery = q
		a, err := s.parseArea(r, MaxRadiusM)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) && !errors.Is(err, errNoArea) {
				t.Fatalf("parseArea(%q): error %v is not a ParamError", q, err)
			}
			return
		}
		b := a.Bound()
		if !(b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1]) {
			t.Fatalf("parseArea(%q): bound %v", q, b)
		}
		if c, ok := a.(*geo.Circle); ok && !(c.Radius > 0 && c.Radius <= MaxRadiusM) {
			t.Fatalf("parseArea(%q): radius %v", q, c.Radius)
		}
	})
}

// FuzzParseFilter feeds arbitrary filter parameters.
func FuzzParseFilter(f *testing.F) {
	s := fuzzServer(f)
	snap, err := s.current()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"from=2017-01&to=2017-02", "category=burglary,drugs", "force=hampshire", "outcome=none,under-investigation", "category=all-crime", "from=2017-13"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/v1/counts", nil)
		r.URL.RawQuery = q
		flt, err := s.parseFilter(r, snap.ds)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("parseFilter(%q): %v is not a ParamError", q, err)
			}
			if !strings.Contains(err.Error(), pe.Param) {
				t.Fatalf("error %q does not name %q", err, pe.Param)
			}
			return
		}
		if flt.From != 0 && flt.To != 0 && flt.From > flt.To {
			t.Fatalf("parseFilter(%q): from %v after to %v", q, flt.From, flt.To)
		}
	})
}
