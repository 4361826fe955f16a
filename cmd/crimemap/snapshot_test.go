package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
	"crimemap/reload"
)

// writeTestSnapshot runs crimemap snapshot on paths and returns the file.
func writeTestSnapshot(t *testing.T, paths ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "data.snap")
	var stdout bytes.Buffer
	args := append([]string{"-quiet", "-log-level", "error", "-out", out}, paths...)
	if err := runSnapshot(context.Background(), args, &stdout); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "snapshot "+out+": dataset version ") {
		t.Fatalf("snapshot's report: %s", stdout.String())
	}
	return out
}

// tileOf returns the tile of zoom z holding a point.
func tileOf(z int, lon, lat float64) string {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	r := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
	return fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, x, y)
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestServeFromSnapshot serves the same month from its CSVs and from a
// snapshot of them, and compares the version and the bytes of counts,
// listings and tiles. The snapshot server's data path is another folder
// whose file has the same name, size and time but one row moved to another
// month: the snapshot is taken for it, and had the server loaded the CSVs
// instead, its version would differ.
func TestServeFromSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("serves the test data twice")
	}
	fromCSV, data, src := startServe(t, t.TempDir())
	snap := writeTestSnapshot(t, data)
	tmp := t.TempDir()
	moved := strings.Replace(src, ",2017-02,", ",2017-01,", 1)
	if moved == src {
		t.Fatal("no row to move")
	}
	copyWithTime(t, filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv"),
		filepath.Join(tmp, "police-uk", "2017-02", "2017-02-hampshire-street.csv"), moved)
	fromSnap := serveData(t, tmp, filepath.Join(tmp, "police-uk"), "-snapshot", snap)

	a := waitHealth(t, fromCSV, func(h serveHealth) bool { return h.Version != "" })
	b := waitHealth(t, fromSnap, func(h serveHealth) bool { return h.Version != "" })
	if a.Version != b.Version || a.Crimes != b.Crimes {
		t.Fatalf("from the CSVs %+v, from the snapshot %+v", a, b)
	}
	lon, lat := -1.4044, 50.9097
	for _, path := range []string{
		"/v1/counts?group_by=category,month",
		"/v1/counts?lat=50.9097&lng=-1.4044&radius_m=2000&group_by=category",
		"/v1/crimes?bbox=-1.5,50.8,-1.3,51.0&limit=200",
		"/api/crimes-street/all-crime?lat=50.9097&lng=-1.4044",
		"/api/crimes-at-location?lat=50.9097&lng=-1.4044",
		"/api/crimes-no-location?force=hampshire",
		"/api/crime-categories",
		"/v1/hex?res=7",
		tileOf(14, lon, lat),
		tileOf(10, lon, lat),
		tileOf(5, lon, lat),
		"/v1/streets?q=road&limit=100",
		"/tiles.json",
	} {
		ca, ba := get(t, fromCSV+path)
		cb, bb := get(t, fromSnap+path)
		if ca != http.StatusOK || cb != ca || !bytes.Equal(ba, bb) {
			t.Errorf("%s: %d and %d, bodies equal %v", path, ca, cb, bytes.Equal(ba, bb))
		}
	}
}

// TestStartDatasetRefusesSnapshot gives serve's start snapshots it must
// refuse: each is logged with its reason and the CSVs are loaded instead.
func TestStartDatasetRefusesSnapshot(t *testing.T) {
	data := "../../testdata/police-uk"
	snap := writeTestSnapshot(t, data)
	good, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, why string
		body      func() []byte
	}{
		{"truncated", "corrupt or truncated", func() []byte { return good[:len(good)*2/3] }},
		{"flipped", "checksum mismatch", func() []byte {
			b := bytes.Clone(good)
			b[len(b)/2] ^= 1
			return b
		}},
		{"older format", "another format", func() []byte {
			b := bytes.Clone(good)
			b[8]-- // the format number
			return b
		}},
		{"not a snapshot", "no magic number", func() []byte { return []byte("Crime ID,Month\n") }},
		{"missing", "no such file", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.body != nil {
				writeFile(t, path, string(tc.body()))
			}
			var log bytes.Buffer
			opt := ingest.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}
			st, err := startDataset(context.Background(), path, []string{data}, scan(t, data), 36, opt)
			if err != nil || st.sum == nil || st.snap != nil {
				t.Fatalf("fell back to the CSVs: %v, summary %v, snapshot's dataset %v", err, st.sum, st.snap)
			}
			want, err := startDataset(context.Background(), snap, []string{data}, scan(t, data), 36, opt)
			if err != nil || st.ds.Version() != want.ds.Version() {
				t.Fatalf("version %s from the CSVs, %s from the snapshot (%v)", st.ds.Version(), want.ds.Version(), err)
			}
			if !strings.Contains(log.String(), "snapshot refused") || !strings.Contains(log.String(), tc.why) {
				t.Fatalf("log does not give the reason %q:\n%s", tc.why, log.String())
			}
		})
	}
}

