package testsupport

import "golang.org/x/sys/unix"

// ThreadCPU returns the CPU time of the calling OS thread in nanoseconds,
// so that a latency can be told apart from the time other processes held
// the core. The caller must hold its thread (runtime.LockOSThread).
func ThreadCPU() (int64, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return ts.Nano(), true
}
