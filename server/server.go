package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"

	"crimemap/basemap"
	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/postcode"
	"crimemap/stopsearch"
	"crimemap/tiles"
	"crimemap/watch"
)

// Config is the server's configuration; cmd/crimemap fills it from flags and
// environment variables.
type Config struct {
	Addr string
	// CORSOrigins lists origins allowed to read responses; "*" allows any.
	CORSOrigins []string
	// CacheControl is sent with tiles and other versioned responses.
	CacheControl string
	// FrameAncestors restricts which sites may frame /embed; "" allows any.
	FrameAncestors string
	// StyleURL is a MapLibre style put under the crime layers of the page.
	StyleURL string
	// PublicURL is the absolute URL the service is reached at (scheme,
	// host and any path prefix), used for the tile URLs of TileJSON; empty
	// gives root-relative URLs. Request headers are never used: TileJSON
	// is cached, and a Host or X-Forwarded-Proto could poison it.
	PublicURL string
	// Timeouts of the HTTP server.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown;
	// past it their contexts are cancelled and the connections closed.
	ShutdownTimeout time.Duration
	// MaxHeavy bounds the requests building large answers at once
	// (/v1/crimes, counts, hex, hotspots, change and /api/ custom areas);
	// one waits up to HeavyWait for a slot, then gets 503. 0 for no bound.
	MaxHeavy  int
	HeavyWait time.Duration
	// MaxConns bounds open connections; further ones wait in the listen
	// backlog. 0 for no bound.
	MaxConns int
	// RequestTimeout is the time budget of one request: its queries stop
	// there and it answers 503. Zero means no budget.
	RequestTimeout time.Duration
	// Tiles tunes vector tiles; TileCacheBytes bounds the cache of encoded
	// tiles; TileCacheControl is sent with tiles whose URL names the
	// current dataset version (v=...).
	Tiles            tiles.Options
	TileCacheBytes   int64
	TileCacheControl string
	// BodyCacheBytes bounds the cache of dataset-keyed /api/ and /v1/
	// answers as sent (0 for none).
	BodyCacheBytes int64
	// ListingCacheBytes bounds the cache of crimes encoded for listings,
	// by snap point and month (0 for none).
	ListingCacheBytes int64
	// MetricsAddr, if set, serves /metrics on a listener of its own rather
	// than beside the public routes.
	MetricsAddr string
	// DrainDelay is how long a shutdown keeps serving with /healthz at 503
	// before it stops accepting, so load balancers take the replica out.
	DrainDelay time.Duration
	// RateLimits are the per-client token buckets by route group (Group*
	// constants); a group without one is not limited. They are off in
	// DefaultConfig, which tests and tools embed; crimemap serve starts
	// from DefaultRateLimits. MaxRateClients bounds the clients each group
	// tracks (0: DefaultMaxRateClients).
	RateLimits     map[string]RateLimit
	MaxRateClients int
	// TrustedProxies are the peers whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// FormKey signs the CSRF tokens of the Watch forms; replicas behind
	// one address need the same one. Empty gives a random key per process,
	// so forms loaded before a restart must be loaded again.
	FormKey string
	// AdminToken is the bearer token of POST /admin/reload; empty leaves
	// the route answering 404.
	AdminToken string
}

