package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// systemdExample is the unit file the test checks.
const systemdExample = "../../deploy/systemd/crimemap@.service"

// TestSystemdUnit checks the example unit with systemd-analyze: verify
// must accept it without a word (an unknown or misspelt setting is only a
// warning there, so any output fails), and the offline security review
// must rate its exposure at most 2.0 of 10. Skipped where systemd-analyze
// is not installed.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	src, err := os.ReadFile(systemdExample)
	if err != nil {
		t.Fatal(err)
	}
	// verify wants ExecStart's program to exist: this test's binary
	// stands in for the installed one.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const installed = "ExecStart=/usr/local/bin/crimemap "
	if n := strings.Count(string(src), installed); n != 1 {
		t.Fatalf("%s: %q appears %d times, want once", systemdExample, installed, n)
	}
	unit := filepath.Join(t.TempDir(), "crimemap@8081.service")
	writeFile(t, unit, strings.Replace(string(src), installed, "ExecStart="+self+" ", 1))

	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", "--no-pager", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure over 2.0 (%v)\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Log(lines[len(lines)-1])
}
