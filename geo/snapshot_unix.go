//go:build unix

package geo

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// mapSnapshot maps a snapshot read-only. The pages are the page cache's:
// a restart reads them from memory when the file was read recently, and
// the kernel may drop them under pressure and read them again.
func mapSnapshot(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() || size <= 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("%w: not a regular file of a mappable size (%d bytes)", ErrSnapshotCorrupt, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	return data, nil
}

func unmapSnapshot(data []byte) { _ = syscall.Munmap(data) }

// snapshotMapped says that mapSnapshot maps the file rather than reading it
// into the heap.
const snapshotMapped = true

// releaseSnapshot drops a mapping's pages from the process; they are read
// from the file again where used.
func releaseSnapshot(data []byte) {
	// The kernel takes whole pages: those data lies across in part are
	// kept, as other sections share them.
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	lo, hi := (start+page-1)&^(page-1), (start+uintptr(len(data)))&^(page-1)
	if hi > lo {
		_ = syscall.Madvise(data[lo-start:hi-start], syscall.MADV_DONTNEED)
	}
}
