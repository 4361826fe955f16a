// Package testsupport finds the files tests read: the repository's
// testdata, the real data.police.uk archive that may sit beside the
// repository in ../shared, and CSV files read independently of package
// ingest. It imports no package of this module, so any package's tests,
// internal or external, can use it.
//
// Tests that need ../shared skip without it, unless CRIMEMAP_REQUIRE_SHARED=1
// (as CI sets it), which turns the skip into a failure.
package testsupport

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// RequireSharedEnv names the switch that makes absent shared data a failure.
const RequireSharedEnv = "CRIMEMAP_REQUIRE_SHARED"

var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// Root returns the repository root: the nearest folder above the test's
// working directory that holds go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		for err == nil {
			if _, e := os.Stat(filepath.Join(dir, "go.mod")); e == nil {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
		rootErr = err
	})
	if root == "" {
		tb.Fatalf("go.mod not found above the test directory: %v", rootErr)
	}
	return root
}

// Testdata returns a path under the repository's testdata folder.
func Testdata(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Root(tb), "testdata"}, elem...)...)
}

// HampshireDir is the folder of the real Hampshire month in the archive
// layout; HampshireStreet is its street file.
func HampshireDir(tb testing.TB) string {
	tb.Helper()
	return Testdata(tb, "police-uk")
}

// HampshireStreet is the real Hampshire street file of February 2017.
func HampshireStreet(tb testing.TB) string {
	tb.Helper()
	return Testdata(tb, "police-uk", "2017-02", "2017-02-hampshire-street.csv")
}

// SharedDir returns ../shared/data/police-uk beside the repository, or ""
// when it is absent.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	return sharedDirIn(Root(tb))
}

// Shared returns a path under ../shared/data/police-uk, skipping the test
// when the shared data is absent, or failing it when RequireSharedEnv is 1.
func Shared(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir := SharedDir(tb)
	if dir == "" {
		MissingShared(tb, "shared data not present")
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}

// MissingShared skips the test for want of the shared data, or fails it when
// RequireSharedEnv is 1.
func MissingShared(tb testing.TB, why string) {
	tb.Helper()
	if decideShared("", os.Getenv(RequireSharedEnv)) == failShared {
		tb.Fatalf("%s, and %s=1", why, RequireSharedEnv)
	}
	tb.Skip(why)
}

// sharedAction is what a test that wants the shared data does.
type sharedAction int

const (
	useShared sharedAction = iota
	skipShared
	failShared
)

// decideShared chooses for a test given the shared folder (dir, "" when
// absent) and the value of RequireSharedEnv: CI sets the switch so that
// data it expects cannot go missing unnoticed behind a skip.
func decideShared(dir, require string) sharedAction {
	switch {
	case dir != "":
		return useShared
	case require == "1":
		return failShared
	}
	return skipShared
}

// sharedDirIn returns root's ../shared/data/police-uk, or "" when it is
// absent.
func sharedDirIn(root string) string {
	dir := filepath.Join(root, "..", "shared", "data", "police-uk")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// ReadCSV reads every record of a CSV file with encoding/csv, so tests
// check package ingest against an independent reader.
func ReadCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return recs
}

// RequireNodeEnv names the switch that makes an absent node or npm package
// a failure.
const RequireNodeEnv = "CRIMEMAP_REQUIRE_NODE"

// Node returns the path of node for a checker whose npm packages are locked
// in dir, once module is installed there (npm ci). Without either it skips
// the test, or fails it when RequireNodeEnv is 1.
func Node(tb testing.TB, dir, module string) string {
	tb.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", module, "package.json"))
	}
	if err != nil {
		if os.Getenv(RequireNodeEnv) == "1" {
			tb.Fatalf("%s required: %v (run npm ci in %s), and %s=1", module, err, dir, RequireNodeEnv)
		}
		tb.Skipf("%s unavailable: %v (run npm ci in %s)", module, err, dir)
	}
	return node
}
