package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestFallsWithinAliases loads files outside the archive layout, whose force
// comes from "Falls within" alone: every spelling of a force that geo knows
// names the same force as its file in the archive layout would.
func TestFallsWithinAliases(t *testing.T) {
	tests := []struct {
		falls, want string
	}{
		{"Hampshire Constabulary", "hampshire"},
		{"hampshire constabulary", "hampshire"},
		{"Avon & Somerset Constabulary", "avon-and-somerset"},
		{"Dyfed Powys Police", "dyfed-powys"},
		{"Humberside Constabulary", "humberside"},
		{"Some New Police", "some-new-police"},
	}
	for _, tc := range tests {
		t.Run(tc.falls, func(t *testing.T) {
			dir := t.TempDir()
			r := strings.ReplaceAll(row("2017-02", "-1.1", "50.8", "On or near A", "Drugs"), "Hampshire Constabulary", tc.falls)
			writeFiles(t, dir, map[string][]byte{"crimes.csv": []byte(streetHeader + r)})
			ds, _, err := Load(context.Background(), []string{filepath.Join(dir, "crimes.csv")}, Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != 1 {
				t.Fatalf("loaded %d crimes, want 1", ds.Len())
			}
			if got := ds.Forces().Term(int(ds.Force(0))).Slug; got != tc.want {
				t.Errorf("Falls within %q: force %q, want %q", tc.falls, got, tc.want)
			}
		})
	}
}
