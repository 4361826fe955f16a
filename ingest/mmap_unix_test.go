//go:build unix

package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// readOnly returns a copy of data in memory that faults when written.
func readOnly(t testing.TB, data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	m, err := syscall.Mmap(-1, 0, len(data), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(m) })
	copy(m, data)
	if err := syscall.Mprotect(m, syscall.PROT_READ); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMappedFileShrank checks that a file cut short after it was listed
// fails alone, with errFileChanged, instead of crashing the load on the
// pages it lost.
func TestMappedFileShrank(t *testing.T) {
	data, err := os.ReadFile(testdata(t, "police-uk", "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 4*minMapSize {
		t.Fatalf("sample of %d bytes is too small to map", len(data))
	}
	path := filepath.Join(t.TempDir(), "2017-02-hampshire-street.csv")
	if err := os.WriteFile(path, data[:minMapSize], 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Mapped at its size before it shrank.
	src := &source{name: path, size: int64(len(data)), seq: 1}
	m, unmap, err := mapFile(f, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var w worker
	_, err = w.parseMapped(context.Background(), m, unmap, src, quietLogger(), nil)
	if !errors.Is(err, errFileChanged) {
		t.Fatalf("err = %v, want %v", err, errFileChanged)
	}
}

// TestFileGrewSinceListed checks that a file that grew after it was listed
// is parsed to its end, as reading it would be.
func TestFileGrewSinceListed(t *testing.T) {
	data, err := os.ReadFile(testdata(t, "police-uk", "2017-02", "2017-02-hampshire-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "2017-02-hampshire-street.csv")
	// Cut after a whole line, past the mapping threshold.
	cut := minMapSize + bytes.IndexByte(data[minMapSize:], '\n') + 1
	if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	src := &source{name: path, size: int64(cut), seq: 1, open: func() (io.ReadCloser, error) { return os.Open(path) }}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var w worker
	res, err := w.loadSource(context.Background(), src, quietLogger(), nil, startProgress(nil, []*source{src}))
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Count(data, []byte{'\n'}) - 1; res.counts.Read != want {
		t.Errorf("read %d rows, want %d", res.counts.Read, want)
	}
}
