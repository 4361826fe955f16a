package testsupport

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDecideShared: a repository without ../shared skips the tests that
// need it, unless RequireSharedEnv=1 makes that a failure; present data is
// used whatever the switch says.
func TestDecideShared(t *testing.T) {
	base := t.TempDir()
	missing := sharedDirIn(filepath.Join(base, "repo"))
	if missing != "" {
		t.Fatalf("sharedDirIn found %q in an empty folder", missing)
	}
	present := filepath.Join(base, "shared", "data", "police-uk")
	if err := os.MkdirAll(present, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := sharedDirIn(filepath.Join(base, "repo")); got != present {
		t.Fatalf("sharedDirIn = %q, want %q", got, present)
	}
	tests := []struct {
		name, dir, require string
		want               sharedAction
	}{
		{"missing", missing, "", skipShared},
		{"missing, switch 0", missing, "0", skipShared},
		{"missing, switch true", missing, "true", skipShared},
		{"missing, switch 1", missing, "1", failShared},
		{"present", present, "", useShared},
		{"present, switch 1", present, "1", useShared},
	}
	for _, tc := range tests {
		if got := decideShared(tc.dir, tc.require); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
