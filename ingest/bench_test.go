package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"crimemap/synth"
)

func benchLoad(b *testing.B, paths ...string) {
	b.Helper()
	b.ReportAllocs()
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		_, sum, err := Load(context.Background(), paths, Options{Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		if sum.HasFailures() {
			b.Fatalf("failed files: %v", sum.Failed)
		}
		rows = sum.Street.Read + sum.Outcomes.Read + sum.Stops.Read
	}
	reportRows(b, rows, cpu0)
}

// BenchmarkLoad loads the folder named by CRIMEMAP_BENCH_DATA end to end:
// parse, validate and build the dataset with its indexes. With
// CRIMEMAP_BENCH_DATA=synth, or CRIMEMAP_BENCH set (as make bench does), it
// loads the synthetic 6M-row year of synth.DefaultConfig, generating it once.
func BenchmarkLoad(b *testing.B) {
	dir := os.Getenv("CRIMEMAP_BENCH_DATA")
	if dir == "" && os.Getenv("CRIMEMAP_BENCH") != "" {
		dir = "synth"
	}
	switch dir {
	case "":
		b.Skip("CRIMEMAP_BENCH_DATA not set (a folder, or \"synth\")")
	case "synth":
		var err error
		if dir, err = synth.EnsureDir(synth.DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
	benchLoad(b, dir)
}

// BenchmarkLoadTestdata loads every real sample in testdata.
func BenchmarkLoadTestdata(b *testing.B) {
	benchLoad(b, testdata(b, "police-uk"), testdata(b, "ingest"))
}

// BenchmarkParseStreet measures the row parser alone on the Hampshire month,
// from memory, without building a dataset.
func BenchmarkParseStreet(b *testing.B) {
	data, err := os.ReadFile(testdata(b, "police-uk", "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		b.Fatal(err)
	}
	name := filepath.Base("2017-02-hampshire-street.csv")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := parseFile(context.Background(), bytes.NewReader(data), name, int64(len(data)), 1, quietLogger(), nil)
		if err != nil {
			b.Fatal(err)
		}
		rows = res.counts.Read
	}
	reportRows(b, rows, cpu0)
}

// BenchmarkSplit measures the record splitter alone.
func BenchmarkSplit(b *testing.B) {
	data, err := os.ReadFile(testdata(b, "police-uk", "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		rr := newRecordReader(bytes.NewReader(data), 0, nil)
		rows = 0
		for {
			if _, err := rr.next(); err != nil {
				break
			}
			rows++
		}
	}
	reportRows(b, rows, cpu0)
}

// reportRows reports rows per second of wall time and of CPU time; rows is
// the count of one iteration.
func reportRows(b *testing.B, rows int, cpu0 time.Duration) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}

// BenchmarkParseDecimal parses the coordinates of the Hampshire month, as
// they sit in their lines.
func BenchmarkParseDecimal(b *testing.B) {
	data, err := os.ReadFile(testdata(b, "police-uk", "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		b.Fatal(err)
	}
	var fields [][]byte
	for _, line := range bytes.Split(data, []byte("\n"))[1:] {
		if f := bytes.Split(line, []byte(",")); len(f) > 5 && len(f[4]) > 0 {
			fields = append(fields, f[4], f[5])
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, f := range fields {
			if _, ok := parseDecimal(f); !ok {
				b.Fatalf("%q refused", f)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fields)), "ns/number")
}
