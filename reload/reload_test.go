package reload

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func snap(sizes ...int64) Snapshot {
	s := Snapshot{}
	for i, n := range sizes {
		s[string(rune('a'+i))] = fileState{size: n}
	}
	return s
}

// TestSettler feeds scans at fake times: a change fires once, only after
// it has stayed unchanged for the settle time.
func TestSettler(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, tc := range []struct {
		name  string
		scans []Snapshot
		want  []bool // one per scan, a second apart
	}{
		{"no change", []Snapshot{snap(1), snap(1), snap(1), snap(1), snap(1)}, []bool{false, false, false, false, false}},
		{"new file settles", []Snapshot{snap(1, 2), snap(1, 2), snap(1, 2), snap(1, 2), snap(1, 2)}, []bool{false, false, false, true, false}},
		{"growing file waits", []Snapshot{snap(1, 2), snap(1, 3), snap(1, 4), snap(1, 4), snap(1, 4), snap(1, 4)}, []bool{false, false, false, false, false, true}},
		{"change undone", []Snapshot{snap(1, 2), snap(1), snap(1), snap(1), snap(1)}, []bool{false, false, false, false, false}},
		{"two changes fire twice", []Snapshot{snap(2), snap(2), snap(2), snap(2), snap(3), snap(3), snap(3), snap(3)}, []bool{false, false, false, true, false, false, false, true}},
		{"removed file", []Snapshot{{}, {}, {}, {}}, []bool{false, false, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := NewSettler(snap(1), 3*time.Second, at(0))
			for i, cur := range tc.scans {
				if got := st.Observe(cur, at(i+1)); got != tc.want[i] {
					t.Errorf("scan %d: fire %v, want %v", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "2017-02", "a.csv"), "x")
	s, err := Scan([]string{dir, filepath.Join(dir, "missing")})
	if err != nil || len(s) != 1 {
		t.Fatalf("Scan = %v, %v; want one file", s, err)
	}
	write(t, filepath.Join(dir, "2017-02", "a.csv"), "xy")
	s2, _ := Scan([]string{dir})
	if s.Equal(s2) {
		t.Error("a file that grew scans the same")
	}
}

// TestWatchFiresOnce adds a file under a watched folder and waits for one
// call; further ticks with nothing new must not call again.
func TestWatchFiresOnce(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.csv"), "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fired atomic.Int32
	done := make(chan struct{})
	base, err := Scan([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(done)
		Watch(ctx, []string{dir}, base, 5*time.Millisecond, 20*time.Millisecond, func() { fired.Add(1) }, func(err error) { t.Error(err) })
	}()
	write(t, filepath.Join(dir, "b.csv"), "y")
	deadline := time.Now().Add(10 * time.Second)
	for fired.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // many more ticks
	cancel()
	<-done
	if n := fired.Load(); n != 1 {
		t.Errorf("fired %d times, want 1", n)
	}
}

func TestRequestsCoalesce(t *testing.T) {
	r := NewRequests()
	for range 5 {
		r.Request()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var runs int
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	r.Serve(ctx, func(context.Context) { runs++ })
	if runs != 1 {
		t.Errorf("%d reloads for 5 requests made before any ran, want 1", runs)
	}
}

func write(t testing.TB, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkScan scans a folder of 100 files in 10 month folders, the
// shape of a few years of one force's archive.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	for m := range 10 {
		for f := range 10 {
			write(b, filepath.Join(dir, string(rune('a'+m)), string(rune('a'+f))+".csv"), "x")
		}
	}
	for b.Loop() {
		if _, err := Scan([]string{dir}); err != nil {
			b.Fatal(err)
		}
	}
}
