package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"crimemap/internal/lru"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, on a registry of their own
// so that several servers (tests) do not collide in the global one.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	tileOutcome *prometheus.CounterVec
	// tileOutcomes are tileOutcome's series by outcome, looked up once.
	tileOutcomes map[string]prometheus.Counter
	rateLimited  *prometheus.CounterVec
	loadSeconds  *prometheus.HistogramVec
	loadFailed   *prometheus.CounterVec
	// version is the dataset version the info metric names, read at
	// scrape time so a swap never leaves two versions at 1.
	version atomic.Pointer[string]
	// labels caches the label children of the counters by route, method
	// and status: looking them up by name allocates on every request.
	labels labelCache
}

// Tile cache outcomes, the values of crimemap_tile_responses_total's
// outcome label.
const (
	cacheHit         = "hit"
	cacheMiss        = "miss"
	cacheNotModified = "not_modified"
)

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crimemap_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "crimemap_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "crimemap_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	})
	m.tileOutcome = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crimemap_tile_responses_total",
		Help: "Tile responses by cache outcome: hit, miss or not_modified (304).",
	}, []string{"outcome"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crimemap_rate_limited_requests_total",
		Help: "Requests refused with 429 by the per-client rate limit, by route group.",
	}, []string{"group"})
	m.loadSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "crimemap_dataset_load_duration_seconds",
		Help:    "Time to load the dataset, by kind (load or reload).",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 10),
	}, []string{"kind"})
	m.loadFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crimemap_dataset_load_failures_total",
		Help: "Dataset loads that failed, by kind (load or reload).",
	}, []string{"kind"})
	m.tileOutcomes = map[string]prometheus.Counter{}
	for _, o := range []string{cacheHit, cacheMiss, cacheNotModified} {
		m.tileOutcomes[o] = m.tileOutcome.WithLabelValues(o)
	}
	cacheStat := func(f func(s *Server) float64) func() float64 { return func() float64 { return f(s) } }
	m.reg.MustRegister(
		m.requests, m.duration, m.inFlight, m.tileOutcome, m.rateLimited, m.loadSeconds, m.loadFailed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_tile_cache_bytes",
			Help: "Bytes held by the cache of encoded tiles.",
		}, cacheStat(func(s *Server) float64 { return float64(s.tileCache.Stats().Bytes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_tile_cache_entries",
			Help: "Tiles held by the cache of encoded tiles.",
		}, cacheStat(func(s *Server) float64 { return float64(s.tileCache.Stats().Entries) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_tile_cache_hit_ratio",
			Help: "Share of tile cache lookups that hit since the start (0 before any).",
		}, cacheStat(func(s *Server) float64 {
			return hitRatio(s.tileCache.Stats())
		})),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_body_cache_bytes",
			Help: "Bytes held by the cache of dataset-keyed API answers.",
		}, cacheStat(func(s *Server) float64 { return float64(s.bodies.Stats().Bytes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_body_cache_hit_ratio",
			Help: "Share of body cache lookups that hit since the start (0 before any).",
		}, cacheStat(func(s *Server) float64 {
			return hitRatio(s.bodies.Stats())
		})),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_dataset_crimes",
			Help: "Crimes in the dataset being served (0 while loading).",
		}, cacheStat(func(s *Server) float64 {
			if snap := s.state.Load(); snap != nil {
				return float64(snap.ds.Len())
			}
			return 0
		})),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crimemap_ready",
			Help: "1 when the dataset is loaded and its hex columns are built (what /readyz reports), else 0.",
		}, cacheStat(func(s *Server) float64 {
			if s.ready() {
				return 1
			}
			return 0
		})),
		datasetInfo{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// datasetInfo exports crimemap_dataset_info{version="..."} 1, the usual
// shape of a version in Prometheus.
type datasetInfo struct{ m *metrics }

var datasetInfoDesc = prometheus.NewDesc("crimemap_dataset_info", "The dataset version being served, as a label; always 1.", []string{"version"}, nil)

func (d datasetInfo) Describe(ch chan<- *prometheus.Desc) { ch <- datasetInfoDesc }

func (d datasetInfo) Collect(ch chan<- prometheus.Metric) {
	if v := d.m.version.Load(); v != nil {
		ch <- prometheus.MustNewConstMetric(datasetInfoDesc, prometheus.GaugeValue, 1, *v)
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records one answered request.
func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
	c, h := m.labels.get(m, route, method, status)
	c.Inc()
	h.Observe(elapsed.Seconds())
}

// labelKey names one series of the request counter.
type labelKey struct {
	route, method string
	status        int
}

type labelSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// labelCache maps label values to their series without allocating. Its
// size is bounded as the labels are: route templates, a few methods (any
// other is counted as OTHER) and statuses.
type labelCache struct {
	m atomic.Pointer[map[labelKey]labelSeries]
}

func (c *labelCache) get(m *metrics, route, method string, status int) (prometheus.Counter, prometheus.Observer) {
	k := labelKey{route, method, status}
	if p := c.m.Load(); p != nil {
		if s, ok := (*p)[k]; ok {
			return s.count, s.duration
		}
	}
	s := labelSeries{
		count:    m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		duration: m.duration.WithLabelValues(route),
	}
	// Copy on write: new series are rare after warm-up, lookups are not.
	for {
		old := c.m.Load()
		next := make(map[labelKey]labelSeries, 1)
		if old != nil {
			for kk, v := range *old {
				next[kk] = v
			}
		}
		next[k] = s
		if c.m.CompareAndSwap(old, &next) {
			return s.count, s.duration
		}
	}
}

// metricMethod bounds the method label: a client may send any token.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// ObserveLoad records a dataset load of kind "load" or "reload" that took
// elapsed and failed with err (nil for success).
func (s *Server) ObserveLoad(kind string, elapsed time.Duration, err error) {
	if err != nil {
		s.metrics.loadFailed.WithLabelValues(kind).Inc()
		return
	}
	s.metrics.loadSeconds.WithLabelValues(kind).Observe(elapsed.Seconds())
}

// MetricsHandler serves the Prometheus metrics, for a listener of their
// own (Config.MetricsAddr).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// serveMetrics serves /metrics on Config.MetricsAddr, if set, until the
// returned stop is called.
func (s *Server) serveMetrics(base context.Context) (stop func(), err error) {
	if s.cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", s.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics listener failed", "addr", s.cfg.MetricsAddr, "error", err)
		}
	}()
	s.log.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() { _ = hs.Close() }, nil
}

// hitRatio is the share of a cache's lookups that hit, 0 before any.
func hitRatio(st lru.Stats) float64 {
	if st.Hits+st.Misses == 0 {
		return 0
	}
	return float64(st.Hits) / float64(st.Hits+st.Misses)
}
