// Package parallel shares a piece of work out across cores: the one way
// the domain packages split a computation into goroutines and wait for it.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Cores is how many goroutines share out n pieces of work: one per core,
// at least one, at most n.
func Cores(n int) int { return min(max(runtime.GOMAXPROCS(0), 1), max(n, 1)) }

// Workers is the goroutine count of an option where 0 (or less) means one
// per core.
func Workers(n int) int {
	if n > 0 {
		return n
	}
	return max(runtime.GOMAXPROCS(0), 1)
}

// Run runs f(0) .. f(n-1), each on a goroutine of its own, and waits for
// them.
func Run(n int, f func(k int)) {
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { f(k) })
	}
	wg.Wait()
}

// Each runs f(0) .. f(n-1) on a goroutine per core, each taking the next k
// when it finishes one, so that pieces of uneven cost even out.
func Each(n int, f func(k int)) {
	var next atomic.Int64
	Run(Cores(n), func(int) {
		for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
			f(k)
		}
	})
}
