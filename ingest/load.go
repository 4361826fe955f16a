package ingest

import (
	"archive/zip"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"crimemap/fault"
	"crimemap/geo"
	"crimemap/internal/parallel"
)

// Options tune Load.
type Options struct {
	// Workers is how many files are parsed at once; 0 means GOMAXPROCS.
	Workers int
	// Progress receives progress reports; nil is silent. A terminal gets a
	// progress bar by bytes read, anything else a plain line every few
	// seconds.
	Progress io.Writer
	// Logger receives rejected rows (the first few of each file) and failed
	// files; nil means slog.Default().
	Logger *slog.Logger
	// OnReject, when set, is called for every rejected row, from the
	// goroutine parsing its file.
	OnReject func(*ParseError)
	// Now gives the load date; nil means time.Now. Rows dated after its
	// month are rejected (ErrFutureMonth).
	Now func() time.Time
}

// source is one CSV to parse: a file on disk or a zip member.
type source struct {
	name    string
	size    int64
	seq     int
	open    func() (io.ReadCloser, error)
	walked  bool // found in a folder or zip: a CSV of no known layout is skipped
	zipped  bool
	archive string
}

// Load reads street, outcomes and stop-and-search files into a Dataset.
// paths may mix single CSV files, folders in the archive layout (walked
// recursively for *.csv and *.zip) and zip archives as data.police.uk
// distributes them. Files are loaded in argument order and, within a folder or
// zip, in path order; of two files for the same force and month the later
// wins, so loading a folder twice, or an old archive then a new one, never
// counts a month twice.
//
// A file that cannot be read is recorded in Summary.Failed and the load goes
// on; malformed rows are rejected, counted and logged, and so are rows whose
// crime type, outcome or force would overflow a vocabulary (geo.MaxTerms).
// Load returns an error only when no path exists at all (ErrNoInput), or
// when ctx ends: then it returns ctx.Err() promptly, even while a file is
// blocked in a read, leaving that read to finish on its own.
func Load(ctx context.Context, paths []string, opt Options) (*geo.Dataset, *Summary, error) {
	return load(ctx, paths, opt, (*geo.Builder).Build)
}

// ErrCannotExtend is returned by Extend when the files cannot be added to
// the dataset as a part of their own: they hold a month that is not later
// than every month of the dataset, or no crimes (a stop-and-search file
// alone, say); and by Restate when revised files change more than their
// crimes' outcomes. The caller loads every file instead.
var ErrCannotExtend = errors.New("the files cannot be added to the dataset as they are")

// Extend reads the files of a new month's drop (street, outcomes and
// stop-and-search files whose months are all later than base's) and
// returns base with them added: only those files are parsed, and only
// their part of the dataset is built and indexed; base itself is
// unchanged and goes on answering. The result is what Load gives for
// base's files and these together. Files that cannot be added so fail with
// ErrCannotExtend; the summary then describes the files read.
func Extend(ctx context.Context, base *geo.Dataset, paths []string, opt Options) (*geo.Dataset, *Summary, error) {
	return load(ctx, paths, opt, func(b *geo.Builder) (*geo.Dataset, geo.BuildStats, error) {
		return buildThen(b, func(b *geo.Builder) (*geo.Dataset, geo.BuildStats, error) { return b.BuildOn(base) },
			"appended", func(month *geo.Dataset) (*geo.Dataset, error) { return geo.Append(base, month) }, geo.ErrNotLater, geo.ErrAppend)
	})
}

// BuildOn reads files as Extend does and returns their part alone, built
// on base (geo.Builder.BuildOn), for geo.Append to add to base; a
// snapshot stores such a part beside base (geo.AppendedPart).
func BuildOn(ctx context.Context, base *geo.Dataset, paths []string, opt Options) (*geo.Dataset, *Summary, error) {
	return load(ctx, paths, opt, func(b *geo.Builder) (*geo.Dataset, geo.BuildStats, error) {
		return buildThen(b, func(b *geo.Builder) (*geo.Dataset, geo.BuildStats, error) { return b.BuildOn(base) },
			"built on", func(part *geo.Dataset) (*geo.Dataset, error) { return part, nil }, geo.ErrNotLater)
	})
}

