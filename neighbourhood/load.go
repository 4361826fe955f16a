package neighbourhood

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
)

// Summary reports what LoadDir read.
type Summary struct {
	Files          int // JSON files read
	Forces         int // forces in the Set
	Neighbourhoods int // neighbourhoods in the Set
	Details        int // neighbourhoods with their detail loaded
	People         int // team members loaded, over all neighbourhoods
	Events         int
	Priorities     int
	Boundaries     int // neighbourhoods with a boundary loaded

	// Unlisted names (force/id) neighbourhoods with a detail file that the
	// force's list leaves out; they load all the same. NoDetail names
	// listed neighbourhoods without a loaded detail.
	Unlisted []string
	NoDetail []string
	// Skipped names files and folders outside the layout, and those for a
	// neighbourhood that is neither listed nor has a detail file.
	Skipped []string
	// Errors are *FileError values, in the order the files were read: a
	// file that could not be read or decoded, or a value that dropped one
	// element of a list.
	Errors []error
}

// Rejected counts Errors by reason (the text of ErrNotJSON and the rest).
func (s *Summary) Rejected() map[string]int {
	m := map[string]int{}
	for _, err := range s.Errors {
		m[reasonOf(err)]++
	}
	return m
}

// String formats the summary for a person to read.
func (s *Summary) String() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("files: %d read, %d skipped, %d errors\n", s.Files, len(s.Skipped), len(s.Errors))
	p("forces: %d\n", s.Forces)
	p("neighbourhoods: %d (%d with detail, %d unlisted, %d without detail)\n", s.Neighbourhoods, s.Details, len(s.Unlisted), len(s.NoDetail))
	p("people: %d, events: %d, priorities: %d, boundaries: %d\n", s.People, s.Events, s.Priorities, s.Boundaries)
	rej := s.Rejected()
	for _, r := range slices.Sorted(maps.Keys(rej)) {
		p("  rejected, %s: %d\n", r, rej[r])
	}
	for _, n := range s.Unlisted {
		p("unlisted %s\n", n)
	}
	for _, n := range s.NoDetail {
		p("no detail %s\n", n)
	}
	for _, n := range s.Skipped {
		p("skipped %s\n", n)
	}
	for _, err := range s.Errors {
		p("ERROR %v\n", err)
	}
	return b.String()
}

// LoadDir reads a folder in the API's layout (see the package doc). Bad
// files and values are reported in the Summary and the rest loads; the
// error is for a folder that cannot be read or a cancelled ctx.
func LoadDir(ctx context.Context, dir string) (*Set, *Summary, error) {
	if _, err := os.ReadDir(dir); err != nil {
		return nil, nil, fmt.Errorf("neighbourhoods folder: %w", err)
	}
	return LoadFS(ctx, os.DirFS(dir))
}

// LoadFS is LoadDir over any file system.
func LoadFS(ctx context.Context, fsys fs.FS) (*Set, *Summary, error) {
	l := loader{ctx: ctx, fsys: fsys, sum: &Summary{}, set: &Set{detail: map[string]*Force{}, officers: map[string][]Person{}, teams: map[string]*forceTeams{}}}
	if err := l.load(); err != nil {
		return nil, nil, err
	}
	return l.set, l.sum, nil
}

type loader struct {
	ctx  context.Context
	fsys fs.FS
	sum  *Summary
	set  *Set
}

func (l *loader) load() error {
	top, err := fs.ReadDir(l.fsys, ".")
	if err != nil {
		return fmt.Errorf("neighbourhoods folder: %w", err)
	}
	var listed []ForceRef
	if refs, ok := readFile(l, forcesFile, forceRefsOf); ok {
		listed = refs
	}
	names := map[string]string{}
	for _, f := range listed {
		names[f.ID] = f.Name
	}
	var folders []string
	for _, e := range top {
		if err := l.ctx.Err(); err != nil {
			return err
		}
		switch {
		case e.Name() == forcesFile && !e.IsDir():
		case e.Name() == forcesDir && e.IsDir():
			l.forceDetails()
		case e.IsDir():
			force, err := UnescapeID(e.Name())
			if err != nil {
				l.skip(e.Name() + "/")
				continue
			}
			l.force(force)
			folders = append(folders, force)
		default:
			l.skip(e.Name())
		}
	}
	if err := l.ctx.Err(); err != nil {
		return err
	}
	// Forces: the list's order, then those only a folder or detail names.
	l.set.forces = listed
	extra := slices.Collect(maps.Keys(l.set.detail))
	extra = append(extra, folders...)
	slices.Sort(extra)
	for _, id := range slices.Compact(extra) {
		if _, ok := names[id]; ok {
			continue
		}
		name := ""
		if f := l.set.detail[id]; f != nil {
			name = f.Name
		}
		l.set.forces = append(l.set.forces, ForceRef{ID: id, Name: name})
	}
	l.sum.Forces = len(l.set.forces)
	return nil
}

func (l *loader) skip(name string) { l.sum.Skipped = append(l.sum.Skipped, name) }

