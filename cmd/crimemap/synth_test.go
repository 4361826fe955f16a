package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseCommandFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		wantN int
		wantD time.Duration
	}{
		{"defaults", nil, nil, 1, time.Second},
		{"generic variable", nil, map[string]string{"CRIMEMAP_N": "5"}, 5, time.Second},
		{"command variable beats generic", nil, map[string]string{"CRIMEMAP_N": "5", "CRIMEMAP_TEST_N": "7"}, 7, time.Second},
		{"flag beats both", []string{"-n", "9"}, map[string]string{"CRIMEMAP_N": "5", "CRIMEMAP_TEST_N": "7"}, 9, time.Second},
		{"dash becomes underscore", nil, map[string]string{"CRIMEMAP_TEST_RUN_TIME": "3s"}, 1, 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"CRIMEMAP_N", "CRIMEMAP_TEST_N", "CRIMEMAP_TEST_RUN_TIME", "CRIMEMAP_RUN_TIME"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			n := fs.Int("n", 1, "")
			d := fs.Duration("run-time", time.Second, "")
			if err := parseCommandFlags(fs, tc.args, "TEST"); err != nil {
				t.Fatal(err)
			}
			if *n != tc.wantN || *d != tc.wantD {
				t.Errorf("n=%d run-time=%v, want %d and %v", *n, *d, tc.wantN, tc.wantD)
			}
		})
	}
	t.Setenv("CRIMEMAP_TEST_N", "many")
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.Int("n", 1, "")
	if err := parseCommandFlags(fs, nil, "TEST"); err == nil || !strings.Contains(err.Error(), "CRIMEMAP_TEST_N") {
		t.Errorf("bad variable gave %v, want an error naming it", err)
	}
}

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