// Revise reads revised street files of force-months base holds and
// returns base with their crimes as the files now give them (see
// geo.Revise): data.police.uk publishes a force-month's street file again
// as its crimes' outcomes move on, and a force now and then publishes a
// month again with crimes dropped, added or corrected. Only those files
// are parsed; base's parts are shared but for the outcome columns of the
// parts whose outcomes moved on, or the parts holding force-months whose
// crimes changed, made again from their own columns. The result is what
// Load gives for base's files with these in place of the old ones. Files
// whose names give no force-month are paired with base's crimes as they
// are (geo.Restate): their outcomes moved on alone. Files that cannot be
// applied so (see geo.Revise), and outcomes or stop-and-search files,
// fail with ErrCannotExtend.
func Revise(ctx context.Context, base *geo.Dataset, paths []string, opt Options) (*geo.Dataset, *Summary, error) {
	units := make([]geo.Unit, 0, len(paths))
	for _, p := range paths {
		if ni := parseName(p); ni.hasUnit && ni.kind == kindStreet {
			units = append(units, ni.unit)
		}
	}
	apply := func(rev *geo.Dataset) (*geo.Dataset, error) { return geo.Revise(base, rev, units) }
	if len(units) < len(paths) {
		// Without the force-months of every file, a file's crimes can
		// only be paired with those base holds: outcomes moved on alone.
		apply = func(rev *geo.Dataset) (*geo.Dataset, error) { return geo.Restate(base, rev) }
	}
	return load(ctx, paths, opt, func(b *geo.Builder) (*geo.Dataset, geo.BuildStats, error) {
		return buildThen(b, (*geo.Builder).Build, "revised", apply, geo.ErrRestate)
	})
}

// buildThen builds b with build and makes the dataset from what it built
// with then, timed as the phase named. An error that is one of refused
// says the files cannot be taken in as they are, and is returned wrapping
// ErrCannotExtend.
func buildThen(b *geo.Builder, build func(*geo.Builder) (*geo.Dataset, geo.BuildStats, error), phase string,
	then func(*geo.Dataset) (*geo.Dataset, error), refused ...error) (*geo.Dataset, geo.BuildStats, error) {
	built, st, err := build(b)
	if err == nil {
		t0 := time.Now()
		var ds *geo.Dataset
		ds, err = then(built)
		st.Phases = append(st.Phases, geo.Phase{Name: phase, Took: time.Since(t0)})
		if err == nil {
			st.Crimes, st.Located, st.Points = ds.Len(), ds.Located(), ds.NumPoints()
			return ds, st, nil
		}
	}
	for _, r := range refused {
		if errors.Is(err, r) {
			return nil, st, fmt.Errorf("%w: %w", ErrCannotExtend, err)
		}
	}
	return nil, st, err
}

