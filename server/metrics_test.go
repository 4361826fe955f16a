package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"crimemap/server"
	"crimemap/tiles"
)

// scrape reads /metrics from h in the Prometheus text format.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", w.Code)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// sample returns the value of the series of family name whose labels
// include want, and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	ds := dataset(t)
	cfg := server.DefaultConfig()
	cfg.RateLimits = map[string]server.RateLimit{server.GroupV1: {Rate: 1, Burst: 1}}
	s := server.New(cfg, server.Deps{})
	s.SetDataset(ds)
	tile := tiles.SampleTiles(ds, 13, 1, 1)[0]
	tilePath := fmt.Sprintf("/tiles/%d/%d/%d.mvt", tile[0], tile[1], tile[2])
	send := func(path string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	send(tilePath) // miss
	etag := send(tilePath).Header().Get("ETag")
	send(tilePath, "If-None-Match", etag)
	send("/no/such/path/12345")
	send("/v1/meta")
	send("/v1/meta") // rate-limited
	s.ObserveLoad("load", 2e9, nil)
	s.ObserveLoad("reload", 0, fmt.Errorf("broken file"))

	fams := scrape(t, s)
	tileRoute := "/tiles/{z}/{x}/{y}.mvt"
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"crimemap_http_requests_total", map[string]string{"route": tileRoute, "method": "GET", "status": "200"}, 2},
		{"crimemap_http_requests_total", map[string]string{"route": tileRoute, "method": "GET", "status": "304"}, 1},
		{"crimemap_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 1},
		{"crimemap_http_requests_total", map[string]string{"route": "/v1/meta", "status": "200"}, 1},
		{"crimemap_http_requests_total", map[string]string{"route": "/v1/meta", "status": "429"}, 1},
		{"crimemap_http_request_duration_seconds", map[string]string{"route": tileRoute}, 3},
		// The scrape itself.
		{"crimemap_http_requests_in_flight", nil, 1},
		{"crimemap_tile_responses_total", map[string]string{"outcome": "miss"}, 1},
		// A 304 counts as not_modified, not as the hit it also is.
		{"crimemap_tile_responses_total", map[string]string{"outcome": "hit"}, 1},
		{"crimemap_tile_responses_total", map[string]string{"outcome": "not_modified"}, 1},
		{"crimemap_tile_cache_hit_ratio", nil, 2.0 / 3},
		{"crimemap_tile_cache_entries", nil, 1},
		{"crimemap_dataset_info", map[string]string{"version": ds.Version()}, 1},
		{"crimemap_dataset_crimes", nil, float64(ds.Len())},
		{"crimemap_rate_limited_requests_total", map[string]string{"group": "v1"}, 1},
		{"crimemap_dataset_load_duration_seconds", map[string]string{"kind": "load"}, 1},
		{"crimemap_dataset_load_failures_total", map[string]string{"kind": "reload"}, 1},
	}
	for _, tc := range tests {
		got, ok := sample(fams, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if v, ok := sample(fams, "crimemap_tile_cache_bytes", nil); !ok || v <= 0 {
		t.Errorf("crimemap_tile_cache_bytes = %v, %v", v, ok)
	}
	for _, name := range []string{"go_goroutines", "crimemap_ready"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	// Raw paths never become labels.
	for _, m := range fams["crimemap_http_requests_total"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "route" && l.GetValue() == "/no/such/path/12345" {
				t.Error("raw path used as a route label")
			}
		}
	}
}

// TestMetricsAddr moves /metrics off the public routes.
func TestMetricsAddr(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.MetricsAddr = "127.0.0.1:0"
	s := server.New(cfg, server.Deps{})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("public /metrics with a metrics listener = %d, want 404", w.Code)
	}
	if fams := scrape(t, s.MetricsHandler()); fams["crimemap_http_requests_total"] == nil {
		t.Error("metrics handler lacks the request counter")
	}
}