// Deps are the services the server calls, built and owned by the caller
// (cmd/crimemap wires them). Every field may be nil: the routes that need a
// missing one answer as if it held nothing. The crime dataset is not among
// them because it arrives later, and anew on every reload: SetDataset.
type Deps struct {
	// Log receives request failures and lifecycle messages; nil means
	// slog.Default().
	Log *slog.Logger
	// AccessLog receives a line per request; nil for none.
	AccessLog *slog.Logger
	// Boundaries are the force and neighbourhood boundaries served by
	// /v1/boundaries and accepted as boundary=ID areas.
	Boundaries *boundary.Set
	// Neighbourhoods is the policing-team data behind /api/{force}/...
	Neighbourhoods *neighbourhood.Set
	// Locator finds the neighbourhood of a point (locate-neighbourhood,
	// /v1/locate).
	Locator *locate.Locator
	// Postcodes resolves postcodes for /v1/locate.
	Postcodes *postcode.Directory
	// Watch is the Neighbourhood Watch store behind /watch, /account and
	// /v1/watch; without it those routes answer 503.
	Watch watch.Store
	// Reload asks for the crime data to be loaded again, without waiting;
	// nil leaves POST /admin/reload answering 404.
	Reload func()
	// Basemap is a full OpenStreetMap basemap archive, served under
	// /tiles/osm/ and drawn by the pages instead of the default basemap;
	// nil leaves those routes answering 404.
	Basemap *basemap.OSM
}

// DefaultMaxConns is the default bound on open connections: a browser
// opens about six, and each costs a goroutine and its buffers.
const DefaultMaxConns = 1024

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		CORSOrigins:      []string{"*"},
		CacheControl:     "public, max-age=3600",
		ReadTimeout:      10 * time.Second,
		WriteTimeout:     60 * time.Second,
		IdleTimeout:      120 * time.Second,
		ShutdownTimeout:  20 * time.Second,
		MaxHeavy:         2 * runtime.GOMAXPROCS(0),
		HeavyWait:        time.Second,
		MaxConns:         DefaultMaxConns,
		RequestTimeout:   30 * time.Second,
		Tiles:            tiles.DefaultOptions(),
		TileCacheBytes:   DefaultTileCacheBytes,
		TileCacheControl: DefaultTileCacheControl,
		BodyCacheBytes:   DefaultBodyCacheBytes,

		ListingCacheBytes: DefaultListingCacheBytes,
	}
}

// snapshot is everything derived from one dataset version; it is swapped as a
// whole so a request sees one consistent version.
type snapshot struct {
	ds *geo.Dataset
	// totals counts every crime by category and month, for the vocabulary
	// endpoints.
	totals totals
	// stopForces lists, per month, the forces with stop-and-search data.
	stopForces map[geo.Month][]string
	stops      *stopsearch.Index
	streets    streetIndex
	forcesUsed geo.Set
	tiles      *tiles.Index
	text       jsonText
	listings   *listingCache
	// view is where the map page opens.
	view geo.View
	// warm is set once the hex cell columns are built.
	warm atomic.Bool
}

// totals are counts of runs of months that do not overlap: the dataset's
// when it was set, then those of each run of months added to it since.
type totals []geo.Counts

func (t totals) byCategoryMonth(c geo.Category, m geo.Month) int {
	for _, k := range t {
		if i, ok := slices.BinarySearch(k.Months, m); ok && int(c) < k.NumCategories {
			return k.At(c, i)
		}
	}
	return 0
}

// ByCategory returns the count of category c over every month.
func (t totals) ByCategory(c geo.Category) int {
	n := 0
	for _, k := range t {
		if int(c) < k.NumCategories {
			n += k.ByCategory(c)
		}
	}
	return n
}

// Server answers HTTP requests from a loaded dataset.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	state   atomic.Pointer[snapshot]
	handler http.Handler
	// tileCache is shared by dataset versions: its keys carry the version.
	tileCache *tiles.Cache
	bodies    *bodyCache
	heavy     *gate
	hoods     *hoodIndex
	metrics   *metrics
	limits    *rateLimits
	// draining is set when shutdown begins: /healthz answers 503.
	draining atomic.Bool
	// prepareHex warms a new dataset; tests hold it to see the state
	// before.
	prepareHex func(*geo.Dataset)
	// releaseMemory runs once a new dataset is warm (debug.FreeOSMemory).
	releaseMemory func()
	ww            *watchWeb
	// lastReload is the outcome of the last reload, for /healthz.
	lastReload atomic.Pointer[reloadReport]
}