// load parses paths into a Builder and builds it with build.
func load(ctx context.Context, paths []string, opt Options, build func(*geo.Builder) (*geo.Dataset, geo.BuildStats, error)) (*geo.Dataset, *Summary, error) {
	start := time.Now()
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	workers := parallel.Workers(opt.Workers)
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	latest := monthOf(now())
	budget := geo.NewTermBudget()
	sum := &Summary{}
	srcs, closers, existed := collect(paths, sum, log)
	// A worker still blocked in a read when ctx ends reads from a zip:
	// the archives are closed when the workers are done, not before.
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	if !existed {
		closeAll()
		return nil, sum, fmt.Errorf("ingest: %w: %s", ErrNoInput, strings.Join(paths, ", "))
	}

	prog := startProgress(opt.Progress, srcs)
	b := geo.NewBuilder()
	// The batches are the load's alone: Build may empty them as it goes.
	b.ReleaseRows()
	var mu sync.Mutex
	work := make(chan []*source)
	// The archives are closed, and done closed, when the last worker is
	// done.
	done := make(chan struct{})
	go func() {
		parallel.Run(min(workers, max(1, len(srcs))), func(int) {
			w := worker{budget: budget, latest: latest}
			for group := range work {
				// A force's points are its own, so a table per force
				// loses no sharing, and the table being searched is
				// one force's, small enough to stay in cache, not
				// every force's this goroutine has parsed so far.
				w.strs = nil
				for _, src := range group {
					res, err := w.loadSource(ctx, src, log, opt.OnReject, prog)
					if err == nil {
						err = addBatches(b, res)
					}
					mu.Lock()
					sum.record(src, res, err, log)
					mu.Unlock()
				}
				// No other file meets this force's Interner: its
				// lookup tables need not wait for Build.
				if w.strs != nil {
					w.strs.Seal()
				}
			}
		})
		closeAll()
		close(done)
	}()
feed:
	for _, g := range byForce(srcs) {
		select {
		case work <- g:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	select {
	case <-done:
	case <-ctx.Done():
	}
	if err := ctx.Err(); err != nil {
		prog.finish()
		// The workers may still be recording: the summary is theirs.
		return nil, &Summary{}, fmt.Errorf("ingest: %w", err)
	}
	prog.parsed()
	parsed := time.Since(start)
	ds, st, err := build(b)
	prog.finish()
	if err != nil {
		return nil, sum, fmt.Errorf("ingest: build dataset: %w", err)
	}
	sum.OutcomeRows = st.OutcomeRows
	sum.OutcomesJoined = st.OutcomesJoined
	sum.OutcomesUnmatched = st.OutcomesUnmatch
	sum.OutcomesNoID = st.OutcomesNoID
	sum.StopAndSearch = st.StopAndSearch
	sum.Replaced = st.Replaced
	sum.KeptOlder = st.KeptOlder
	for _, k := range st.KeptOlder {
		log.Warn("newer copy of a unit has no rows; older copy kept", "kind", k.Kind, "unit", k.Unit.String(), "empty", k.Source, "kept", k.ByNewer)
	}
	sum.Crimes, sum.Located, sum.Points = st.Crimes, st.Located, st.Points
	sum.Phases = append([]geo.Phase{{Name: "files parsed", Took: parsed}}, st.Phases...)
	slices.SortFunc(sum.Failed, func(a, b FileError) int { return strings.Compare(a.File, b.File) })
	sum.Elapsed = time.Since(start)
	return ds, sum, nil
}

// byForce groups sources by the force their names give, largest group
// first. A goroutine parses a whole group: a force's snap points recur
// every month, so it then meets each of them in one string and point table
// rather than in all, and with the largest forces handed out first no
// goroutine is left with a long file when the others are done. Order does
// not matter to the result: of two files of one unit the later in
// argument order wins whoever parses them.
func byForce(srcs []*source) [][]*source {
	var groups [][]*source
	at := map[string]int{}
	for _, s := range srcs {
		ni := parseName(s.name)
		if !ni.hasUnit {
			groups = append(groups, []*source{s})
			continue
		}
		g, ok := at[ni.unit.Force]
		if !ok {
			g = len(groups)
			at[ni.unit.Force] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], s)
	}
	size := func(g []*source) (n int64) {
		for _, s := range g {
			n += s.size
		}
		return n
	}
	slices.SortStableFunc(groups, func(a, b []*source) int { return cmp.Compare(size(b), size(a)) })
	return groups
}

func addBatches(b *geo.Builder, res *fileResult) error {
	for _, sb := range res.street {
		if err := b.AddStreet(sb); err != nil {
			return err
		}
	}
	for _, ob := range res.outcomes {
		if err := b.AddOutcomes(ob); err != nil {
			return err
		}
	}
	for _, sb := range res.stops {
		if err := b.AddStops(sb); err != nil {
			return err
		}
	}
	return nil
}

// loadSource opens and parses one source.
func (w *worker) loadSource(ctx context.Context, src *source, log *slog.Logger, onReject func(*ParseError), prog *progress) (*fileResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := src.open()
	if err != nil {
		if src.zipped {
			return nil, fmt.Errorf("%w: %w", ErrBadZip, err)
		}
		return nil, err
	}
	defer rc.Close()
	var res *fileResult
	if data, unmap := mapSource(rc); data != nil {
		res, err = w.parseMapped(ctx, data, unmap, src, log, onReject)
		prog.read.Add(int64(len(data)))
	} else {
		var r io.Reader = &countReader{r: rc, n: &prog.read}
		if src.zipped {
			r = zipErrReader{r}
		}
		rr := newRecordReader(r, src.size, w.buf)
		res, err = w.parseFile(ctx, rr, src.name, src.size, src.seq, log, onReject)
		// Rows are copied out of the buffer as they are added to a batch,
		// so the next file may reuse it.
		w.buf = rr.buf
	}
	prog.files.Add(1)
	if res != nil {
		prog.rows.Add(int64(res.counts.Read))
	}
	return res, err
}

// minMapSize is the smallest file that is mapped rather than read: below
// it the mapping costs more than the copy it saves.
const minMapSize = 1 << 16

// maxMapSize is the largest file that is mapped. A mapping is populated
// up front, which for a file of gigabytes (a sparse one costs nothing on
// disk) would read it all into memory before a byte is parsed; a larger
// file is read, and the parser gives up on it as soon as it stops being
// CSV. The archive's files are a few tens of megabytes.
const maxMapSize = 64 << 20

// errFileChanged means a mapped file shrank while it was parsed.
var errFileChanged = fault.New(fault.Conflict, "file changed while it was read")

// mapSource maps a regular file worth mapping, at its size now rather than
// when it was listed, so that a file that grew since is parsed to its end
// as a read would. It returns nil when the source is to be read instead:
// not every source is a file, and not every file system maps.
func mapSource(rc io.ReadCloser) (data []byte, unmap func() error) {
	f, ok := rc.(*os.File)
	if !ok {
		return nil, nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < minMapSize || fi.Size() > maxMapSize {
		return nil, nil
	}
	data, unmap, err = mapFile(f, fi.Size())
	if err != nil {
		return nil, nil
	}
	return data, unmap
}

// parseMapped parses a mapped file and unmaps it. A file truncated
// meanwhile faults on the pages it lost; that fault fails this file rather
// than the process.
func (w *worker) parseMapped(ctx context.Context, data []byte, unmap func() error, src *source, log *slog.Logger, onReject func(*ParseError)) (res *fileResult, err error) {
	defer func() {
		if e := unmap(); e != nil && err == nil {
			err = fmt.Errorf("unmap %s: %w", src.name, e)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(interface{ Addr() uintptr }); !ok {
				panic(p)
			}
			res, err = nil, fmt.Errorf("%s: %w", src.name, errFileChanged)
		}
	}()
	return w.parseFile(ctx, newBytesReader(data), src.name, int64(len(data)), src.seq, log, onReject)
}

type countReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// zipErrReader marks a failed read of a zip member (bad checksum, corrupt
// deflate stream) as a broken archive.
type zipErrReader struct{ r io.Reader }

func (z zipErrReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: %w", ErrBadZip, err)
	}
	return n, err
}

// wanted reports whether a file found by walking a folder or zip is one Load
// reads; README files, KML, JSON and the like are passed over.
func wanted(name string) (csv, zipped bool) {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".csv"), strings.HasSuffix(l, ".zip")
}

