package testsupport

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMissingSharedDecision: a root without ../shared has no shared data,
// and only RequireSharedEnv=1 turns that into a failure.
func TestMissingSharedDecision(t *testing.T) {
	root := filepath.Join(t.TempDir(), "repo")
	if dir := sharedDirIn(root); dir != "" {
		t.Fatalf("sharedDirIn(%s) = %q, want \"\" for a missing folder", root, dir)
	}
	tests := []struct {
		require string
		fail    bool
	}{
		{"", false},
		{"0", false},
		{"true", false},
		{"1", true},
	}
	for _, tc := range tests {
		if got := mustFail(tc.require); got != tc.fail {
			t.Errorf("%s=%q: fail %v, want %v", RequireSharedEnv, tc.require, got, tc.fail)
		}
	}
}

// TestSharedDirFound: the folder is found when it is there.
func TestSharedDirFound(t *testing.T) {
	base := t.TempDir()
	want := filepath.Join(base, "shared", "data", "police-uk")
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := sharedDirIn(filepath.Join(base, "repo")); got != want {
		t.Errorf("sharedDirIn = %q, want %q", got, want)
	}
}
