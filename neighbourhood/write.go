package neighbourhood

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes one API response to rel (a path from the layout's
// functions, such as DetailPath) under dir, atomically: a reader of the
// folder sees the old file or the new one, never part of one, and after a
// crash the file is one or the other. Folders are made as needed.
func WriteFile(dir, rel string, data []byte) error {
	name := filepath.Join(dir, filepath.FromSlash(rel))
	folder := filepath.Dir(name)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	tmp, err := os.CreateTemp(folder, ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	ok = true
	// The rename is durable only once the folder's entry is on disk.
	if runtime.GOOS != "windows" {
		if d, err := os.Open(folder); err == nil {
			err = d.Sync()
			d.Close()
			if err != nil {
				return fmt.Errorf("writing %s: syncing folder: %w", rel, err)
			}
		}
	}
	return nil
}

// WriteJSON encodes v as the API does and writes it with WriteFile.
func WriteJSON(dir, rel string, v any) error {
	data, err := Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", rel, err)
	}
	return WriteFile(dir, rel, data)
}

// WriteDir writes the whole Set into dir in the layout, so that LoadDir
// reads back an equal Set. Lists are written only where the Set has them:
// a forces.json for the forces, and a neighbourhoods.json for every force
// folder.
func WriteDir(dir string, s *Set) error {
	return writeSet(s, func(rel string, v any) error { return WriteJSON(dir, rel, v) })
}

// writeSet hands each response of s to put, with its path.
func writeSet(s *Set, put func(rel string, v any) error) error {
	if len(s.forces) > 0 {
		if err := put(ForcesPath(), s.forces); err != nil {
			return err
		}
	}
	for id, f := range s.detail {
		if err := put(ForcePath(id), f); err != nil {
			return err
		}
	}
	for id, people := range s.officers {
		if err := put(ForcePeoplePath(id), people); err != nil {
			return err
		}
	}
	for force, t := range s.teams {
		if err := put(ListPath(force), nonNil(t.refs)); err != nil {
			return err
		}
		for id, h := range t.hoods {
			if err := writeHood(put, force, id, h); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeHood(put func(rel string, v any) error, force, id string, h *hood) error {
	// The id "neighbourhoods" has no detail path of its own: it is the list's.
	if h.detail != nil && id != listName {
		if err := put(DetailPath(force, id), h.detail); err != nil {
			return err
		}
	}
	files := []struct {
		rel  string
		v    any
		have bool
	}{
		{PeoplePath(force, id), h.people, h.people != nil},
		{EventsPath(force, id), h.events, h.events != nil},
		{PrioritiesPath(force, id), h.priorities, h.priorities != nil},
		{BoundaryPath(force, id), h.boundary, h.boundary != nil},
	}
	for _, f := range files {
		if !f.have {
			continue
		}
		if err := put(f.rel, f.v); err != nil {
			return err
		}
	}
	return nil
}
