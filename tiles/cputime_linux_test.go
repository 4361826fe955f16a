package tiles

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time of the calling OS thread in nanoseconds,
// so a latency can be measured without the time other processes took the
// core. The caller must hold its thread (runtime.LockOSThread).
func threadCPU() (int64, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return ts.Nano(), true
}
