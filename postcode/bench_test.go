package postcode

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"crimemap/internal/testsupport"
)

// benchRows is the size of the generated national file: the real one's
// 2.7 million rows with CRIMEMAP_BENCH=1, else 200,000 so that a plain
// `go test -bench .` stays quick.
func benchRows() int {
	if os.Getenv("CRIMEMAP_BENCH") == "1" {
		return 2_700_000
	}
	return 200_000
}

func benchFile(b *testing.B) string {
	b.Helper()
	if testing.Short() {
		b.Skip("generates a national-scale file; skipped in -short mode")
	}
	p, err := onspdFile(benchRows())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func loadBench(b *testing.B, p string) (*Directory, *Summary) {
	b.Helper()
	d, sum, err := LoadFile(context.Background(), p, Options{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Rejected != 0 {
		b.Fatalf("generated file has rejected rows:\n%s", sum)
	}
	return d, sum
}

// BenchmarkLoad reads the generated national CSV (all 53 columns, about 500
// bytes a row) from a file, parse to index.
func BenchmarkLoad(b *testing.B) {
	p := benchFile(b)
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	rows := 0
	cpu0 := cpuTime()
	for b.Loop() {
		_, sum := loadBench(b, p)
		rows += sum.Read
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(rows)/cpu.Seconds(), "rows/cpu-s")
	}
}

// BenchmarkResidentBytes measures the heap a loaded directory holds, index
// and code tables included, per postcode: after a collection, so the load's
// buffers are not counted.
func BenchmarkResidentBytes(b *testing.B) {
	p := benchFile(b)
	var perPostcode float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		d, _ := loadBench(b, p)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPostcode = float64(after.HeapInuse-before.HeapInuse) / float64(d.Len())
		runtime.KeepAlive(d)
	}
	b.ReportMetric(perPostcode, "bytes/postcode")
}

// lookupInputs returns postcodes to look up, in the spellings users type:
// nine in ten held by d, the rest well-formed but absent.
func lookupInputs(d *Directory, n int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	out := make([]string, n)
	for i := range out {
		k := Key(d.keys[rng.IntN(d.Len())])
		if rng.IntN(10) == 0 {
			k++ // the next unit, usually absent
		}
		s := k.String()
		switch rng.IntN(3) {
		case 0:
			s = strings.ToLower(s)
		case 1:
			s = strings.ReplaceAll(s, " ", "")
		}
		out[i] = s
	}
	return out
}

// BenchmarkLookup looks up random postcodes of the generated national
// directory; it reports the mean as ns/op and in CPU time (which a busy
// machine's waits for a core do not inflate), and p50 and p99 of single
// lookups timed one by one, less the median cost of reading the clock
// twice (clock-ns), which a virtual machine can make large.
func BenchmarkLookup(b *testing.B) {
	d, _ := loadBench(b, benchFile(b))
	in := lookupInputs(d, 1<<16)
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		d.Lookup(in[i&(len(in)-1)])
		i++
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(i), "cpu-ns/op")
	}
	b.StopTimer()
	times, clock := testsupport.Latencies(200_000, func(j int) {
		d.Lookup(in[j&(len(in)-1)])
	})
	b.ReportMetric(float64(clock.Nanoseconds()), "clock-ns")
	b.ReportMetric(float64(testsupport.Percentile(times, 50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(testsupport.Percentile(times, 99).Nanoseconds()), "p99-ns")
}

// size returns the bytes d holds: its columns, index and code tables.
func (d *Directory) size() int {
	n := cap(d.keys)*8 + (cap(d.lat)+cap(d.lng))*4 + (cap(d.lsoa)+cap(d.term))*2 + cap(d.pfa) + cap(d.ctry) + (cap(d.fence1)+cap(d.fence2))*8
	for _, t := range [][]string{d.lsoas, d.pfas, d.ctrys} {
		n += cap(t) * int(unsafe.Sizeof(""))
		for _, s := range t {
			n += len(s)
		}
	}
	return n
}

// TestBytesPerPostcode holds the directory to its budget of 24 bytes a
// postcode, fences included, the code tables aside.
func TestBytesPerPostcode(t *testing.T) {
	var sb strings.Builder
	genRows(5_000, 9, true, &sb)
	d, _, err := Load(context.Background(), strings.NewReader(sb.String()), Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	fixed := 0
	for _, tab := range [][]string{d.lsoas, d.pfas, d.ctrys} {
		fixed += cap(tab) * int(unsafe.Sizeof(""))
		for _, s := range tab {
			fixed += len(s)
		}
	}
	if per := float64(d.size()-fixed) / float64(d.Len()); per > 24 {
		t.Errorf("%.1f bytes a postcode, over 24", per)
	}
}
