package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"syscall"
	"time"

	"crimemap/basemap"
	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/locate"
	"crimemap/mailer"
	"crimemap/neighbourhood"
	"crimemap/postcode"
	"crimemap/reload"
	"crimemap/server"
	"crimemap/store"
	"crimemap/watch"
	"crimemap/web"
)

// sweepInterval is how often serve runs the retention sweep.
const sweepInterval = 24 * time.Hour

// minFormKey is the shortest CRIMEMAP_FORM_KEY accepted: 32 random
// characters carry more than enough entropy for an HMAC key.
const minFormKey = 32

// minAdminToken is the shortest --admin-token-file content accepted, for
// the same reason as minFormKey.
const minAdminToken = 32

func init() {
	register("serve", "load PATH... and serve the map, APIs and tiles", runServe)
	register("ingest", "load PATH..., print the summary and exit (non-zero if a file failed)", runIngest)
}

// loadFlags are the flags shared by the commands that load data.
type loadFlags struct {
	workers   int
	logLevel  string
	logFormat string
	quiet     bool
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.workers, "workers", 0, "files parsed at once (0 = number of CPUs)")
	fs.StringVar(&l.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&l.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&l.quiet, "quiet", false, "no progress output while loading")
}

// loadFlagSet is the flag set of a command that loads PATH...: the load
// flags, and a usage of one line above the flags' defaults (the flag
// package's own when usage is empty).
func loadFlagSet(name, usage string) (*flag.FlagSet, *loadFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	lf := new(loadFlags)
	lf.register(fs)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), usage)
			fs.PrintDefaults()
		}
	}
	return fs, lf
}

func (l *loadFlags) options(stderr io.Writer) (ingest.Options, error) {
	log, err := newLogger(l.logLevel, stderr)
	if err != nil {
		return ingest.Options{}, err
	}
	if log, err = withLogFormat(log, l.logLevel, l.logFormat, stderr); err != nil {
		return ingest.Options{}, err
	}
	opt := ingest.Options{Workers: l.workers, Logger: log}
	if !l.quiet {
		opt.Progress = stderr
	}
	return opt, nil
}

