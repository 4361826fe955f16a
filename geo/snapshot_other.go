//go:build !unix

package geo

import (
	"os"
	"unsafe"
)

// mapSnapshot reads a snapshot into memory where files cannot be mapped,
// into 8-byte words so that every column is aligned.
func mapSnapshot(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	words := make([]uint64, (len(b)+7)/8)
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(b))
	copy(out, b)
	return out, nil
}

func unmapSnapshot([]byte) {}

// snapshotMapped says that the snapshot is read into the heap, not mapped.
const snapshotMapped = false

func releaseSnapshot([]byte) {}