// New returns a server with no dataset yet: it answers /healthz with 503 and
// data requests with 503 until SetDataset is called.
func New(cfg Config, deps Deps) *Server {
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, deps: deps, log: log, tileCache: tiles.NewCache(cfg.TileCacheBytes),
		bodies: newBodyCache(cfg.BodyCacheBytes), heavy: newGate(cfg.MaxHeavy, cfg.HeavyWait),
		hoods: newHoodIndex(deps.Locator)}
	s.metrics = newMetrics(s)
	s.prepareHex = func(ds *geo.Dataset) { ds.PrepareHex(tiles.HexZoomRes[:]...) }
	s.releaseMemory = debug.FreeOSMemory
	s.limits = newRateLimits(cfg)
	s.ww = newWatchWeb(cfg.FormKey)
	s.handler = s.routes()
	return s
}

// SetDataset installs a dataset (and builds what is derived from it);
// requests in flight keep the version they started with.
//
// A dataset that extends the one being served (a new month added to it)
// reuses what was worked out from the old one's crimes, the tile index
// included, and works out only the new months'.
func (s *Server) SetDataset(ds *geo.Dataset) { s.setDataset(s.state.Load(), ds) }

// SetExtended sets ds, which extends base (geo.Append), as SetDataset
// would after serving base: base's counts, view and tile index are worked
// out first (from what its snapshot stored, when it was opened from one)
// and only ds's later parts added to them, rather than all of ds's crimes
// counted and clustered. Base is never served. It is how a server starts
// from a snapshot and the months added since: at 90M, the tile index
// alone took 9 s to build over every point. Where base is the dataset
// served, or restates it (geo.Restate: a month's archive brings earlier
// street files again with their outcomes moved on), what was worked out
// for the one served is used.
func (s *Server) SetExtended(base, ds *geo.Dataset) {
	if ds == base || !ds.Extends(base) {
		s.SetDataset(ds)
		return
	}
	old := s.state.Load()
	switch {
	case old != nil && old.ds == base:
		s.setDataset(old, ds)
	case old != nil && base.Restates(old.ds):
		s.setDataset(s.sharedSnapshot(old, base, old.tiles.Restated), ds)
	default:
		s.setDataset(s.wholeSnapshot(base), ds)
	}
}

// setDataset sets ds, extending old's derived data where ds extends old's
// dataset (old may be nil).
func (s *Server) setDataset(old *snapshot, ds *geo.Dataset) {
	start := time.Now()
	// The lookups below share nothing with the snapshot's counts and
	// tiles, and are made beside them: a new month's swap waits for both.
	var (
		wg         sync.WaitGroup
		stopForces map[geo.Month][]string
		stops      *stopsearch.Index
		streets    streetIndex
		text       jsonText
	)
	wg.Go(func() {
		stopForces = forcesByStopMonth(ds)
		stops = stopsearch.New(ds)
		streets = newStreetIndex(ds)
		text = newJSONText(ds)
	})
	var snap *snapshot
	extended := false
	switch {
	case old != nil && old.ds != ds && ds.Extends(old.ds):
		snap, extended = s.extendSnapshot(old, ds), true
	case old != nil && old.ds != ds && ds.Restates(old.ds):
		snap, extended = s.sharedSnapshot(old, ds, old.tiles.Restated), true
	case old != nil && ds.Regroups(old.ds):
		snap, extended = s.sharedSnapshot(old, ds, old.tiles.Regrouped), true
	case old != nil && ds.Revises(old.ds) != nil:
		snap, extended = s.revisedSnapshot(old, ds), true
	default:
		snap = s.wholeSnapshot(ds)
	}
	wg.Wait()
	snap.stopForces, snap.stops, snap.streets, snap.text = stopForces, stops, streets, text
	snap.listings = newListingCache(s.cfg.ListingCacheBytes, ds.NumPoints())
	s.state.Store(snap)
	s.log.Debug("dataset set", "version", ds.Version(), "extended", extended, "elapsed", time.Since(start).Round(time.Millisecond))
	version := ds.Version()
	s.metrics.version.Store(&version)
	// Each H3 resolution's cell column costs a second or more nationally on
	// first use; build them in the background, coarse first, so the first
	// hex requests at each zoom do not pay for it. PrepareHex keeps to one
	// core, so requests keep the rest while it works.
	go func() {
		start := time.Now()
		s.prepareHex(ds)
		snap.warm.Store(true)
		s.log.Debug("hex cell columns built; ready", "elapsed", time.Since(start).Round(time.Millisecond))
		// The load's garbage and the dataset this one replaced (whose
		// requests have long finished by now) are unreachable, but the
		// runtime would hand their pages back to the system only slowly,
		// and a reload must not leave the process holding two datasets'
		// worth of memory.
		s.releaseMemory()
	}()
}