// load loads paths with the flags' options and prints the summary to
// stdout, unless stdout is nil.
func (l *loadFlags) load(ctx context.Context, paths []string, stdout io.Writer) (*geo.Dataset, *ingest.Summary, error) {
	opt, err := l.options(os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	ds, sum, err := ingest.Load(ctx, paths, opt)
	if sum != nil && stdout != nil {
		fmt.Fprint(stdout, sum.String())
	}
	return ds, sum, err
}

func runIngest(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	var lf loadFlags
	lf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: crimemap ingest [flags] PATH...   (street/outcomes/stop-and-search CSVs, archive folders or zips)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	paths := dataPaths(fs)
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("ingest: no PATH given")
	}
	ds, sum, err := lf.load(ctx, paths, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dataset version %s: %d crimes, %d snap points, %d months\n", ds.Version(), ds.Len(), ds.NumPoints(), len(ds.Months()))
	if len(sum.Failed) > 0 {
		return fmt.Errorf("ingest: %d file(s) could not be read", len(sum.Failed))
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := server.DefaultConfig()
	var lf loadFlags
	lf.register(fs)
	cors := strings.Join(cfg.CORSOrigins, ",")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on")
	fs.StringVar(&cors, "cors", cors, "comma-separated origins allowed by CORS (* for any, empty for none)")
	fs.StringVar(&cfg.CacheControl, "cache-control", cfg.CacheControl, "Cache-Control of responses whose URL does not carry the dataset version")
	fs.StringVar(&cfg.FrameAncestors, "frame-ancestors", cfg.FrameAncestors, "CSP frame-ancestors for /embed (empty allows any site to frame it)")
	fs.StringVar(&cfg.StyleURL, "style", cfg.StyleURL, "URL of a MapLibre style drawn under the crime layers")
	basemapFile := fs.String("basemap", "", "PMTiles archive of an OpenStreetMap basemap in the Protomaps schema (a Protomaps build, e.g. cut to the UK), served at /tiles/osm/ and drawn with the vendored Protomaps style")
	fs.StringVar(&cfg.PublicURL, "public-url", cfg.PublicURL, "absolute URL the service is reached at, for the tile URLs of TileJSON (empty: root-relative URLs)")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "HTTP read timeout")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "HTTP write timeout")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "HTTP keep-alive idle timeout")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "time budget of one request, past which it answers 503 (0 for none)")
	fs.IntVar(&cfg.Tiles.CrimesZoom, "crimes-zoom", cfg.Tiles.CrimesZoom, "first zoom of the per-snap-point crimes layer; clusters below it")
	fs.Float64Var(&cfg.Tiles.Radius, "cluster-radius", cfg.Tiles.Radius, "cluster radius in pixels of a 512-pixel tile")
	fs.Int64Var(&cfg.TileCacheBytes, "tile-cache-bytes", cfg.TileCacheBytes, "memory bound of the in-process cache of encoded tiles")
	fs.Int64Var(&cfg.BodyCacheBytes, "body-cache-bytes", cfg.BodyCacheBytes, "memory bound of the in-process cache of dataset-keyed /api/ and /v1/ answers (0 for none)")
	fs.Int64Var(&cfg.ListingCacheBytes, "listing-cache-bytes", cfg.ListingCacheBytes, "memory bound of the in-process cache of crimes encoded for listings, by snap point and month (0 for none)")
	fs.StringVar(&cfg.TileCacheControl, "tile-cache-control", cfg.TileCacheControl, "Cache-Control of tiles whose URL carries the dataset version")
	var boundaries string
	fs.StringVar(&boundaries, "boundaries", "", "force and neighbourhood boundary KML files or folders (data.police.uk layout), separated by "+string(os.PathListSeparator))
	var teamsDir, postcodes string
	fs.StringVar(&teamsDir, "neighbourhoods", "", "folder of policing-team data in data.police.uk's API layout (neighbourhood API, locate)")
	fs.StringVar(&postcodes, "postcodes", "", "ONS Postcode Directory (ONSPD) zip or CSV, for /v1/locate")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "grace period for in-flight requests on shutdown; past it they are cancelled")
	fs.IntVar(&cfg.MaxHeavy, "max-heavy", cfg.MaxHeavy, "heavy requests (crime lists, counts, hex, hotspots, change, /api/ custom areas) served at once; 0 for no bound")
	fs.DurationVar(&cfg.HeavyWait, "heavy-wait", cfg.HeavyWait, "how long a heavy request waits for a slot before 503")
	dsn := dbFlag(fs)
	retention := fs.Duration("retention", watch.DefaultRetention, "keep applications and messages this long after they close (swept daily)")
	smtpURL := fs.String("smtp", "", "relay that sends the watch outbox, smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (implicit TLS); empty sends nothing")
	smtpFrom := fs.String("smtp-from", "", "From address of outbox mail (required with --smtp)")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "open connections at once; further ones wait to be accepted; 0 for no bound")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "address of a listener of its own for /metrics (empty: /metrics beside the other routes)")
	fs.DurationVar(&cfg.DrainDelay, "drain-delay", cfg.DrainDelay, "on shutdown, how long /healthz answers 503 while requests are still served, before the listener closes")
	rateLimits := "api=15:30,v1=15:30,page=15:30,tiles=off"
	fs.StringVar(&rateLimits, "rate-limit", rateLimits, "per-client token buckets by route group, GROUP=RATE:BURST or GROUP=off, groups api, v1, tiles, page; unnamed groups keep their defaults")
	var trustedProxies string
	fs.StringVar(&trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDR prefixes of proxies whose X-Forwarded-For names the client")
	var rf reloadFlags
	rf.register(fs)
	snapshot := fs.String("snapshot", "", "start from this file written by crimemap snapshot; one this build cannot read is logged and PATH... is loaded instead")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: crimemap serve [flags] PATH...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkPublicURL(cfg.PublicURL); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var err error
	if cfg.RateLimits, err = server.ParseRateLimits(rateLimits); err != nil {
		return fmt.Errorf("serve: --rate-limit: %w", err)
	}
	if cfg.TrustedProxies, err = server.ParseTrustedProxies(trustedProxies); err != nil {
		return fmt.Errorf("serve: --trusted-proxies: %w", err)
	}
	// A secret on the command line would show in the process list.
	if cfg.FormKey = os.Getenv("CRIMEMAP_FORM_KEY"); cfg.FormKey != "" && len(cfg.FormKey) < minFormKey {
		return fmt.Errorf("serve: CRIMEMAP_FORM_KEY: want at least %d characters", minFormKey)
	}
	if cfg.AdminToken, err = readAdminToken(rf.tokenFile); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if rf.interval <= 0 || rf.settle < 0 {
		return errors.New("serve: --watch-interval must be positive and --watch-settle not negative")
	}
	if rf.recentMonths < 0 {
		return errors.New("serve: --recent-months must not be negative (0 loads every file in one piece)")
	}
	if rf.maxAppended < 0 {
		return errors.New("serve: --max-appended must not be negative (0 never merges)")
	}
	cfg.CORSOrigins = nil
	for _, o := range strings.Split(cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	paths := dataPaths(fs)
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("serve: no PATH given")
	}
	opt, err := lf.options(os.Stderr)
	if err != nil {
		return err
	}
	log := opt.Logger
	deps := server.Deps{Log: log, AccessLog: log}
	if *basemapFile != "" {
		osm, err := basemap.OpenOSM(*basemapFile)
		if err != nil {
			return fmt.Errorf("serve: --basemap: %w", err)
		}
		defer osm.Close()
		deps.Basemap = osm
		h := osm.Header()
		log.Info("basemap archive", "file", *basemapFile, "minzoom", h.MinZoom, "maxzoom", h.MaxZoom, "tiles", h.AddressedTiles)
	}
	if boundaries != "" {
		set, err := boundary.Load(strings.Split(boundaries, string(os.PathListSeparator))...)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		deps.Boundaries = set
		log.Info("boundaries loaded", "count", set.Len())
	}
	if err := loadNeighbourhoods(ctx, &deps, teamsDir, postcodes, os.Stderr); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *retention <= 0 {
		return errors.New("serve: --retention must be positive")
	}
	sender, err := smtpSender(*smtpURL, *smtpFrom)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ws, err := store.Open(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ws.Close()
	deps.Watch = ws
	if sender != nil {
		log.Info("outbox mail", "relay", sender.Addr())
		// Stopped and waited for before the store closes under it.
		mctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { (&mailer.Loop{Store: ws, Sender: sender, Log: log}).Run(mctx); close(done) }()
		defer func() { stop(); <-done }()
	}
	go watch.SweepEvery(ctx, ws, sweepInterval, *retention, func(r watch.SweepResult, err error) {
		if err != nil {
			log.Error("retention sweep", "err", err)
			return
		}
		log.Info("retention sweep", "applications", r.Applications, "messages", r.Messages, "sessions", r.Sessions, "sign_in_failures", r.SignIns)
	})
	reloads := reload.NewRequests()
	deps.Reload = reloads.Request
	srv := server.New(cfg, deps)

	// SIGHUP asks for a reload from now on; one during the first load is
	// served after it rather than ending the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// Listen first so /healthz can say "loading" while the data loads.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, ln, nil) }()
	log.Info("listening", "addr", "http://"+cfg.Addr)
	go web.Prepare()
	start := time.Now()
	// The state the first load reads from: a change during the load is
	// then seen by --watch.
	base, err := reload.Scan(paths)
	if err != nil {
		log.Warn("scan of the data paths", "err", err)
	}
	st, err := startDataset(ctx, *snapshot, paths, base, rf.recentMonths, opt)
	if ctx.Err() != nil {
		// A signal during the load: Load gave up at once, and the server
		// is shutting down on the same context.
		log.Info("load interrupted", "error", ctx.Err())
		if serr := <-errc; serr != nil {
			return serr
		}
		return fmt.Errorf("serve: load interrupted: %w", ctx.Err())
	}
	srv.ObserveLoad("load", time.Since(start), err)
	if st.sum != nil {
		fmt.Fprint(os.Stderr, st.sum.String())
	}
	if err != nil {
		return err
	}
	ds := st.ds
	if st.from != nil {
		// The snapshot's tile index and counts, extended by the months
		// added since.
		srv.SetExtended(st.from, ds)
	} else {
		srv.SetDataset(ds)
	}
	log.Info("dataset loaded", "version", ds.Version(), "crimes", ds.Len(), "points", ds.NumPoints(), "elapsed", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "serving %d crimes on http://%s\n", ds.Len(), cfg.Addr)
	rl := &reloader{srv: srv, paths: paths, opt: opt, ds: ds, loaded: st.loaded, maxAppended: rf.maxAppended, recentMonths: rf.recentMonths}
	if st.snap != nil {
		rl.setSnapshotRoots(st.snap, st.whole)
	} else {
		rl.setRoots(ds, st.earlier, base)
	}
	rf.start(ctx, rl, reloads, hup, base)
	if !st.loaded.Equal(base) {
		// A month's archive beside the snapshot: its new month serves, and
		// the republished street files follow once it is ready, as in a
		// reload's second step.
		go func() {
			if waitReady(ctx, srv) {
				reloads.Request()
			}
		}()
	}
	return <-errc
}

// reloadFlags are serve's flags for loading new data without a restart.
type reloadFlags struct {
	watch            bool
	interval, settle time.Duration
	tokenFile        string
	maxAppended      int
	recentMonths     int
}

func (f *reloadFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.watch, "watch", false, "reload when files under the data paths are added, changed or removed (polled)")
	fs.DurationVar(&f.interval, "watch-interval", 5*time.Second, "with --watch, how often the data paths are scanned")
	fs.DurationVar(&f.settle, "watch-settle", 10*time.Second, "with --watch, how long files must stay unchanged before a reload")
	fs.StringVar(&f.tokenFile, "admin-token-file", "", "file holding the bearer token of POST /admin/reload (without it the route is 404)")
	fs.IntVar(&f.recentMonths, "recent-months", ingest.RecentMonths, "the latest months a load of every file builds apart on the months before them, kept to rebuild those months alone when one of their files is revised (0: in one piece; a snapshot's are its own)")
	fs.IntVar(&f.maxAppended, "max-appended", 3, "months' parts a reload adds to the dataset last read in one piece before it builds the months since as one part again (0 never does)")
}

