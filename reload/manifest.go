package reload

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A manifest is a scan written down beside what was built from the files
// (a snapshot), so that a later start can tell whether the files are still
// the ones it was built from. Each file is named by the position of its data
// path among the paths given and its path within that data path, so the
// same files under another folder (a replica's mount, say) compare equal;
// sizes and modification times are compared as --watch compares them, so a
// copy must keep the times (rsync -a, cp -p).
type manifest struct {
	Format int            `json:"format"`
	Files  []manifestFile `json:"files"`
}

type manifestFile struct {
	Path  int    `json:"path"` // position of the data path
	Name  string `json:"name"` // slash-separated, within the data path; "." for a data path that is a file
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime_ns"`
}

const manifestFormat = 1

// MaxManifest bounds an encoded manifest: about 80 bytes a file, so a
// million files.
const MaxManifest = 80 << 20

// Manifest encodes the scan s of paths canonically: the same files give
// the same bytes.
func (s Snapshot) Manifest(paths []string) []byte {
	b, err := json.Marshal(manifest{Format: manifestFormat, Files: s.files(paths)})
	if err != nil {
		panic(err) // ints and strings always encode
	}
	return b
}

// files lists the scan's files as a manifest names them, in order.
func (s Snapshot) files(paths []string) []manifestFile {
	fs := make([]manifestFile, 0, len(s))
	for p, st := range s {
		i, name := place(paths, p)
		fs = append(fs, manifestFile{Path: i, Name: name, Size: st.size, MTime: st.mtime.UnixNano()})
	}
	slices.SortFunc(fs, func(a, b manifestFile) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), strings.Compare(a.Name, b.Name))
	})
	return fs
}

// place names the file at p by the first data path that holds it.
func place(paths []string, p string) (int, string) {
	for i, root := range paths {
		rel, err := filepath.Rel(root, p)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return i, filepath.ToSlash(rel)
		}
	}
	return -1, filepath.ToSlash(p) // not under any path: Scan never gives one
}

// Diff is how the files under the data paths changed between two scans.
type Diff struct {
	// Added are the files that are new, by their paths now, in order.
	Added []string
	// Revised are the files that changed, by their paths now, in order.
	Revised []string
	// Changed and Removed name the other differences, for messages.
	Changed, Removed []string
	addedNames       []string // Added as the data paths name them
}

// Same reports whether nothing changed.
func (d Diff) Same() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// OnlyAdded reports whether files were added and nothing else changed:
// what a new month's drop looks like, which a load can add to the dataset
// without reading the other files again.
func (d Diff) OnlyAdded() bool { return len(d.Added) > 0 && len(d.Changed)+len(d.Removed) == 0 }

// AddedOnly returns d without its other changes than the added files.
func (d Diff) AddedOnly() Diff {
	return Diff{Added: d.Added, addedNames: d.addedNames}
}

func (d Diff) String() string {
	return fmt.Sprintf("%s added, %s changed, %s removed", some(d.addedNames), some(d.Changed), some(d.Removed))
}

// Since compares the scan s of paths with an earlier scan then of the same
// paths.
func (s Snapshot) Since(then Snapshot, paths []string) Diff {
	return diff(then.files(paths), s, paths)
}

// Keeping returns the scan s with the files kept (paths of s) as they
// were in the earlier scan then: the files a load holds when it took in
// every change since then but to those.
func (s Snapshot) Keeping(then Snapshot, kept []string) Snapshot {
	out := maps.Clone(s)
	for _, p := range kept {
		if st, ok := then[p]; ok {
			out[p] = st
		} else {
			delete(out, p)
		}
	}
	return out
}

// Without returns the scan s without the files at paths.
func (s Snapshot) Without(paths []string) Snapshot {
	out := maps.Clone(s)
	for _, p := range paths {
		delete(out, p)
	}
	return out
}

