package reload

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCompareManifest writes a manifest of a folder, changes the files in
// each way a new data drop can, and checks what the comparison says.
func TestCompareManifest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string) string // returns the data path to scan now
		want   string                                // "" for no difference
		// onlyAdded says whether the change is files added and nothing
		// else: a drop that can be added to the dataset as it is.
		onlyAdded bool
	}{
		{"unchanged", func(t *testing.T, dir string) string { return dir }, "", false},
		{"another folder, times kept", func(t *testing.T, dir string) string {
			moved := filepath.Join(t.TempDir(), "mnt")
			if err := os.Rename(dir, moved); err != nil {
				t.Fatal(err)
			}
			return moved
		}, "", false},
		{"month added", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "2017-03", "2017-03-kent-street.csv"), "x")
			return dir
		}, "1 (2017-03/2017-03-kent-street.csv) added, 0 changed, 0 removed", true},
		{"file revised, same size", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "2017-02", "2017-02-kent-street.csv")
			write(t, p, "b")
			touch(t, p, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
			return dir
		}, "0 added, 1 (2017-02/2017-02-kent-street.csv (modified 2020-01-02T03:04:05Z, was 2017-03-01T00:00:00Z)) changed, 0 removed", false},
		{"file grew", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "2017-02", "2017-02-kent-street.csv"), "abc")
			return dir
		}, "0 added, 1 (2017-02/2017-02-kent-street.csv (3 bytes, was 1)) changed, 0 removed", false},
		{"force removed", func(t *testing.T, dir string) string {
			if err := os.Remove(filepath.Join(dir, "2017-02", "2017-02-kent-street.csv")); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "0 added, 0 changed, 1 (2017-02/2017-02-kent-street.csv) removed", false},
		{"many added", func(t *testing.T, dir string) string {
			for _, f := range []string{"a", "b", "c", "d"} {
				write(t, filepath.Join(dir, f), "x")
			}
			return dir
		}, "4 (a, b, c, ...) added", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "police-uk")
			for _, f := range []string{"2017-02/2017-02-kent-street.csv", "2017-02/2017-02-hampshire-street.csv"} {
				p := filepath.Join(dir, filepath.FromSlash(f))
				write(t, p, "a")
				touch(t, p, time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC))
			}
			then, err := Scan([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			m := then.Manifest([]string{dir})
			path := tc.change(t, dir)
			now, err := Scan([]string{path})
			if err != nil {
				t.Fatal(err)
			}
			err = CompareManifest(m, now, []string{path})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("differs: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
			d, err := ManifestDiff(m, now, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			if d.OnlyAdded() != tc.onlyAdded || d.Same() != (tc.want == "") {
				t.Fatalf("diff %v: only added %v, same %v", d, d.OnlyAdded(), d.Same())
			}
			for _, p := range slices.Concat(d.Added, d.Revised) {
				if _, err := os.Stat(p); err != nil || !strings.HasPrefix(p, path) {
					t.Fatalf("added or revised %q is not a file under %s: %v", p, path, err)
				}
			}
			if len(d.Revised) != len(d.Changed) {
				t.Fatalf("revised %q, changed %q", d.Revised, d.Changed)
			}
			if since := now.Since(then, []string{path}); path == dir && since.String() != d.String() {
				t.Fatalf("scan since scan: %v, manifest: %v", since, d)
			}
		})
	}
}

// TestManifestIsCanonical: the same files give the same bytes, whatever
// the map's order, and a file is named by the first data path holding it.
func TestManifestIsCanonical(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.csv", "a.csv", "sub/c.csv"} {
		write(t, filepath.Join(dir, f), f)
	}
	paths := []string{filepath.Join(dir, "sub"), dir}
	s, err := Scan(paths)
	if err != nil {
		t.Fatal(err)
	}
	first := string(s.Manifest(paths))
	for range 20 {
		if got := string(s.Manifest(paths)); got != first {
			t.Fatalf("manifest changed between calls:\n%s\n%s", first, got)
		}
	}
	for _, want := range []string{`{"path":0,"name":"c.csv"`, `{"path":1,"name":"a.csv"`, `{"path":1,"name":"b.csv"`} {
		if !strings.Contains(first, want) {
			t.Errorf("manifest %s lacks %s", first, want)
		}
	}
}

func TestCompareManifestRefusesBadLists(t *testing.T) {
	for _, tc := range []struct{ name, list, want string }{
		{"not json", "PK\x03\x04", "unreadable"},
		{"other format", `{"format":2,"files":[]}`, "format 2"},
		{"too long", strings.Repeat(" ", MaxManifest+1), "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CompareManifest([]byte(tc.list), Snapshot{}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzCompareManifest: a stored file list is outside input (a snapshot
// file); any bytes give an answer, never a panic.
func FuzzCompareManifest(f *testing.F) {
	now := Snapshot{"/d/a.csv": fileState{size: 1, mtime: time.Unix(5, 0)}}
	f.Add(now.Manifest([]string{"/d"}))
	f.Add([]byte(`{"format":1,"files":[{"path":-7,"name":"","size":-1,"mtime_ns":0}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = CompareManifest(b, now, []string{"/d"})
	})
}

func touch(t *testing.T, p string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestKeeping revises one file, adds one and removes one, and checks that
// the scan keeping the revised and removed files as they were (as the
// earlier scan has them, or its manifest) differs from the earlier scan by
// the added file alone, and from the scan now by the kept files alone.
func TestKeeping(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep func(now, then Snapshot, kept, paths []string) Snapshot
	}{
		{"scan", func(now, then Snapshot, kept, _ []string) Snapshot { return now.Keeping(then, kept) }},
		{"manifest", func(now, then Snapshot, kept, paths []string) Snapshot {
			s, err := now.KeepingManifest(then.Manifest(paths), kept, paths)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"a", "b", "c"} {
				write(t, filepath.Join(dir, f), "a")
				touch(t, filepath.Join(dir, f), time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC))
			}
			paths := []string{dir}
			then, err := Scan(paths)
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, "a"), "revised")
			write(t, filepath.Join(dir, "d"), "added")
			if err := os.Remove(filepath.Join(dir, "c")); err != nil {
				t.Fatal(err)
			}
			now, err := Scan(paths)
			if err != nil {
				t.Fatal(err)
			}
			kept := []string{filepath.Join(dir, "a"), filepath.Join(dir, "c")}
			first := tc.keep(now, then, kept, paths)
			if d := first.Since(then, paths); !d.OnlyAdded() || !slices.Equal(d.Added, []string{filepath.Join(dir, "d")}) {
				t.Errorf("kept scan since the earlier one: %v, want d added alone", d)
			}
			if d, err := ManifestDiff(then.Manifest(paths), first, paths); err != nil || !d.OnlyAdded() || len(d.Added) != 1 {
				t.Errorf("kept scan since the earlier manifest: %v (%v), want d added alone", d, err)
			}
			if d := now.Since(first, paths); !slices.Equal(d.Revised, kept[:1]) || len(d.Added) != 0 || !slices.Equal(d.Removed, []string{"c"}) {
				t.Errorf("scan now since the kept one: %v, want a revised and c removed", d)
			}
			if _, ok := now[kept[1]]; ok {
				t.Fatal("the scan now holds the removed file")
			}
		})
	}
	if _, err := (Snapshot{}).KeepingManifest([]byte("{"), nil, nil); err == nil {
		t.Error("an unreadable file list was taken")
	}
}