// start runs the reloads asked for by SIGHUP, POST /admin/reload and, with
// --watch, settled file changes: one at a time, requests made meanwhile
// coalescing into one more.
func (f *reloadFlags) start(ctx context.Context, rl *reloader, reloads *reload.Requests, hup <-chan os.Signal, base reload.Snapshot) {
	log, paths := rl.opt.Logger, rl.paths
	go reloads.Serve(ctx, rl.reload)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reload requested")
				reloads.Request()
			}
		}
	}()
	if f.watch {
		log.Info("watching the data paths", "interval", f.interval, "settle", f.settle)
		go reload.Watch(ctx, paths, base, f.interval, f.settle, func() {
			log.Info("data files changed: reload requested")
			reloads.Request()
		}, func(err error) { log.Warn("watch", "err", err) })
	}
}

// reloader reloads the dataset being served. It remembers the dataset it
// last set and the scan of the files that dataset was loaded from, so that
// a drop that only adds files (a new month) is read alone and added to the
// dataset rather than every file being read again.
type reloader struct {
	srv    *server.Server
	paths  []string
	opt    ingest.Options
	ds     *geo.Dataset
	loaded reload.Snapshot // nil when unknown: the next reload reads every file
	// roots are the datasets later changes are taken in on, the latest
	// first: the dataset every file was last loaded into, or the
	// snapshot's serve started from (with, when it stores its latest
	// months apart, its earlier months after it). ds is the first with the
	// changes since taken in. When the files differ from ds's by more than
	// added files but from a root's only by them (a month added since was
	// revised, or a month the snapshot stores apart), those changes are
	// taken in on that root: the months since it are built, not all of
	// them. A root shares its crime table with ds but for the outcome
	// columns of parts whose outcomes were republished since (and a
	// snapshot's is mapped from the file), so keeping one costs little.
	roots []reloadRoot
	// maxAppended bounds the parts ds may have beyond the first root's:
	// each monthly reload adds one, and every scan of a point's crimes
	// takes each part in turn. Past it, the months since that root are
	// built again as one part (see mergeParts); 0 never does.
	maxAppended int
	// recentMonths is how many of the latest months a load of every file
	// builds apart (ingest.LoadApart); 0 none.
	recentMonths int
}

