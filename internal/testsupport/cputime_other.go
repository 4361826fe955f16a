//go:build !linux

package testsupport

// ThreadCPU is unavailable off Linux.
func ThreadCPU() (int64, bool) { return 0, false }
