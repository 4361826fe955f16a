package server

import (
	"bytes"
	"context"
	csvpkg "encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"crimemap/geo"
	"crimemap/ingest"
)

// policeCrime is the reference form of a data.police.uk crime, encoded by
// encoding/json, that the hand-written encoder must reproduce.
type policeCrime struct {
	policeCrimeCore
	OutcomeStatus *struct {
		Category string `json:"category"`
		Date     string `json:"date"`
	} `json:"outcome_status"`
}

func referencePolice(ds *geo.Dataset, c geo.CrimeID, p geo.PointID) policeCrime {
	pc := policeCrime{policeCrimeCore: crimeCore(ds, c, p)}
	if o := ds.Outcome(c); o != geo.NoOutcome {
		pc.OutcomeStatus = &struct {
			Category string `json:"category"`
			Date     string `json:"date"`
		}{ds.Outcomes().Term(int(o)).Name, outcomeDate(ds, c).String()}
	}
	return pc
}

func sameJSON(t *testing.T, got []byte, want any) {
	t.Helper()
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("encoder wrote invalid JSON %s: %v", got, err)
	}
	json.Unmarshal(wb, &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("encoder wrote\n%s\nencoding/json writes\n%s", got, wb)
	}
}

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	paths := []string{"../testdata/police-uk", "../testdata/ingest"}
	ds, _, err := ingest.Load(context.Background(), paths, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot{ds: ds, text: newJSONText(ds)}
	enc := newCrimeEncoder(snap)
	for c := geo.CrimeID(0); int(c) < ds.Len(); c++ {
		p := ds.PointOf(c)
		sameJSON(t, enc.appendPolice(nil, c, p), referencePolice(ds, c, p))
		if p == geo.NoPoint {
			continue
		}
		row := rowOf(ds, c, p)
		want := map[string]any{
			"type": "Feature", "id": row.ID,
			"geometry":   map[string]any{"type": "Point", "coordinates": []json.Number{json.Number(formatCoord(row.Lon)), json.Number(formatCoord(row.Lat))}},
			"properties": row,
		}
		sameJSON(t, enc.appendFeature(nil, c, p), want)
	}
	for _, s := range []string{"plain", `quote " and \ backslash`, "tab\tand\nnewline", "café", "<&>", "\x00"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil || got != s {
			t.Errorf("appendJSONString(%q) decodes to %q, %v", s, got, err)
		}
	}
}

// TestAppendCoordMatchesStrconv checks the integer formatting of coordinates
// against strconv on six-decimal values, random values and edge cases.
func TestAppendCoordMatchesStrconv(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1e-7, -1e-7, 0.0000005, -0.0000005, 0.0000015, 180, -180, 90, -90, 50.8344, -1.404252, 0.4999995, 2.5e-7, 123.4567895}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 200000; i++ {
		// Six-decimal values as the files write them, and arbitrary ones.
		d := rng.Int64N(360_000_001) - 180_000_000
		v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(d)/1e6, 'f', 6, 64), 64)
		vals = append(vals, v, rng.Float64()*360-180)
	}
	for _, v := range vals {
		want := strconv.FormatFloat(v, 'f', 6, 64)
		if got := string(appendCoord(nil, v)); got != want {
			t.Fatalf("appendCoord(%v) = %s, strconv says %s", v, got, want)
		}
	}
}

// TestPersistentIDsEscaped encodes crimes whose IDs are not 64 hex digits,
// which the encoder escapes, beside ones that are, which it does not.
func TestPersistentIDsEscaped(t *testing.T) {
	ids := []string{
		"b394fb7affc4a51fada38b4e01575c3861a03ebf5fd6955ac0bc3757a3cacd92",
		"", "short-id", `quote " and \ backslash`, "tab\there", "café",
		// 64 characters, but not hex.
		`"234567890123456789012345678901234567890123456789012345678901234`,
	}
	var csv bytes.Buffer
	cw := csvpkg.NewWriter(&csv)
	cw.Write([]string{"Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"})
	for _, id := range ids {
		cw.Write([]string{id, "2017-02", "Hampshire Constabulary", "Hampshire Constabulary", "-1.4", "50.9", "On or near Test Road", "E01022553", "Test 001A", "Burglary", "", ""})
	}
	cw.Flush()
	path := filepath.Join(t.TempDir(), "2017-02-hampshire-street.csv")
	if err := os.WriteFile(path, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, sum, err := ingest.Load(context.Background(), []string{path}, ingest.Options{})
	if err != nil || sum.Street.Loaded != len(ids) {
		t.Fatalf("loaded %d of %d rows: %v", sum.Street.Loaded, len(ids), err)
	}
	enc := newCrimeEncoder(&snapshot{ds: ds, text: newJSONText(ds)})
	seen := map[string]bool{}
	for c := geo.CrimeID(0); int(c) < ds.Len(); c++ {
		p := ds.PointOf(c)
		sameJSON(t, enc.appendPolice(nil, c, p), referencePolice(ds, c, p))
		seen[ds.PersistentID(c)] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("ID %q not in the dataset", id)
		}
	}
}