// reloadRoot is a dataset changes are taken in on (see reloader.roots).
type reloadRoot struct {
	ds *geo.Dataset
	// since compares the root's files with the files now; name names the
	// root in what a reload reports ("the snapshot").
	since func(now reload.Snapshot) (reload.Diff, error)
	name  string
}

// mapped returns the size of the snapshot the roots were opened from,
// whose pages hold their columns outside the heap, or 0 (see
// boundReloadMemory).
func (rl *reloader) mapped() int64 {
	var n int64
	for _, r := range rl.roots {
		n = max(n, r.ds.MappedBytes())
	}
	return n
}

// setRoots makes ds, read from every file (scanned as files), the dataset
// later changes are taken in on, and earlier, when not nil, the dataset of
// the months before the latest ds was built on (ingest.LoadApart).
func (rl *reloader) setRoots(ds, earlier *geo.Dataset, files reload.Snapshot) {
	since := func(files reload.Snapshot) func(reload.Snapshot) (reload.Diff, error) {
		return func(now reload.Snapshot) (reload.Diff, error) {
			if files == nil || now == nil {
				return reload.Diff{}, errors.New("the data paths could not be scanned")
			}
			return now.Since(files, rl.paths), nil
		}
	}
	rl.roots = []reloadRoot{{ds: ds, name: "the last full load", since: since(files)}}
	if earlier != nil {
		_, late, _ := ingest.SplitRecent(files.Files(), rl.recentMonths)
		rl.roots = append(rl.roots, reloadRoot{ds: earlier, name: "the last full load's earlier months", since: since(files.Without(late))})
	}
}