// wholeSnapshot starts the snapshot of ds from its crimes alone: its
// counts, view and tile index, the last two read from ds's snapshot parts
// where it was opened from a snapshot.
func (s *Server) wholeSnapshot(ds *geo.Dataset) *snapshot {
	// Nothing can cancel this count, so it cannot fail.
	all, _ := ds.Count(context.Background(), nil, &geo.Filter{})
	snap := &snapshot{ds: ds, totals: totals{all}}
	snap.tiles = tiles.NewIndex(ds, s.cfg.Tiles)
	sum := newSummary(ds)
	snap.view, snap.forcesUsed = sum.view, sum.forcesUsed
	return snap
}

// forcesByStopMonth lists, by month, the forces with stop and search
// records, sorted.
func forcesByStopMonth(ds *geo.Dataset) map[geo.Month][]string {
	out := map[geo.Month][]string{}
	for i := range ds.NumStops() {
		f, m := ds.StopUnit(i)
		id := ds.Forces().Term(int(f)).Slug
		if fs := out[m]; !slices.Contains(fs, id) {
			out[m] = append(fs, id)
		}
	}
	for _, fs := range out {
		slices.Sort(fs)
	}
	return out
}

// extendSnapshot starts the snapshot of ds, which extends old's dataset,
// from old's: the counts, forces and tile index of old's parts stand, and
// only ds's later parts are counted and indexed.
func (s *Server) extendSnapshot(old *snapshot, ds *geo.Dataset) *snapshot {
	start := time.Now()
	// The tile index is extended beside the counts.
	var ix *tiles.Index
	var wg sync.WaitGroup
	wg.Go(func() {
		var err error
		if ix, err = old.tiles.Extend(ds); err != nil {
			// The index cannot be extended (a new part it cannot take
			// in): build it whole.
			s.log.Warn("tile index rebuilt rather than extended", "err", err)
			ix = tiles.NewIndex(ds, s.cfg.Tiles)
		}
	})
	sum := buildSummary(ds)
	snap := &snapshot{ds: ds, totals: slices.Clone(old.totals), forcesUsed: sum.forcesUsed, view: sum.view}
	if first, _ := ds.PartRange(old.ds.NumParts()); int(first) < ds.Len() {
		from, _ := ds.PartMonths(old.ds.NumParts())
		added, _ := ds.Count(context.Background(), nil, &geo.Filter{From: from})
		snap.totals = append(snap.totals, added)
	}
	wg.Wait()
	snap.tiles = ix
	s.log.Debug("derived data extended", "elapsed", time.Since(start).Round(time.Millisecond))
	return snap
}

