//go:build unix

package ingest

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far. Benchmarks report
// rows per CPU second beside rows per second, because wall time on a shared
// machine measures the neighbours as much as the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