// setSnapshotRoots makes snap, opened from a snapshot, and whole, snap with
// the latest months the snapshot stores apart appended (snap itself when
// it stores none), the datasets later changes are taken in on.
func (rl *reloader) setSnapshotRoots(snap, whole *geo.Dataset) {
	since := func(list []byte) func(reload.Snapshot) (reload.Diff, error) {
		return func(now reload.Snapshot) (reload.Diff, error) { return filesSince(list, now, rl.paths) }
	}
	rl.roots = []reloadRoot{{ds: whole, name: "the snapshot", since: since(snap.SnapshotPart(dataFilesPart))}}
	if whole != snap {
		// The files of the months before the latest: those months count
		// as added since.
		rl.roots = append(rl.roots, reloadRoot{ds: snap, name: "the snapshot's earlier months", since: since(snap.SnapshotPart(rootFilesPart))})
	}
}

// reload loads the files beside the dataset being served and swaps the
// new one in; a load that fails, misses a file or has no crimes keeps the
// old one, since serving part of the data would look like a fall in crime.
func (rl *reloader) reload(ctx context.Context) {
	log := rl.opt.Logger
	start := time.Now()
	now, err := reload.Scan(rl.paths)
	if err != nil {
		log.Warn("reload: scan of the data paths", "err", err)
		now = nil
	}
	ds, from, sum, how, files, earlier, bounded, err := rl.load(ctx, now)
	defer bounded()
	if ctx.Err() != nil {
		return
	}
	switch {
	case sum != nil && sum.HasFailures():
		names := make([]string, 0, len(sum.Failed))
		for _, f := range sum.Failed {
			names = append(names, filepath.Base(f.File))
		}
		err = fmt.Errorf("reload: %d file(s) could not be read: %s", len(names), strings.Join(names, ", "))
		log.Error("reload: unreadable files", "failed", sum.Failed)
	case err != nil:
	case ds.Len() == 0:
		err = errors.New("reload: the data paths hold no crimes")
	}
	if err != nil {
		rl.srv.ReportReload(time.Since(start), how, err)
		log.Error("reload failed; the old dataset keeps serving", "err", err)
		return
	}
	if from != nil {
		rl.srv.SetExtended(from, ds)
	} else {
		rl.srv.SetDataset(ds)
	}
	rl.ds, rl.loaded = ds, files
	if len(rl.roots) > 0 {
		// When the snapshot's earlier months are the first root, the
		// months it stores apart were rebuilt from their files: their
		// pages would stay resident beside the rebuilt months.
		rl.roots[0].ds.ReleaseAppended()
	}
	for _, r := range rl.roots {
		// A part the snapshot stores apart, made again in place
		// (geo.Revise), serves from the heap now.
		r.ds.ReleaseAppendedUnused(ds)
	}
	if how == readEveryFile {
		for _, r := range rl.roots {
			// Nothing serves from a snapshot now; its pages would stay
			// resident beside the new dataset, as large as it.
			r.ds.ReleaseMapped()
		}
		rl.setRoots(ds, earlier, files)
	}
	// Until the new dataset serves.
	elapsed := time.Since(start)
	rl.srv.ReportReload(elapsed, how, nil)
	log.Info("dataset reloaded", "how", how, "version", ds.Version(), "crimes", ds.Len(), "points", ds.NumPoints(), "elapsed", elapsed.Round(time.Millisecond))
	// The replaced dataset is garbage now, but for requests still on it:
	// collect it, and keep the limit while the new dataset's hex columns
	// are built, so that neither the old dataset nor that build's garbage
	// sets the heap's next goal.
	runtime.GC()
	if !waitReady(ctx, rl.srv) {
		return
	}
	if !files.Equal(now) {
		// The republished street files left for this second step.
		rl.reload(ctx)
		return
	}
	rl.mergeParts(ctx, now)
}

