// Package reload decides when the crime data should be loaded again: when
// the files under the data paths change and then stay unchanged for a
// settle time, or when asked.
//
// It polls the file list with sizes and modification times rather than
// using fsnotify: polling works on every file system (network mounts and
// container volumes included, where inotify events often never arrive),
// needs no per-directory watch limits, and a data drop is monthly, so a
// scan every few seconds costs nothing that matters.
package reload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"crimemap/internal/parallel"
)

// fileState is what a scan remembers of one file.
type fileState struct {
	size  int64
	mtime time.Time
}

// Snapshot is the state of the files under the data paths, by path.
type Snapshot map[string]fileState

// Files lists the scanned files' paths, sorted.
func (s Snapshot) Files() []string { return slices.Sorted(maps.Keys(s)) }

// Equal reports whether two scans saw the same files, sizes and times.
func (s Snapshot) Equal(o Snapshot) bool {
	return maps.Equal(s, o)
}

// Scan lists the regular files under paths (files or folders) with their
// sizes and modification times. A path that does not exist is left out
// rather than failing: a folder being replaced is briefly absent. The
// folders are read in turn and the files' stats taken on every core: the
// long history's 7,740 files took 50-100 ms one stat at a time, at the
// start of every reload.
func Scan(paths []string) (Snapshot, error) {
	var files []string
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reload: scan %s: %w", root, err)
		}
	}
	const chunk = 256
	states := make([]fileState, len(files))
	found := make([]bool, len(files))
	errs := make([]error, (len(files)+chunk-1)/chunk)
	parallel.Each(len(errs), func(k int) {
		for i := k * chunk; i < min((k+1)*chunk, len(files)); i++ {
			info, err := os.Lstat(files[i])
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				errs[k] = fmt.Errorf("reload: scan %s: %w", files[i], err)
				return
			}
			// Replaced by something else since the folder was read.
			if !info.Mode().IsRegular() {
				continue
			}
			states[i], found[i] = fileState{size: info.Size(), mtime: info.ModTime()}, true
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	snap := make(Snapshot, len(files))
	for i, p := range files {
		if found[i] {
			snap[p] = states[i]
		}
	}
	return snap, nil
}

// Settler turns a series of scans into reload decisions: a change fires
// once, when scans have seen no further change for Settle, so a copy in
// progress is not loaded half written.
type Settler struct {
	Settle time.Duration
	// loaded is the state last fired on (or the starting state); seen the
	// last scan and since when it has not changed.
	loaded, seen Snapshot
	since        time.Time
}

// NewSettler starts from base, the state the served data was loaded from.
func NewSettler(base Snapshot, settle time.Duration, now time.Time) *Settler {
	return &Settler{Settle: settle, loaded: base, seen: base, since: now}
}

// Observe takes a scan made at now and reports whether to reload.
func (s *Settler) Observe(cur Snapshot, now time.Time) bool {
	if !cur.Equal(s.seen) {
		s.seen, s.since = cur, now
		return false
	}
	if cur.Equal(s.loaded) || now.Sub(s.since) < s.Settle {
		return false
	}
	s.loaded = cur
	return true
}

// Watch scans paths every interval until ctx ends and calls fire once for
// each change that has settled. base is the state the served data came
// from (nil scans now). A scan that fails is reported to onErr and skipped.
func Watch(ctx context.Context, paths []string, base Snapshot, interval, settle time.Duration, fire func(), onErr func(error)) {
	if base == nil {
		var err error
		if base, err = Scan(paths); err != nil {
			onErr(err)
			base = Snapshot{}
		}
	}
	st := NewSettler(base, settle, time.Now())
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cur, err := Scan(paths)
			if err != nil {
				onErr(err)
				continue
			}
			if st.Observe(cur, now) {
				fire()
			}
		}
	}
}

// Requests coalesces reload requests: any number made while one is
// pending or running yield one more reload, never a queue of them.
type Requests struct{ c chan struct{} }

// NewRequests returns an empty request queue.
func NewRequests() *Requests { return &Requests{c: make(chan struct{}, 1)} }

// Request asks for a reload without waiting.
func (r *Requests) Request() {
	select {
	case r.c <- struct{}{}:
	default:
	}
}

// Serve runs reload for each coalesced request, one at a time, until ctx
// ends.
func (r *Requests) Serve(ctx context.Context, reload func(context.Context)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.c:
			reload(ctx)
		}
	}
}
