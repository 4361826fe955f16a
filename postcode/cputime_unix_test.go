//go:build unix

package postcode

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far: BenchmarkLoad
// reports rows per CPU second beside rows per second, since on a shared
// machine wall time measures the neighbours as much as the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
