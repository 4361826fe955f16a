//go:build unix

package ingest

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps a regular file read-only. A national load reads about 1.3 GB
// of CSV; read(2) copies every byte from the page cache into the buffer,
// while the parser only looks at the bytes, so it reads the page cache in
// place. unmap must be called once nothing refers to data any more: the
// parser copies what it keeps.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, err error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, fmt.Errorf("map %s: size %d", f.Name(), size)
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, nil, fmt.Errorf("map %s: %w", f.Name(), err)
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
