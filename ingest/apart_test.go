package ingest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crimemap/internal/testsupport"
)

// cityCopy copies the City of London's eighteen months into a folder of
// its own, with change (when not nil) applied to the names and texts, and
// lists its files.
func cityCopy(t *testing.T, change func(files map[string][]byte)) (dir string, list []string) {
	t.Helper()
	src := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	names, err := filepath.Glob(filepath.Join(src, "*.csv"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no files in %s: %v", src, err)
	}
	files := map[string][]byte{"README.txt": []byte("not data\n")}
	for _, n := range names {
		if files[filepath.Base(n)], err = os.ReadFile(n); err != nil {
			t.Fatal(err)
		}
	}
	if change != nil {
		change(files)
	}
	dir = t.TempDir()
	writeFiles(t, dir, files)
	for name := range files {
		list = append(list, filepath.Join(dir, name))
	}
	return dir, list
}

// TestLoadApart: a load of every file builds the latest months apart when
// the files' names give their months, and gives what Load gives, version
// included, whichever way it loads, a force new in the latest months
// included; where the files' names do not give their months it loads in
// one piece, and a file that fails to read is reported with the rest
// loaded.
func TestLoadApart(t *testing.T) {
	rename := func(from, to string) func(map[string][]byte) {
		return func(files map[string][]byte) { files[to] = files[from]; delete(files, from) }
	}
	for _, tc := range []struct {
		name   string
		recent int
		change func(files map[string][]byte)
		apart  bool
		failed int
	}{
		{name: "latest three apart", recent: 3, apart: true},
		{name: "in one piece", recent: 0},
		{name: "no more months than asked", recent: 18},
		{name: "a file's name gives no month", recent: 3, change: rename("2016-02-city-of-london-street.csv", "february-street.csv")},
		{name: "a force new in the latest months, named before the others", recent: 3, apart: true, change: func(files map[string][]byte) {
			files["2017-05-aaa-force-street.csv"] = []byte(strings.ReplaceAll(string(files["2017-05-city-of-london-street.csv"]), "City of London Police", "Aaa Force"))
		}},
		{name: "a latest month's file unreadable", recent: 3, apart: true, failed: 1, change: func(files map[string][]byte) {
			files["2017-05-city-of-london-street.csv"] = []byte("Crime ID,Month\nx,2017-05\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, list := cityCopy(t, tc.change)
			opt := Options{Logger: slog.New(slog.DiscardHandler)}
			ds, earlier, sum, err := LoadApart(context.Background(), []string{dir}, list, tc.recent, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Failed) != tc.failed || (earlier != nil) != tc.apart {
				t.Fatalf("%d failed, the earlier months %v; want %d and apart %v", len(sum.Failed), earlier != nil, tc.failed, tc.apart)
			}
			if tc.apart && (ds.NumParts() != 2 || !ds.Extends(earlier)) {
				t.Fatalf("%d parts, want the earlier months' and the latest", ds.NumParts())
			}
			whole, _, err := Load(context.Background(), []string{dir}, opt)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Version() != whole.Version() {
				t.Fatalf("version %s, loaded in one piece %s", ds.Version(), whole.Version())
			}
		})
	}
}

// TestSplitRecent: the files of the latest months by their names' months,
// sorted, with files a load passes over in neither list.
func TestSplitRecent(t *testing.T) {
	files := []string{"d/README.md", "d/2020-02/2020-02-kent-street.csv", "d/2020-01/2020-01-kent-street.csv",
		"d/2020-03/2020-03-kent-outcomes.csv", "d/2020-02/2020-02-essex-stop-and-search.csv", "d/2020-03/2020-03-kent-street.csv"}
	early, late, whole := SplitRecent(files, 2)
	want := [2]string{"d/2020-01/2020-01-kent-street.csv", "d/2020-02/2020-02-essex-stop-and-search.csv d/2020-02/2020-02-kent-street.csv d/2020-03/2020-03-kent-outcomes.csv d/2020-03/2020-03-kent-street.csv"}
	if got := [2]string{strings.Join(early, " "), strings.Join(late, " ")}; got != want || whole != "" {
		t.Fatalf("got %q (%s), want %q", got, whole, want)
	}
	for _, n := range []int{0, 3} {
		if _, late, whole := SplitRecent(files, n); late != nil || whole == "" {
			t.Errorf("%d months apart: %v, %q; want none, and why", n, late, whole)
		}
	}
	if _, late, whole := SplitRecent(append(files, "d/archive.zip"), 2); late != nil || !strings.Contains(whole, "archive.zip") {
		t.Errorf("a zip: %v, %q; want none, and why", late, whole)
	}
}
