package console

import (
	"bytes"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(&bytes.Buffer{}) {
		t.Error("a file or a buffer taken for a terminal")
	}
}

func TestEveryEndsWithACall(t *testing.T) {
	var n atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		Every(time.Millisecond, stop, func() { n.Add(1) })
		close(done)
	}()
	for n.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	<-done
	before := n.Load()
	time.Sleep(5 * time.Millisecond)
	if n.Load() != before || before < 4 {
		t.Errorf("%d calls, then %d after stopping", before, n.Load())
	}
}
