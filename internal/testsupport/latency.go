package testsupport

import (
	"slices"
	"time"
)

// Latencies calls op n times, one call at a time, and returns the time of
// each, sorted, less the median cost of reading the clock (clock), so the
// percentiles of operations of a microsecond or less are not mostly the
// clock's own.
func Latencies(n int, op func(i int)) (sorted []time.Duration, clock time.Duration) {
	times := make([]time.Duration, n)
	for j := range times {
		t0 := time.Now()
		times[j] = time.Since(t0)
	}
	slices.Sort(times)
	clock = times[len(times)/2]
	for j := range times {
		t0 := time.Now()
		op(j)
		times[j] = time.Since(t0) - clock
	}
	slices.Sort(times)
	return times, clock
}

// Percentile returns the p-th percentile (0..100) of sorted times.
func Percentile(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)*p/100, len(sorted)-1)]
}