// load reads the files as they are now: only the added ones when that is
// all that changed since the dataset was loaded and they hold later
// months (and the revised ones alone when they are street files that
// can be applied in place, see takeChanges); else the changes since root when they
// can be taken in so; else all of them. how says which, and from is the
// dataset the files were added to. files is the scan of the files ds
// holds: now, but for the street files left to a second step when a
// month's archive brings a new month with earlier months' files
// republished. The new month is then added alone, so that it serves in
// the time its own files take rather than after every republished file
// is read, and the outcomes follow. A load of every file builds a second
// dataset beside the one serving, and runs under a soft memory limit that
// the caller lifts (unbound) once the new dataset is ready; adding files
// shares the dataset and needs none.
func (rl *reloader) load(ctx context.Context, now reload.Snapshot) (ds, from *geo.Dataset, sum *ingest.Summary, how string, files reload.Snapshot, earlier *geo.Dataset, unbound func(), err error) {
	nop := func() {}
	if rl.ds != nil && rl.loaded != nil && now != nil {
		d := now.Since(rl.loaded, rl.paths)
		// The added files first when street files were republished beside
		// them. Refused, they would be refused after the outcomes too (the
		// same months, points and forces), so the outcomes are not read
		// for nothing.
		if len(d.Added) > 0 && len(d.Removed) == 0 && onlyStreetFilesRevised(d) {
			first := now.Keeping(rl.loaded, d.Revised)
			if ds, from, sum, how, ok, err := takeChanges(ctx, rl.ds, first.Since(rl.loaded, rl.paths), "added files", rl.opt); ok {
				rl.opt.Logger.Info("reload: the added files first, the republished street files next", "added", len(d.Added), "republished", len(d.Revised))
				return ds, from, sum, how, first, nil, nop, err
			}
		} else if ds, from, sum, how, ok, err := takeChanges(ctx, rl.ds, d, "added files", rl.opt); ok {
			return ds, from, sum, how, now, nil, nop, err
		}
	}
	if now != nil {
		if ds, from, sum, how, ok, err := rl.fromRoots(ctx, now, rl.ds); ok {
			return ds, from, sum, how, now, nil, nop, err
		}
	}
	unbound = boundReloadMemory(rl.mapped())
	ds, earlier, sum, err = ingest.LoadApart(ctx, rl.paths, now.Files(), rl.recentMonths, rl.opt)
	return ds, nil, sum, readEveryFile, now, earlier, unbound, err
}

// readEveryFile is what a reload that reads every file reports.
const readEveryFile = "every file"

// fromRoots is takeChanges on the first root, other than skip, that can
// take the files now in: ok is false when none can. The roots before that
// one are dropped, as the files have moved on from them.
func (rl *reloader) fromRoots(ctx context.Context, now reload.Snapshot, skip *geo.Dataset) (ds, from *geo.Dataset, sum *ingest.Summary, how string, ok bool, err error) {
	for k, r := range rl.roots {
		if r.ds == skip {
			continue
		}
		d, err := r.since(now)
		switch {
		case err != nil:
			continue
		case d.Same():
			ds, how, ok = r.ds, r.name+"'s files", true
		default:
			ds, from, sum, how, ok, err = takeChanges(ctx, r.ds, d, "files added since "+r.name, rl.opt)
		}
		if ok {
			if err == nil && !sum.HasFailures() {
				rl.roots = rl.roots[k:]
			}
			return ds, from, sum, how, true, err
		}
	}
	return nil, nil, nil, "", false, nil
}

// mergeParts builds the months added since the first root as one part
// (since a later root, when the first cannot take the files in), when the
// served dataset has more than maxAppended parts beyond its, and serves
// it in place of the dataset of many parts. The files are those the reload
// that served ds scanned as now, so the two datasets answer alike, version
// included (parts answer exactly as one piece): a merge whose version
// differs (a file changed meanwhile) is dropped, the next reload taking
// the change in. It costs the reading of those months' files again,
// beside a server that keeps serving the dataset of many parts meanwhile.
func (rl *reloader) mergeParts(ctx context.Context, now reload.Snapshot) {
	if len(rl.roots) == 0 || rl.maxAppended <= 0 || rl.ds.NumParts()-rl.roots[0].ds.NumParts() <= rl.maxAppended || now == nil {
		return
	}
	log := rl.opt.Logger
	start := time.Now()
	// The served dataset's derived data stands for the merged one (see
	// geo.Dataset.Regroups), so the dataset it extends is not needed.
	ds, _, sum, how, ok, err := rl.fromRoots(ctx, now, nil)
	switch {
	case ctx.Err() != nil:
		return
	case !ok:
		log.Warn("merge of the appended parts: the files since " + rl.roots[0].name + " cannot be taken in alone; the parts stay")
		return
	case err != nil || sum.HasFailures():
		log.Error("merge of the appended parts failed; the parts stay", "err", err)
		return
	case ds.Version() != rl.ds.Version():
		log.Warn("merge of the appended parts: the files changed meanwhile; the parts stay until the next reload", "version", ds.Version(), "serving", rl.ds.Version())
		return
	}
	parts := rl.ds.NumParts()
	rl.srv.SetDataset(ds)
	rl.ds = ds
	elapsed := time.Since(start)
	rl.srv.ReportReload(elapsed, "parts merged: "+how, nil)
	log.Info("appended parts merged", "read", how, "parts", parts, "now", ds.NumParts(), "version", ds.Version(), "elapsed", elapsed.Round(time.Millisecond))
}