// TestSnapshotRefusesFailedFile: a snapshot stands in for every file, so
// none is written when one could not be read.
func TestSnapshotRefusesFailedFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "2017-04.zip")
	writeFile(t, bad, "not a zip")
	out := filepath.Join(dir, "data.snap")
	err := runSnapshot(context.Background(), []string{"-quiet", "-log-level", "error", "-out", out, "../../testdata/police-uk", bad}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no snapshot written") {
		t.Fatalf("err %v, want no snapshot written", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a snapshot was written: %v", err)
	}
	if err := runSnapshot(context.Background(), []string{"../../testdata/police-uk"}, io.Discard); err == nil {
		t.Fatal("no -out accepted")
	}
}

// copyMonthAs copies the bundled month's file under data as month m.
func copyMonthAs(t *testing.T, data, m string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(data, m, m+"-hampshire-street.csv"), strings.ReplaceAll(string(b), ",2017-02,", ","+m+","))
}

// addedToSnapshot is what the log says when files were added to a
// snapshot's dataset, or its outcomes restated.
const addedToSnapshot = "changes since the snapshot taken in"

// TestStartDatasetRefusesStaleSnapshot: a snapshot is served only for the
// files it was made from, with a new month's files added to it, or with
// street files published again with their outcomes moved on; after a file
// revised otherwise or removed, a new file that cannot be added, or
// without its list of files, the start loads the CSVs, and says why.
func TestStartDatasetRefusesStaleSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name, why string
		change    func(t *testing.T, data string) (snap string, base reload.Snapshot)
	}{
		{"unchanged", "", nil},
		{"month added", addedToSnapshot, func(t *testing.T, data string) (string, reload.Snapshot) {
			copyMonthAs(t, data, "2017-03")
			return "", scan(t, data)
		}},
		{"unreadable month added", "cannot be added to the dataset", func(t *testing.T, data string) (string, reload.Snapshot) {
			writeFile(t, filepath.Join(data, "2017-03", "2017-03-hampshire-street.csv"), "Crime ID,Month\n")
			return "", scan(t, data)
		}},
		{"earlier month added, outcomes revised", "cannot be added to the dataset", func(t *testing.T, data string) (string, reload.Snapshot) {
			// A month's archive whose month cannot be added: refused alone,
			// it is not tried again after the outcomes.
			copyMonthAs(t, data, "2017-01")
			moveOutcomesOn(t, filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv"))
			return "", scan(t, data)
		}},
		{"earlier month added", "cannot be added to the dataset", func(t *testing.T, data string) (string, reload.Snapshot) {
			copyMonthAs(t, data, "2017-01")
			return "", scan(t, data)
		}},
		{"outcomes revised", addedToSnapshot, func(t *testing.T, data string) (string, reload.Snapshot) {
			f := filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv")
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			revised := strings.Replace(string(b), ",Status update unavailable,", ",Unable to prosecute suspect,", 1)
			if revised == string(b) {
				t.Fatal("no crime with its status unavailable to move on")
			}
			writeFile(t, f, revised)
			return "", scan(t, data)
		}},
		{"file revised", "1 (2017-02/2017-02-hampshire-street.csv (", func(t *testing.T, data string) (string, reload.Snapshot) {
			f := filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv")
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, f, string(b[:len(b)/2]))
			return "", scan(t, data)
		}},
		{"file removed", "1 (2017-02/2017-02-hampshire-street.csv) removed", func(t *testing.T, data string) (string, reload.Snapshot) {
			// A second month is loaded and then removed, so some data is left.
			f := filepath.Join(data, "2017-02", "2017-02-hampshire-street.csv")
			march := filepath.Join(data, "2017-03", "2017-03-hampshire-street.csv")
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, march, strings.ReplaceAll(string(b), ",2017-02,", ",2017-03,"))
			snap := writeTestSnapshot(t, data)
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			return snap, scan(t, data)
		}},
		{"no list of files", "holds no list of its data files", func(t *testing.T, data string) (string, reload.Snapshot) {
			ds, _, err := ingest.Load(context.Background(), []string{data}, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			snap := filepath.Join(t.TempDir(), "bare.snap")
			if err := geo.WriteSnapshotFile(snap, ds); err != nil {
				t.Fatal(err)
			}
			return snap, scan(t, data)
		}},
		{"paths not scanned", "could not be scanned", func(t *testing.T, data string) (string, reload.Snapshot) {
			return "", nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := copyTestMonth(t, t.TempDir())
			snap := writeTestSnapshot(t, data)
			base := scan(t, data)
			if tc.change != nil {
				var s string
				if s, base = tc.change(t, data); s != "" {
					snap = s
				}
			}
			var log bytes.Buffer
			opt := ingest.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}
			st, err := startDataset(context.Background(), snap, []string{data}, base, 36, opt)
			if err != nil {
				t.Fatal(err)
			}
			ds, opened, sum := st.ds, st.snap, st.sum
			// The snapshot's dataset is given whenever it was used: ds
			// itself, or the dataset ds adds the new month to.
			used := tc.why == "" || tc.why == addedToSnapshot
			if (opened != nil) != used || used && (!ds.Extends(opened) && !ds.Restates(opened) || (ds == opened) != (tc.why == "")) {
				t.Fatalf("snapshot's dataset %v for %q", opened, tc.name)
			}
			if tc.why == "" {
				if sum != nil || !strings.Contains(log.String(), "dataset opened from snapshot") {
					t.Fatalf("snapshot not used:\n%s", log.String())
				}
				return
			}
			switch {
			case tc.why == addedToSnapshot:
				if sum == nil || !strings.Contains(log.String(), "dataset opened from snapshot") || !strings.Contains(log.String(), addedToSnapshot) {
					t.Fatalf("want the new month added to the snapshot; summary %v, log:\n%s", sum, log.String())
				}
			case sum == nil || !strings.Contains(log.String(), "loading the data paths instead") || !strings.Contains(log.String(), tc.why):
				t.Fatalf("want the CSVs loaded because %q; summary %v, log:\n%s", tc.why, sum, log.String())
			case strings.Count(log.String(), "cannot be taken in alone") > 1:
				t.Fatalf("the changes were tried twice:\n%s", log.String())
			}
			want, _, err := ingest.Load(context.Background(), []string{data}, ingest.Options{})
			if err != nil || ds.Version() != want.Version() {
				t.Fatalf("version %s, the CSVs' %s (%v)", ds.Version(), want.Version(), err)
			}
		})
	}
}