// collect expands paths into sources in load order. Paths that cannot be
// read are recorded in sum. existed is false when no path exists at all.
func collect(paths []string, sum *Summary, log *slog.Logger) (srcs []*source, closers []io.Closer, existed bool) {
	seq := 0
	addFile := func(p string, size int64, walked bool) {
		seq++
		srcs = append(srcs, &source{name: p, size: size, seq: seq, walked: walked,
			open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	addZip := func(p string) {
		zr, err := zip.OpenReader(p)
		if err != nil {
			sum.Failed = append(sum.Failed, FileError{File: p, Err: fmt.Errorf("%w: %w", ErrBadZip, err)})
			return
		}
		closers = append(closers, zr)
		files := slices.Clone(zr.File)
		slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
		for _, f := range files {
			if csv, _ := wanted(f.Name); !csv || f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
				continue
			}
			seq++
			srcs = append(srcs, &source{name: p + "!" + f.Name, size: int64(f.UncompressedSize64), seq: seq,
				walked: true, zipped: true, archive: p, open: f.Open})
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			sum.Failed = append(sum.Failed, FileError{File: p, Err: err})
			continue
		}
		existed = true
		switch {
		case fi.IsDir():
			err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
				if err != nil {
					sum.Failed = append(sum.Failed, FileError{File: q, Err: err})
					return nil
				}
				if d.IsDir() {
					return nil
				}
				csv, zipped := wanted(q)
				if !csv && !zipped {
					return nil
				}
				// Only regular files, a link to one included: a FIFO
				// or a device would block the load in open or read.
				info, err := d.Info()
				if err == nil && d.Type()&fs.ModeSymlink != 0 {
					info, err = os.Stat(q)
				}
				if err == nil && !info.Mode().IsRegular() {
					sum.Skipped = append(sum.Skipped, q)
					log.Warn("skipped file that is not a regular file", "file", q, "mode", info.Mode().String())
					return nil
				}
				switch {
				case csv:
					if err != nil {
						sum.Failed = append(sum.Failed, FileError{File: q, Err: err})
						return nil
					}
					addFile(q, info.Size(), true)
				case zipped:
					addZip(q)
				}
				return nil
			})
			if err != nil {
				sum.Failed = append(sum.Failed, FileError{File: p, Err: err})
			}
		case strings.HasSuffix(strings.ToLower(p), ".zip"):
			addZip(p)
		default:
			addFile(p, fi.Size(), false)
		}
	}
	return srcs, closers, existed
}
