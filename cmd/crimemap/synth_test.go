package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunSynth(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	args := []string{"-n", "3000", "-months", "2", "-start", "2024-11", "-seed", "3", "-out", out}
	if err := runSynth(context.Background(), args, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"2024-11", "2024-12"} {
		if _, err := os.Stat(filepath.Join(out, m, m+"-metropolitan-street.csv")); err != nil {
			t.Errorf("month %s: %v", m, err)
		}
	}
	if !strings.Contains(stdout.String(), "wrote 3000 rows") {
		t.Errorf("stdout %q", stdout.String())
	}
	if err := runSynth(context.Background(), []string{"-n", "10"}, &stdout); err == nil {
		t.Errorf("synth without -out succeeded")
	}
	// -reuse writes a folder that lacks this output, then leaves it be.
	cached := t.TempDir()
	args = append(args[:len(args)-1], cached, "-reuse")
	for i := range 2 {
		if err := runSynth(context.Background(), args, &stdout); err != nil {
			t.Fatal(err)
		}
		probe := filepath.Join(cached, "2024-11", "2024-11-metropolitan-street.csv")
		b, err := os.ReadFile(probe)
		if i == 1 {
			if string(b) != "edited" {
				t.Errorf("-reuse rewrote a complete folder: %q", b[:min(len(b), 20)])
			}
			break
		}
		if err != nil || !bytes.HasPrefix(b, []byte("Crime ID,")) {
			t.Fatalf("-reuse wrote %q, %v", b[:min(len(b), 20)], err)
		}
		if err := os.WriteFile(probe, []byte("edited"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
