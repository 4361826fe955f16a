package synth

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"

	"crimemap/internal/testsupport"
)

// TestGenerateStops checks the stop-and-search files: the same bytes for
// the same config, every row under data.police.uk's header with as many
// fields, dated in its file's month, at a snap point of the config's pool or
// nowhere, and the rows adding up to Stops.
func TestGenerateStops(t *testing.T) {
	cfg := smallConfig(3000, 2, 7)
	cfg.Stops = 1001
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(cfg, a); err != nil {
		t.Fatal(err)
	}
	if err := Generate(cfg, b); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if !maps.EqualFunc(ta, tb, bytes.Equal) {
		t.Fatal("two runs of one config differ")
	}
	points := map[string]bool{} // "lat,lon" of every point of the pool
	m := buildModel(cfg)
	for i := range len(m.recOff) - 1 {
		f := strings.SplitN(string(m.rec[m.recOff[i]:m.recOff[i+1]]), ",", 3)
		points[f[1]+","+f[0]] = true
	}
	rows, located := 0, 0
	for _, rel := range slices.Sorted(maps.Keys(ta)) {
		if !strings.HasSuffix(rel, "-stop-and-search.csv") {
			continue
		}
		month := rel[:7]
		recs := testsupport.ReadCSV(t, a+"/"+rel)
		if strings.Join(recs[0], ",") != StopsHeader {
			t.Fatalf("%s: header %v", rel, recs[0])
		}
		for _, rec := range recs[1:] {
			rows++
			if !strings.HasPrefix(rec[1], month+"-") || !strings.HasSuffix(rec[1], "+00:00") {
				t.Errorf("%s: date %q", rel, rec[1])
			}
			if rec[4] != "" {
				located++
				if !points[rec[4]+","+rec[5]] {
					t.Errorf("%s: stop at %s,%s, not a snap point", rel, rec[4], rec[5])
				}
			}
		}
	}
	if rows != cfg.Stops || located == 0 {
		t.Errorf("%d stops (%d located), want %d", rows, located, cfg.Stops)
	}
}
