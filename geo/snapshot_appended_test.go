package geo_test

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/internal/testsupport"
)

// splitFiles lists the files under dir, those of months before the last k
// (by the months their names give) apart from the others.
func splitFiles(t testing.TB, dir string, k int) (early, late []string) {
	t.Helper()
	var files []string
	months := map[geo.Month]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		m, ok := ingest.FileMonth(p)
		if !ok {
			t.Fatalf("%s: no month in its name", p)
		}
		files, months[m] = append(files, p), true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Sorted(maps.Keys(months))
	if len(all) <= k {
		t.Fatalf("%d months, want more than %d", len(all), k)
	}
	cut := all[len(all)-k]
	for _, p := range files {
		if m, _ := ingest.FileMonth(p); m < cut {
			early = append(early, p)
		} else {
			late = append(late, p)
		}
	}
	return early, late
}

// loadOn reads the files into a part built on base, as a snapshot stores it.
func loadOn(t testing.TB, base *geo.Dataset, files []string) *geo.Dataset {
	t.Helper()
	part, sum, err := ingest.BuildOn(context.Background(), base, files, ingest.Options{})
	if err != nil || sum.HasFailures() {
		t.Fatal(err, sum.Failed)
	}
	return part
}

// splitSnapshot writes a snapshot of the files under dir that stores the
// last k months apart, and opens it; root is the dataset of the months
// before them, as loaded, and part the bytes stored apart.
func splitSnapshot(t *testing.T, dir string, k int) (root *geo.Dataset, part []byte, opened *geo.Dataset) {
	t.Helper()
	early, late := splitFiles(t, dir, k)
	root, _, err := ingest.Load(context.Background(), early, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := geo.AppendedPart(loadOn(t, root, late))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.snap")
	if err := geo.WriteSnapshotFile(path, root, p); err != nil {
		t.Fatal(err)
	}
	if opened, err = geo.OpenSnapshot(path); err != nil {
		t.Fatal(err)
	}
	return root, p.Data, opened
}

// TestSnapshotAppendedPart: a snapshot of the months but the last k, with
// the last k stored as a part built on them, opens as the first and, with
// the part appended, answers every query as the whole archive loaded in
// one piece, version included, with its hex levels ready.
func TestSnapshotAppendedPart(t *testing.T) {
	sets := []struct {
		name string
		dir  func(t testing.TB) string
	}{
		{"city-of-london-18-months", func(t testing.TB) string {
			return testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
		}},
		{"synthetic", synthChangingDir},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			dir := set.dir(t)
			whole := load(t, dir)
			for _, k := range []int{1, 5} {
				root, _, opened := splitSnapshot(t, dir, k)
				if d := geo.SnapshotDiff(root, opened); len(d) > 1 || len(d) == 1 && d[0] != "appended" {
					t.Fatalf("%d appended: the snapshot's dataset differs from the months it holds in %v", k, d)
				}
				ds, ok, err := opened.WithAppended()
				if err != nil || !ok {
					t.Fatalf("%d appended: %v, %v", k, ok, err)
				}
				if ds.NumParts() != 2 || ds.Version() != whole.Version() {
					t.Fatalf("%d appended: %d parts, version %s, want 2 and %s", k, ds.NumParts(), ds.Version(), whole.Version())
				}
				if !geo.HexLevelsBuilt(ds) {
					t.Fatalf("%d appended: hex levels to build again", k)
				}
				sameAnswers(t, whole, ds)
				if same, ok, err := root.WithAppended(); same != root || ok || err != nil {
					t.Fatalf("a dataset without an appended part: %v, %v", ok, err)
				}
			}
		})
	}
}

// TestSnapshotAppendedPartRefused: a part that does not extend the
// snapshot's dataset (months of its own, built on no base) is refused
// when appended, never served.
func TestSnapshotAppendedPartRefused(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	early, late := splitFiles(t, dir, 3)
	root, _, err := ingest.Load(context.Background(), early, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	empty, _, err := geo.NewBuilder().Build()
	if err != nil {
		t.Fatal(err)
	}
	for name, part := range map[string]*geo.Dataset{
		"not built on it":  loadOn(t, empty, late),
		"months before it": loadOn(t, empty, early[:1]),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := geo.AppendedPart(part)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "d.snap")
			if err := geo.WriteSnapshotFile(path, root, p); err != nil {
				t.Fatal(err)
			}
			opened, err := geo.OpenSnapshot(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := opened.WithAppended(); !ok || !errors.Is(err, geo.ErrSnapshotCorrupt) {
				t.Fatalf("got %v, %v, want ErrSnapshotCorrupt", ok, err)
			}
		})
	}
}

// TestReleaseAppended: released, the pages of the months stored apart leave
// the process's resident memory, and the dataset still answers as it did.
func TestReleaseAppended(t *testing.T) {
	dir := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	whole := load(t, dir)
	_, part, opened := splitSnapshot(t, dir, 9)
	ds, _, err := opened.WithAppended()
	if err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, whole, ds)
	before, ok := rssFileKiB(t)
	if !ok {
		t.Skip("no RssFile in /proc/self/status here")
	}
	opened.ReleaseAppended()
	after, _ := rssFileKiB(t)
	// Whole pages only: the part's first and last may stay.
	if size := int64(len(part))/1024 - 8; before-after < size*9/10 {
		t.Errorf("resident file pages %d KiB before and %d after, want about %d fewer", before, after, size)
	}
	sameAnswers(t, whole, ds)
}

// TestReleaseAppendedUnused: the pages of the months stored apart stay
// while the dataset appended from them serves them, and leave once a
// revision in place (geo.Revise) made their part again; the revised
// dataset answers as its files loaded whole, before and after.
func TestReleaseAppendedUnused(t *testing.T) {
	src := testsupport.Shared(t, "city-of-london-2016-01_2017-06-street-outcomes-stopsearch")
	dir := t.TempDir()
	name := "2017-05-city-of-london-street.csv"
	reviseStreetFile(t, src, dir, name, func(i int, row []string) []string {
		if i%5 == 0 {
			row[9] = map[bool]string{true: "Burglary", false: "Robbery"}[row[9] != "Burglary"]
		}
		return row
	})
	want := load(t, dir)
	_, part, opened := splitSnapshot(t, src, 9)
	ds, _, err := opened.WithAppended()
	if err != nil {
		t.Fatal(err)
	}
	before, ok := rssFileKiB(t)
	if !ok {
		t.Skip("no RssFile in /proc/self/status here")
	}
	opened.ReleaseAppendedUnused(ds)
	if after, _ := rssFileKiB(t); before-after > int64(len(part))/1024/2 {
		t.Fatalf("resident file pages %d KiB before and %d after: released while served", before, after)
	}
	m, _ := geo.ParseMonth("2017-05")
	revised, err := geo.Revise(ds, loadFiles(t, filepath.Join(dir, name)), []geo.Unit{{Force: "city-of-london", Month: m}})
	if err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, want, revised)
	before, _ = rssFileKiB(t)
	opened.ReleaseAppendedUnused(revised)
	after, _ := rssFileKiB(t)
	if size := int64(len(part))/1024 - 8; before-after < size*9/10 {
		t.Errorf("resident file pages %d KiB before and %d after, want about %d fewer", before, after, size)
	}
	sameAnswers(t, want, revised)
}