func (l *loader) report(file string, err error) {
	l.sum.Errors = append(l.sum.Errors, &FileError{File: file, Err: err})
}

// readFile reads and decodes one file. ok is false when the file is
// missing (silently) or rejected whole (reported).
func readFile[T any](l *loader, name string, fn func(*decoder, any, string) T) (T, bool) {
	var zero T
	data, err := fs.ReadFile(l.fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return zero, false
	}
	if err != nil {
		l.report(name, err)
		return zero, false
	}
	l.sum.Files++
	v, dropped, err := decodeFile(data, fn)
	for _, d := range dropped {
		l.report(name, d)
	}
	if err != nil {
		l.report(name, err)
		return zero, false
	}
	return v, true
}

// forceDetails reads forces/<force>.json files and their senior officers,
// forces/<force>/people.json.
func (l *loader) forceDetails() {
	entries, err := fs.ReadDir(l.fsys, forcesDir)
	if err != nil {
		l.report(forcesDir+"/", err)
		return
	}
	for _, e := range entries {
		name := path.Join(forcesDir, e.Name())
		if e.IsDir() {
			l.forceOfficers(e.Name())
			continue
		}
		id, err := UnescapeID(strings.TrimSuffix(e.Name(), ext))
		if e.IsDir() || !strings.HasSuffix(e.Name(), ext) || err != nil {
			l.skip(name)
			continue
		}
		if f, ok := readFile(l, name, decodeForce); ok {
			if f.ID != id {
				l.report(name, &ValueError{Path: "$.id", Reason: ErrIDMismatch, Value: quote(clip(f.ID))})
				continue
			}
			l.set.detail[id] = f
		}
	}
}

// forceOfficers reads the senior officers of the force a folder of forces/
// names.
func (l *loader) forceOfficers(dir string) {
	id, err := UnescapeID(dir)
	if err != nil {
		l.skip(path.Join(forcesDir, dir) + "/")
		return
	}
	if people, ok := readFile(l, ForcePeoplePath(id), peopleOf); ok {
		l.set.officers[id] = people
	}
}

// force reads one force's folder.
func (l *loader) force(force string) {
	dir := EscapeID(force)
	t := &forceTeams{hoods: map[string]*hood{}}
	l.set.teams[force] = t
	if refs, ok := readFile(l, ListPath(force), refsOf); ok {
		t.refs = refs
		for _, r := range refs {
			t.hoods[r.ID] = &hood{}
		}
	}
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.report(dir+"/", err)
		return
	}
	// Details first, so a folder of subresources can be matched to them.
	var unlisted []NeighbourhoodRef
	var subdirs []string
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if e.IsDir() {
			subdirs = append(subdirs, e.Name())
			continue
		}
		if e.Name() == listName+ext {
			continue
		}
		id, err := UnescapeID(strings.TrimSuffix(e.Name(), ext))
		if !strings.HasSuffix(e.Name(), ext) || err != nil {
			l.skip(name)
			continue
		}
		n, ok := readFile(l, name, decodeNeighbourhood)
		if !ok {
			continue
		}
		if n.ID != id {
			l.report(name, &ValueError{Path: "$.id", Reason: ErrIDMismatch, Value: quote(clip(n.ID))})
			continue
		}
		h, listed := t.hoods[id]
		if !listed {
			h = &hood{}
			t.hoods[id] = h
			unlisted = append(unlisted, NeighbourhoodRef{ID: id, Name: n.Name})
			l.sum.Unlisted = append(l.sum.Unlisted, force+"/"+id)
		}
		h.detail = n
		l.sum.Details++
	}
	slices.SortFunc(unlisted, byID)
	t.refs = nonNil(append(t.refs, unlisted...))
	for _, sd := range subdirs {
		if l.ctx.Err() != nil {
			return
		}
		id, err := UnescapeID(sd)
		h := t.hoods[id]
		if err != nil || h == nil {
			l.skip(path.Join(dir, sd) + "/")
			continue
		}
		l.subresources(force, id, h)
	}
	for _, r := range t.refs {
		if t.hoods[r.ID].detail == nil {
			l.sum.NoDetail = append(l.sum.NoDetail, force+"/"+r.ID)
		}
	}
	l.sum.Neighbourhoods += len(t.refs)
}

// subresources reads a neighbourhood's folder.
func (l *loader) subresources(force, id string, h *hood) {
	dir := path.Join(EscapeID(force), EscapeID(id))
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.report(dir+"/", err)
		return
	}
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if e.IsDir() {
			l.skip(name + "/")
			continue
		}
		switch e.Name() {
		case peopleFile:
			h.people, _ = readFile(l, name, peopleOf)
			l.sum.People += len(h.people)
		case eventsFile:
			h.events, _ = readFile(l, name, eventsOf)
			l.sum.Events += len(h.events)
		case prioritiesFile:
			h.priorities, _ = readFile(l, name, prioritiesOf)
			l.sum.Priorities += len(h.priorities)
		case boundaryFile:
			if b, ok := readFile(l, name, boundaryOf); ok {
				h.boundary = b
				l.sum.Boundaries++
			}
		default:
			l.skip(name)
		}
	}
}
