package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// markerName is written last into a generated directory; its content is the
// Config, so a partial run or another configuration is regenerated.
const markerName = ".synth-complete"

var monthDir = regexp.MustCompile(`^\d{4}-\d{2}$`)

// CacheDir is where EnsureDir puts the dataset of cfg: $CRIMEMAP_BENCH_DIR
// when set, else a directory under os.TempDir named after N, Months and Seed.
func CacheDir(cfg Config) string {
	if d := os.Getenv("CRIMEMAP_BENCH_DIR"); d != "" {
		return d
	}
	name := fmt.Sprintf("crimemap-synth-%d-%d-%d", cfg.N, cfg.Months, cfg.Seed)
	if def := DefaultConfig(); cfg.Start != def.Start || cfg.Outcomes {
		name += fmt.Sprintf("-%s-%t", cfg.Start, cfg.Outcomes)
	}
	if cfg.Stops > 0 {
		name += fmt.Sprintf("-stops%d", cfg.Stops)
	}
	if cfg.History {
		name += "-history"
	}
	return filepath.Join(os.TempDir(), name)
}

// EnsureDir returns CacheDir(cfg) holding the dataset of cfg, generating it
// only when the directory does not already hold a complete copy. Benchmarks
// call it so that a large dataset is written once per machine.
//
// Test binaries of several packages may call it at once. Each generates into
// a private sibling directory and renames it into place, so a reader never
// sees a half-written dataset; the loser of the race discards its copy.
func EnsureDir(cfg Config) (string, error) {
	return EnsureDirAt(cfg, CacheDir(cfg))
}

// EnsureDirAt is EnsureDir with the directory chosen by the caller.
func EnsureDirAt(cfg Config, dir string) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	want, err := markerContent(cfg)
	if err != nil {
		return "", err
	}
	if complete(dir, want) {
		return dir, nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("synth: cache: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".partial-*")
	if err != nil {
		return "", fmt.Errorf("synth: cache: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left
	if err := Generate(cfg, tmp); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, markerName), want, 0o644); err != nil {
		return "", fmt.Errorf("synth: mark cache complete: %w", err)
	}
	// rename replaces a missing or empty directory in one step.
	if err := os.Rename(tmp, dir); err == nil {
		return dir, nil
	}
	if complete(dir, want) {
		return dir, nil // another process finished first
	}
	// dir holds something else: another configuration, or a user's folder
	// named by CRIMEMAP_BENCH_DIR. Replace only what Generate writes, and the
	// marker last.
	if err := os.Remove(filepath.Join(dir, markerName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("synth: clear cache %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("synth: cache: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && monthDir.MatchString(e.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return "", fmt.Errorf("synth: clear cache %s: %w", dir, err)
			}
		}
	}
	months, _ := cfg.MonthNames()
	for _, m := range months {
		if err := os.Rename(filepath.Join(tmp, m), filepath.Join(dir, m)); err != nil {
			return "", fmt.Errorf("synth: fill cache %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, markerName), want, 0o644); err != nil {
		return "", fmt.Errorf("synth: mark cache complete: %w", err)
	}
	return dir, nil
}

func complete(dir string, want []byte) bool {
	got, err := os.ReadFile(filepath.Join(dir, markerName))
	return err == nil && bytes.Equal(got, want)
}

// outputVersion changes whenever Generate writes other files for the same
// Config, so that a cache written by an older generator is not reused.
// Version 2 writes rows in the archive's order rather than at random.
const outputVersion = 2

func markerContent(cfg Config) ([]byte, error) {
	cfg.Workers = 0 // does not change the output
	// Months before 2013-05 have been written with the labels of their
	// era since version 2; the marker says so, so that an older copy of
	// such a dataset is regenerated while later ones keep their marker.
	b, err := json.Marshal(struct {
		Version int
		Config
		LabelsByEra bool `json:",omitempty"`
	}{outputVersion, cfg, cfg.Start < secondSplit})
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return b, nil
}