// ManifestDiff compares the files of the manifest then (as Manifest wrote
// it) with the scan now of paths.
func ManifestDiff(then []byte, now Snapshot, paths []string) (Diff, error) {
	files, err := readManifest(then)
	if err != nil {
		return Diff{}, err
	}
	return diff(files, now, paths), nil
}

// KeepingManifest is Keeping with the earlier files a manifest (as
// Manifest wrote it, for the same paths): the scan s with the files kept
// (paths of s) as the manifest records them, or left out where it has
// none. A start from a snapshot takes in the changes since it so.
func (s Snapshot) KeepingManifest(then []byte, kept, paths []string) (Snapshot, error) {
	files, err := readManifest(then)
	if err != nil {
		return nil, err
	}
	was := make(map[manifestKey]manifestFile, len(files))
	for _, f := range files {
		was[manifestKey{f.Path, f.Name}] = f
	}
	out := maps.Clone(s)
	for _, p := range kept {
		i, name := place(paths, p)
		if f, ok := was[manifestKey{i, name}]; ok {
			out[p] = fileState{size: f.Size, mtime: time.Unix(0, f.MTime)}
		} else {
			delete(out, p)
		}
	}
	return out, nil
}

// manifestKey names a file of a manifest.
type manifestKey struct {
	path int
	name string
}

// readManifest decodes a manifest's files.
func readManifest(b []byte) ([]manifestFile, error) {
	if len(b) > MaxManifest {
		return nil, fmt.Errorf("file list of %d bytes, at most %d", len(b), MaxManifest)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("file list unreadable: %w", err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("file list of format %d, this build reads %d", m.Format, manifestFormat)
	}
	return m.Files, nil
}

// diff compares the files then, as a manifest names them, with the scan now.
func diff(then []manifestFile, now Snapshot, paths []string) Diff {
	key := func(f manifestFile) manifestKey { return manifestKey{f.Path, f.Name} }
	was := make(map[manifestKey]manifestFile, len(then))
	for _, f := range then {
		was[key(f)] = f
	}
	var d Diff
	for _, p := range slices.Sorted(maps.Keys(now)) {
		i, name := place(paths, p)
		st := now[p]
		f := manifestFile{Path: i, Name: name, Size: st.size, MTime: st.mtime.UnixNano()}
		k := key(f)
		o, ok := was[k]
		switch {
		case !ok:
			d.Added = append(d.Added, p)
			d.addedNames = append(d.addedNames, f.Name)
		case o != f:
			d.Revised = append(d.Revised, p)
			d.Changed = append(d.Changed, f.Name+changeOf(o, f))
		}
		delete(was, k)
	}
	for _, f := range then {
		if _, ok := was[key(f)]; ok {
			d.Removed = append(d.Removed, f.Name)
		}
	}
	return d
}

// CompareManifest reports how the files of the manifest then (as Manifest
// wrote it) differ from the scan now: nil when they are the same, else an
// error naming how many files were added, changed and removed, with the
// first few of each.
func CompareManifest(then []byte, now Snapshot, paths []string) error {
	d, err := ManifestDiff(then, now, paths)
	if err != nil || d.Same() {
		return err
	}
	return fmt.Errorf("the data files differ from the ones it was built from: %s", d)
}

func changeOf(o, f manifestFile) string {
	if o.Size != f.Size {
		return fmt.Sprintf(" (%d bytes, was %d)", f.Size, o.Size)
	}
	return fmt.Sprintf(" (modified %s, was %s)", time.Unix(0, f.MTime).UTC().Format(time.RFC3339), time.Unix(0, o.MTime).UTC().Format(time.RFC3339))
}

// some is a count with the first three names.
func some(names []string) string {
	if len(names) == 0 {
		return "0"
	}
	names = slices.Sorted(slices.Values(names))
	const shown = 3
	s := fmt.Sprintf("%d (%s", len(names), strings.Join(names[:min(shown, len(names))], ", "))
	if len(names) > shown {
		s += ", ..."
	}
	return s + ")"
}
