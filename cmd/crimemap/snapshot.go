package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"time"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/reload"
	"crimemap/server"
)

func init() {
	register("snapshot", "load PATH... and write the built dataset to -out FILE, for serve --snapshot", runSnapshot)
}

func runSnapshot(ctx context.Context, args []string, stdout io.Writer) error {
	fs, lf := loadFlagSet("snapshot", "usage: crimemap snapshot [flags] -out FILE PATH...   (the PATHs serve takes)")
	out := fs.String("out", "", "snapshot file to write (replaced whole: written beside it, then renamed)")
	// The tile cluster index is stored for these; serve with others builds it.
	opt := server.DefaultConfig().Tiles
	fs.IntVar(&opt.CrimesZoom, "crimes-zoom", opt.CrimesZoom, "the crimes zoom serve will be given (its tile cluster index is stored for it)")
	fs.Float64Var(&opt.Radius, "cluster-radius", opt.Radius, "the cluster radius serve will be given (its tile cluster index is stored for it)")
	recent := fs.Int("recent-months", ingest.RecentMonths, "store the latest N months as a part of their own, which a reload rebuilds alone when their files are revised (0: the dataset in one piece)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	paths := dataPaths(fs)
	if len(paths) == 0 || *out == "" {
		fs.Usage()
		return errors.New("snapshot: -out FILE and at least one PATH are required")
	}
	// Scanned before the load, so that a file changed during it makes the
	// snapshot stale rather than silently part of it.
	files, err := reload.Scan(paths)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if *recent < 0 {
		return errors.New("snapshot: -recent-months must not be negative")
	}
	early, late, whole := ingest.SplitRecent(files.Files(), *recent)
	if whole != "" && *recent > 0 {
		fmt.Fprintf(stdout, "snapshot: the dataset in one piece: %s\n", whole)
	}
	if late == nil {
		early = paths
	}
	root, sum, err := lf.load(ctx, early, stdout)
	if err != nil {
		return err
	}
	// A snapshot stands in for the files on every later start: one made
	// without a file would serve part of the data as if it were all.
	if sum.HasFailures() {
		return fmt.Errorf("snapshot: %d file(s) could not be read; no snapshot written", len(sum.Failed))
	}
	ds, part := root, (*geo.Dataset)(nil)
	if late != nil {
		if ds, part, err = recentPart(ctx, lf, root, late, stdout); err != nil {
			return err
		}
	}
	start := time.Now()
	// Each step's garbage goes back to the system before the next step
	// allocates: the load's before the tile index is built, the tile
	// index's build before the hex columns are, so that no two of them
	// add to the peak.
	debug.FreeOSMemory()
	defer boundMemory(snapshotLimit)()
	parts := server.SnapshotParts(root, opt)
	debug.FreeOSMemory()
	parts = append(parts, geo.SnapshotPart{Name: dataFilesPart, Data: files.Manifest(paths)})
	if part != nil {
		// What serve builds from the dataset with the latest months
		// appended is stored with them, so that a start reads it in
		// place rather than extending the earlier months' (at 90M,
		// /readyz after 1.6-2.1 s against 2.2-2.9 s).
		appended, err := geo.AppendedPart(part, server.SnapshotParts(ds, opt)...)
		if err != nil {
			return err
		}
		debug.FreeOSMemory()
		parts = append(parts, appended, geo.SnapshotPart{Name: rootFilesPart, Data: files.Without(late).Manifest(paths)})
	}
	if err := geo.WriteSnapshotFile(*out, root, parts...); err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	apart := ""
	if ds != root {
		apart = fmt.Sprintf(" (%d of the latest months apart)", ds.Len()-root.Len())
	}
	fmt.Fprintf(stdout, "snapshot %s: dataset version %s, %d crimes%s, %d bytes, written in %s\n",
		*out, ds.Version(), ds.Len(), apart, fi.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// recentPart reads the files of the latest months as a part built on
// root, and returns root with it appended, and the part.
func recentPart(ctx context.Context, lf *loadFlags, root *geo.Dataset, late []string, stdout io.Writer) (ds, part *geo.Dataset, err error) {
	opt, err := lf.options(os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	part, sum, err := ingest.BuildOn(ctx, root, late, opt)
	if sum != nil {
		fmt.Fprint(stdout, sum.String())
	}
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("snapshot: the latest months: %w", err)
	case sum.HasFailures():
		return nil, nil, fmt.Errorf("snapshot: %d file(s) could not be read; no snapshot written", len(sum.Failed))
	}
	if ds, err = geo.Append(root, part); err != nil {
		return nil, nil, fmt.Errorf("snapshot: the latest months: %w", err)
	}
	return ds, part, nil
}

// snapshotLimit is the soft memory limit while the snapshot command builds
// what it stores beside the loaded dataset (the tile index, the hex levels
// and counts), given the live heap then: those add about a tenth to it,
// but by default (GOGC=100) the collector would let their build's garbage
// grow as large as everything live before collecting, and the command
// would peak at twice the dataset. A batch command can spend the
// collections. Before any collection the live heap is not known (0), and
// there is no limit.
func snapshotLimit(_, live int64) int64 {
	if live <= 0 {
		return math.MaxInt64
	}
	return live * 7 / 5
}

// dataFilesPart is the snapshot part listing the data files the snapshot
// was made from (reload.Snapshot.Manifest).
const dataFilesPart = "data-files"

// rootFilesPart is the snapshot part listing the files of its dataset
// alone, when the latest months are stored as a part of their own
// (geo.AppendedPart): the files a reload compares with to rebuild those
// months alone.
const rootFilesPart = "root-data-files"

// started is the dataset serve starts with, and how it was come by.
type started struct {
	ds *geo.Dataset
	// from is the dataset ds extends (see server.SetExtended), nil when
	// none.
	from *geo.Dataset
	// snap is the snapshot's dataset, nil when the files were loaded
	// instead; whole is snap with the latest months the snapshot stores
	// apart appended (geo.Dataset.WithAppended), snap itself when it
	// stores none or a file of those months was revised since. ds is
	// whole, or whole (or snap) with changes taken in.
	snap, whole *geo.Dataset
	sum         *ingest.Summary
	// loaded is the scan of the files ds holds.
	loaded reload.Snapshot
	// earlier is, when the files were loaded with their latest months
	// apart (ingest.LoadApart), the dataset of the months before them.
	earlier *geo.Dataset
}

// startDataset is the dataset serve starts with: the snapshot's when one is
// given, this build can read it and it was made from the files now under
// paths (base, their scan), else the one loaded from paths, with its
// latest recent months built apart (ingest.LoadApart). When files
// were only added since the snapshot (a new month's drop), or street files
// published again (a month's archive, outcomes moved on; a force-month
// with its crimes changed), the
// snapshot is opened and those changes taken in (see takeChanges). A
// refused snapshot is logged with its reason; serving goes on from the
// files, which are the source of truth: a snapshot older than a new
// month's files would otherwise be served as current until the next
// reload. When a month's archive lies beside the snapshot, its new month
// is taken in alone, on the street files as the snapshot had them, as a
// reload takes an archive; loaded then holds those, and the first reload,
// which serve asks for at once, the republished outcomes.
func startDataset(ctx context.Context, snapshot string, paths []string, base reload.Snapshot, recent int, opt ingest.Options) (started, error) {
	if snapshot != "" {
		st, ok, err := fromSnapshot(ctx, snapshot, paths, base, opt)
		if ok || err != nil {
			return st, err
		}
	}
	ds, earlier, sum, err := ingest.LoadApart(ctx, paths, base.Files(), recent, opt)
	return started{ds: ds, sum: sum, loaded: base, earlier: earlier}, err
}

// fromSnapshot is startDataset from the snapshot: ok is false when the
// files are to be loaded instead.
func fromSnapshot(ctx context.Context, snapshot string, paths []string, base reload.Snapshot, opt ingest.Options) (st started, ok bool, err error) {
	start := time.Now()
	var since reload.Diff
	opened, err := geo.OpenSnapshotChecked(snapshot, func(part func(string) []byte) error {
		d, err := filesSince(part(dataFilesPart), base, paths)
		if err == nil && !d.Same() && (len(d.Removed) > 0 || !d.OnlyAdded() && !onlyStreetFilesRevised(d)) {
			return fmt.Errorf("the data files differ from the ones it was built from: %s", d)
		}
		since = d
		return err
	})
	var whole *geo.Dataset
	if err == nil {
		if whole, _, err = opened.WithAppended(); err != nil {
			// Its pages, read for the checksums, would stay resident
			// beside the load of the files.
			opened.ReleaseMapped()
		}
	}
	if err != nil {
		opt.Logger.Error("snapshot refused; loading the data paths instead", "err", err)
		return st, false, nil
	}
	opt.Logger.Info("dataset opened from snapshot", "file", snapshot, "version", whole.Version(), "parts", whole.NumParts(), "elapsed", time.Since(start).Round(time.Millisecond))
	st = started{ds: whole, snap: opened, whole: whole, loaded: base}
	if since.Same() {
		return st, true, nil
	}
	tried := false
	if len(since.Added) > 0 && len(since.Revised) > 0 {
		var first reload.Snapshot
		if st.ds, st.from, st.sum, first, tried = addedFirst(ctx, whole, opened.SnapshotPart(dataFilesPart), since, base, paths, opt); first != nil {
			opt.Logger.Info("files added since the snapshot taken in; the republished street files at the first reload", "version", st.ds.Version(), "republished", len(since.Revised), "elapsed", time.Since(start).Round(time.Millisecond))
			st.loaded = first
			return st, true, nil
		}
	}
	// Refused alone, the added files would be refused after the
	// outcomes too (the same months, points and forces).
	if !tried {
		ds, from, sum, how, ok, err := takeChanges(ctx, whole, since, "files added since the snapshot", opt)
		if ok && err == nil && !sum.HasFailures() {
			opt.Logger.Info("changes since the snapshot taken in", "read", how, "version", ds.Version(), "elapsed", time.Since(start).Round(time.Millisecond))
			st.ds, st.from, st.sum = ds, from, sum
			return st, true, nil
		}
		st.sum = sum
		if err != nil && ctx.Err() == nil {
			opt.Logger.Error("the changes since the snapshot could not be taken in", "err", err)
		}
	}
	if whole != opened && ctx.Err() == nil {
		// A file of the months the snapshot stores apart revised: those
		// months are built again on the earlier ones, as a reload does.
		if d, err := filesSince(opened.SnapshotPart(rootFilesPart), base, paths); err == nil {
			ds, from, sum, how, ok, err := takeChanges(ctx, opened, d, "files added since the snapshot's earlier months", opt)
			if ok && err == nil && !sum.HasFailures() {
				opt.Logger.Info("changes since the snapshot taken in", "read", how, "version", ds.Version(), "elapsed", time.Since(start).Round(time.Millisecond))
				// The months stored apart serve nothing now, and no
				// reload can start from them.
				opened.ReleaseAppended()
				st.ds, st.from, st.whole, st.sum = ds, from, opened, sum
				return st, true, nil
			}
			st.sum = sum
		}
	}
	if ctx.Err() != nil {
		return started{sum: st.sum}, false, ctx.Err()
	}
	opt.Logger.Error("the changes since the snapshot could not be taken in; loading the data paths instead", "changes", since.String())
	return st, false, nil
}

// addedFirst takes in, on the snapshot's dataset whole, the files added
// since it alone, with the street files republished since (since.Revised)
// as the snapshot had them (list, its list of data files), and returns the result and first, the scan of
// its files; first is nil when that cannot be done, and tried says whether
// the added files were read (and refused or failed) rather than not tried
// at all.
func addedFirst(ctx context.Context, whole *geo.Dataset, list []byte, since reload.Diff, base reload.Snapshot, paths []string, opt ingest.Options) (ds, from *geo.Dataset, sum *ingest.Summary, first reload.Snapshot, tried bool) {
	// The files now but the republished ones, as the snapshot had them:
	// since the snapshot, the added files alone.
	first, err := base.KeepingManifest(list, since.Revised, paths)
	if err != nil {
		return nil, nil, nil, nil, false
	}
	ds, from, sum, _, ok, err := takeChanges(ctx, whole, since.AddedOnly(), "files added since the snapshot", opt)
	if !ok || err != nil || sum.HasFailures() {
		if err != nil {
			opt.Logger.Error("the files added since the snapshot could not be taken in", "err", err)
		}
		return nil, nil, sum, nil, true
	}
	return ds, from, sum, first, true
}

// filesSince compares a snapshot's list of data files with the scan of
// paths now.
func filesSince(list []byte, now reload.Snapshot, paths []string) (reload.Diff, error) {
	switch {
	case list == nil:
		return reload.Diff{}, errors.New("it holds no list of its data files")
	case now == nil:
		return reload.Diff{}, errors.New("the data paths could not be scanned")
	}
	return reload.ManifestDiff(list, now, paths)
}
