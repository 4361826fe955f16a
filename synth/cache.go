package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	return filepath.Join(os.TempDir(), name)
}

// EnsureDir returns CacheDir(cfg) holding the dataset of cfg, generating it
// only when the directory does not already hold a complete copy. Benchmarks
// call it so that a large dataset is written once per machine.
func EnsureDir(cfg Config) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	dir := CacheDir(cfg)
	want, err := markerContent(cfg)
	if err != nil {
		return "", err
	}
	marker := filepath.Join(dir, markerName)
	if got, err := os.ReadFile(marker); err == nil && bytes.Equal(got, want) {
		return dir, nil
	}
	// Clear only what Generate writes: the directory may be a user's.
	if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("synth: clear cache %s: %w", dir, err)
	}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if e.IsDir() && monthDir.MatchString(e.Name()) {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					return "", fmt.Errorf("synth: clear cache %s: %w", dir, err)
				}
			}
		}
	}
	if err := Generate(cfg, dir); err != nil {
		return "", err
	}
	if err := os.WriteFile(marker, want, 0o644); err != nil {
		return "", fmt.Errorf("synth: mark cache complete: %w", err)
	}
	return dir, nil
}

func markerContent(cfg Config) ([]byte, error) {
	cfg.Workers = 0 // does not change the output
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return b, nil
}