// waitReady waits until srv is ready (its dataset's hex columns built),
// and reports false when ctx ends first.
func waitReady(ctx context.Context, srv *server.Server) bool {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !srv.Ready() {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}

// onlyStreetFilesRevised reports whether the files d lists as revised are
// all street files, and there are some.
func onlyStreetFilesRevised(d reload.Diff) bool {
	return len(d.Revised) > 0 && !slices.ContainsFunc(d.Revised, func(p string) bool { return !strings.HasSuffix(filepath.Base(p), "-street.csv") })
}

// takeChanges returns base with the changes d describes taken in without
// reading every file: street files published again applied in place
// (ingest.Revise; a month's archive brings the earlier months' street
// files so, their outcomes moved on, and a force may publish a month
// again with its crimes changed), then the added files added
// (ingest.Extend). from is
// the dataset the added files were added to, nil when none were. how says
// what was read, addedWhat naming the added files. ok is false when d
// holds other changes (files removed, files other than street files
// revised) or the files cannot be taken in so: every file is then to be
// read.
func takeChanges(ctx context.Context, base *geo.Dataset, d reload.Diff, addedWhat string, opt ingest.Options) (ds, from *geo.Dataset, sum *ingest.Summary, how string, ok bool, err error) {
	if d.Same() || len(d.Removed) > 0 || len(d.Revised) > 0 && !onlyStreetFilesRevised(d) {
		return nil, nil, nil, "", false, nil
	}
	defer lowerGCPercent(changesGCPercent)()
	// refused reports files that cannot be taken in as they are, as
	// against files that failed to read.
	refused := func(what string, err error, sum *ingest.Summary) bool {
		if !errors.Is(err, ingest.ErrCannotExtend) || sum.HasFailures() {
			return false
		}
		opt.Logger.Info("the "+what+" cannot be taken in alone; reading every file", "err", err)
		return true
	}
	ds = base
	var read []string
	if len(d.Revised) > 0 {
		ds, sum, err = ingest.Revise(ctx, ds, d.Revised, opt)
		if refused("revised files", err, sum) {
			return nil, nil, nil, "", false, nil
		}
		what := "revised outcomes"
		if ds != nil && ds.Revises(base) != nil {
			what = "revised crimes"
		}
		if err != nil || sum.HasFailures() {
			return ds, nil, sum, what, true, err
		}
		read = append(read, what)
	}
	if len(d.Added) > 0 {
		from = ds
		ds, sum, err = ingest.Extend(ctx, from, d.Added, opt)
		if refused(addedWhat, err, sum) {
			return nil, nil, nil, "", false, nil
		}
		read = append(read, addedWhat)
	}
	return ds, from, sum, strings.Join(read, " and "), true, err
}

// changesGCPercent is the GC percent while changes are taken in. Their
// build is mostly garbage (rows parsed, then placed), made beside a heap
// that holds the served dataset's indexes; at the default percent the heap
// was let grow by as much again before a collection, in pages the build
// touched for the first time. At 90M, the 6M republished rows of a
// month's archive took 11.6-12.7 s to take in at 25 against 15.3-16.6 s
// at 100, at a peak of 4.14 GB against 4.38, and a new month 1.63-1.93 s
// against 1.72-2.22.
const changesGCPercent = 25

// lowerGCPercent sets the GC percent to p unless it is lower already (or
// collection is off), and returns the undo.
func lowerGCPercent(p int) (restore func()) {
	// Off is -1, below any percent.
	prev := debug.SetGCPercent(p)
	if prev < p {
		debug.SetGCPercent(prev)
	}
	return func() { debug.SetGCPercent(prev) }
}

// boundReloadMemory sets a soft memory limit for a reload (reloadLimit of
// what the runtime holds, the live heap now and the mapped bytes of the
// dataset serving), unless a lower one is set (GOMEMLIMIT), and returns
// the undo. A reload keeps the old dataset live while it builds the new
// one beside it; unbounded, the collector would let the load's garbage
// grow as large again as everything live, and the process would need
// nearly three times its steady memory.
func boundReloadMemory(mapped int64) (restore func()) {
	return boundMemory(func(held, live int64) int64 { return reloadLimit(held, live, mapped) })
}

// boundMemory sets the soft memory limit that limit gives for what the
// runtime holds and the live heap now, unless a lower one is set
// (GOMEMLIMIT), and returns the undo.
func boundMemory(limit func(held, live int64) int64) (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if held, live := runtimeMemory(); held > 0 {
		if l := limit(held, live); l < prev {
			debug.SetMemoryLimit(l)
		}
	}
	return func() { debug.SetMemoryLimit(prev) }
}

// reloadLimit is a reload's memory limit given what the runtime holds, the
// heap live at the last collection and the bytes of the dataset serving
// that lie in a mapped snapshot rather than the heap. What is live stays
// until the swap, and a load needs about 1.35 times the dataset and
// indexes it builds at its peak, so 2.75 times the live heap leaves the
// collector room to work in; between 1.5 and 2 times what is held, since a
// process that has served for a while holds far more than is live, and
// one just collected holds little more. The mapped bytes count as held
// and live, since the new dataset is built as large in the heap, and come
// off the limit, which bounds the runtime's memory alone: without them a
// server started from a snapshot read every file at 90M under a limit of
// a fraction of the dataset, collecting all the while: 76-89 s against
// 55-59 s with them, at a peak no lower.
func reloadLimit(held, live, mapped int64) int64 {
	held, live = held+mapped, live+mapped
	return min(2*held, max(held*3/2, live*11/4)) - mapped
}

// runtimeMemory returns the memory the Go runtime has mapped and not given
// back to the system, and the heap live at the last collection.
func runtimeMemory() (held, live int64) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return 0, 0
		}
	}
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64()), int64(s[2].Value.Uint64())
}

