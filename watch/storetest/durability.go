package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"crimemap/watch"
)

// childEnv tells a re-executed test binary to be the writer Durability
// kills, and which scheme to write to; childDSNEnv which store.
const (
	childEnv    = "CRIMEMAP_STORETEST_KILL_CHILD"
	childDSNEnv = "CRIMEMAP_STORETEST_KILL_DSN"
)

// Open opens a store by DSN, as the back ends' Open functions do.
type Open func(ctx context.Context, dsn string) (watch.Store, error)

// killAfter is how many committed writes the parent waits for before it
// kills the child, mid-stream.
const killAfter = 200

// Durability checks that a write that returned survives kill -9 of its
// process straight after. The test binary runs itself again as a child
// (selected by the calling test's name and childEnv) that writes
// applications as fast as it can, printing each id once its write has
// returned; the parent SIGKILLs it after killAfter of them, reopens the
// store and finds every reported application.
//
// The calling test must call Durability first thing: in the child it
// never returns.
// newDSN, called in the parent only, gives a fresh store's DSN.
func Durability(t *testing.T, newDSN func(t *testing.T) string, open Open) {
	if os.Getenv(childEnv) != "" {
		child(os.Getenv(childDSNEnv), open)
		os.Exit(0) // unreachable: the parent kills the child
	}
	dsn := newDSN(t)
	ctx := context.Background()
	s, err := open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	sc := must(s.CreateScheme(ctx, scheme("durable")))(t)
	noErr(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+strconv.FormatInt(sc.ID, 10), childDSNEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	lines := bufio.NewScanner(out)
	for len(ids) < killAfter && lines.Scan() {
		if id, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	noErr(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait() // killed: its status says so
	if len(ids) < killAfter {
		t.Fatalf("the child reported %d writes before it stopped, want %d", len(ids), killAfter)
	}

	s, err = open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list := must(s.ListApplications(ctx, sc.ID))(t)
	stored := make([]int64, len(list))
	for i, a := range list {
		stored[i] = a.ID
	}
	for _, id := range ids {
		if _, found := slices.BinarySearch(stored, id); !found {
			t.Fatalf("application %d was reported committed but is gone after kill -9 (%d of %d reported are stored)",
				id, len(stored), len(ids))
		}
	}
	t.Logf("%d writes reported, %d stored after kill -9", len(ids), len(stored))
}

func child(dsn string, open Open) {
	ctx := context.Background()
	schemeID, err := strconv.ParseInt(os.Getenv(childEnv), 10, 64)
	fail(err)
	s, err := open(ctx, dsn)
	fail(err)
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		a := application(schemeID, i)
		a.TokenHash = watch.HashToken(fmt.Sprintf("kill-%d-%d", os.Getpid(), i))
		a.Created = time.Now()
		got, err := s.CreateApplication(ctx, a, mail("c@example.org"))
		fail(err)
		fmt.Fprintln(w, got.ID)
		fail(w.Flush())
	}
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "durability child:", err)
		os.Exit(2)
	}
}

// BenchmarkInserts measures sustained inserts of applications, each with
// its notification, from GOMAXPROCS writers, and reports inserts per
// second and the 99th percentile latency of one insert.
func BenchmarkInserts(b *testing.B, s watch.Store) {
	ctx := context.Background()
	sc := must(s.CreateScheme(ctx, scheme("bench")))(b)
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := next.Add(1)
			a := application(sc.ID, int(n))
			a.TokenHash = watch.HashToken("bench-" + b.Name() + strconv.FormatInt(n, 10) + start.String())
			t := time.Now()
			if _, err := s.CreateApplication(ctx, a, mail("c@example.org")); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "inserts/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