// sharedSnapshot starts the snapshot of ds from old's, where ds restates
// old's dataset (other last outcomes for some crimes; tiles.Index.Restated)
// or regroups it (the same crimes in other parts, appended parts merged;
// tiles.Index.Regrouped), as share says: the counts by type and month, the
// forces, the map's view and the tile index's clusters and tables stand,
// as none depends on outcomes or parts.
func (s *Server) sharedSnapshot(old *snapshot, ds *geo.Dataset, share func(*geo.Dataset) (*tiles.Index, error)) *snapshot {
	ix, err := share(ds)
	if err != nil {
		s.log.Warn("tile index rebuilt rather than shared", "err", err)
		return s.wholeSnapshot(ds)
	}
	return &snapshot{ds: ds, totals: old.totals, forcesUsed: old.forcesUsed, view: old.view, tiles: ix}
}

// revisedSnapshot starts the snapshot of ds from old's, where ds revises
// old's dataset (geo.Revise: some force-months' crimes replaced): the
// tile index's clusters and the rows of its tables before the first month
// changed stand (tiles.Index.Revised), the counts by type and month move
// by the crimes replaced, and the forces and the map's view are worked
// out again.
func (s *Server) revisedSnapshot(old *snapshot, ds *geo.Dataset) *snapshot {
	ix, err := old.tiles.Revised(ds)
	if err != nil {
		s.log.Warn("tile index rebuilt rather than revised", "err", err)
		return s.wholeSnapshot(ds)
	}
	changes := ds.Revises(old.ds).Changes
	t := make(totals, len(old.totals))
	for i, k := range old.totals {
		t[i] = k.Moved(changes)
	}
	sum := buildSummary(ds)
	return &snapshot{ds: ds, totals: t, forcesUsed: sum.forcesUsed, view: sum.view, tiles: ix}
}

// snapshotHandler answers from one consistent dataset version; the error it
// returns becomes the response through writeError.
type snapshotHandler func(w http.ResponseWriter, r *http.Request, snap *snapshot) error

// withSnapshot adapts a snapshotHandler: it supplies the current snapshot,
// answers ErrLoading until a dataset is set, and writes every error in one
// place.
func (s *Server) withSnapshot(h snapshotHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		snap, err := s.current()
		if err == nil {
			// Under respond, a client already holding this version's
			// answer gets 304 before any work. respond is the innermost
			// middleware of its routes, so w is its writer itself.
			if rw, ok := w.(*respWriter); ok && rw.keyOnVersion(snap.ds.Version()) {
				return
			}
			err = h(w, r, snap)
		}
		if err != nil {
			writeError(w, r, err)
		}
	}
}

// dataset returns the current dataset or ErrLoading.
func (s *Server) dataset() (*geo.Dataset, error) {
	snap := s.state.Load()
	if snap == nil {
		return nil, ErrLoading
	}
	return snap.ds, nil
}

// current returns the current snapshot or ErrLoading.
func (s *Server) current() (*snapshot, error) {
	snap := s.state.Load()
	if snap == nil {
		return nil, ErrLoading
	}
	return snap, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ListenAndServe serves on cfg.Addr until ctx is cancelled, then shuts down
// gracefully. ready, if not nil, receives the bound address.
func (s *Server) ListenAndServe(ctx context.Context, ready chan<- net.Addr) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln, ready)
}

// Serve is ListenAndServe on an existing listener. Requests do not inherit
// ctx: on its cancellation the server stops accepting and waits up to
// ShutdownTimeout for the requests in flight to finish; past that it
// cancels their contexts, closes the connections and still returns nil, a
// slow request being no failure of the server.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready chan<- net.Addr) error {
	base, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	if s.cfg.MaxConns > 0 {
		ln = netutil.LimitListener(ln, s.cfg.MaxConns)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready <- ln.Addr()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	stopMetrics, err := s.serveMetrics(base)
	if err != nil {
		_ = hs.Close()
		return err
	}
	defer stopMetrics()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.drain(hs)
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		s.log.Warn("requests still in flight after the shutdown timeout; cancelling them", "timeout", s.cfg.ShutdownTimeout)
		cancelRequests()
		if err := hs.Close(); err != nil {
			return fmt.Errorf("shutdown: close: %w", err)
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