// readAdminToken reads the admin bearer token from name ("" for none).
func readAdminToken(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("--admin-token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < minAdminToken || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("--admin-token-file %s: want one token of at least %d characters", name, minAdminToken)
	}
	return tok, nil
}

// checkPublicURL accepts an empty public URL or an absolute http(s) one with
// no query or fragment, since tile paths are appended to it.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url %q: want an absolute http or https URL without query, such as https://crime.example.org", s)
	}
	return nil
}

// loadNeighbourhoods loads the team data and the postcode directory when
// named, printing their summaries as ingest's, and builds the locator over
// the team data's and the KML boundaries.
func loadNeighbourhoods(ctx context.Context, deps *server.Deps, teamsDir, postcodes string, out io.Writer) error {
	if teamsDir != "" {
		set, sum, err := neighbourhood.LoadDir(ctx, teamsDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "neighbourhoods %s:\n%s", teamsDir, sum.String())
		deps.Neighbourhoods = set
	}
	if postcodes != "" {
		dir, sum, err := postcode.LoadFile(ctx, postcodes, postcode.Options{Logger: deps.Log})
		if err != nil {
			return err
		}
		fmt.Fprint(out, sum.String())
		deps.Postcodes = dir
	}
	if deps.Neighbourhoods == nil && deps.Boundaries.Len() == 0 {
		return nil
	}
	loc, sum, err := locate.Build(deps.Neighbourhoods, deps.Boundaries)
	if err != nil {
		return err
	}
	fmt.Fprint(out, sum.String())
	deps.Locator = loc
	return nil
}

// withLogFormat returns log, or for format "json" a JSON logger at the same
// level: collectors parse JSON lines without guessing at quoting.
func withLogFormat(log *slog.Logger, level, format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return log, nil
	case "json":
		var l slog.Level
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("log level %q: %w", level, err)
		}
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// smtpSender is the outbox's relay, or nil when --smtp is empty.
func smtpSender(rawURL, from string) (*mailer.SMTP, error) {
	if rawURL == "" {
		if from != "" {
			return nil, errors.New("--smtp-from needs --smtp")
		}
		return nil, nil
	}
	if from == "" {
		return nil, errors.New("--smtp needs --smtp-from")
	}
	return mailer.NewSMTP(rawURL, from)
}