func scan(t *testing.T, paths ...string) reload.Snapshot {
	t.Helper()
	s, err := reload.Scan(paths)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// copyWithTime writes body to dst with src's modification time.
func copyWithTime(t *testing.T, src, dst, body string) {
	t.Helper()
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, body)
	if err := os.Chtimes(dst, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotLimit: while the snapshot command builds what it stores
// beside the dataset, the collector keeps the heap within 1.4 times what
// was live after the load, and a lower limit set beforehand stands.
func TestSnapshotLimit(t *testing.T) {
	const gib = 1 << 30
	if got := snapshotLimit(8*gib, 3*gib); got != 3*gib*7/5 {
		t.Errorf("limit %d for 3 GiB live, want %d", got, 3*gib*7/5)
	}
	if got := snapshotLimit(gib, 0); got != math.MaxInt64 {
		t.Errorf("limit %d before any collection, want none", got)
	}
	runtime.GC() // so that the live heap is known
	orig := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(orig)
	debug.SetMemoryLimit(math.MaxInt64)
	restore := boundMemory(snapshotLimit)
	_, live := runtimeMemory()
	// A collection between the two reads of the live heap moves it a little.
	if got := debug.SetMemoryLimit(-1); got < live || got > 2*live {
		t.Errorf("limit %d with %d live, want about %d", got, live, live*7/5)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after the build %d, want none", got)
	}
	debug.SetMemoryLimit(1 << 20)
	restore = boundMemory(snapshotLimit)
	if got := debug.SetMemoryLimit(-1); got != 1<<20 {
		t.Errorf("a lower limit set beforehand became %d", got)
	}
	restore()
}
