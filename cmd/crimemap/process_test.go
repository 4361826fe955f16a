package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildCrimemap builds this command into dir: the tests that stop a
// server with a signal, or measure its memory, need it in a process of
// its own.
func buildCrimemap(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "crimemap")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// replica is a crimemap serve process.
type replica struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  string
	done chan error
	// exited is closed when the process has ended.
	exited  chan struct{}
	stopped bool
}

func (r *replica) base() string { return "http://" + r.addr }

// startReplica runs bin serve on data with args, on a free loopback port,
// logging to tmp/name.log, until it is stopped or the test ends.
func startReplica(t *testing.T, bin, tmp, name, data string, args ...string) *replica {
	t.Helper()
	r := &replica{name: name, addr: freeAddr(t), log: filepath.Join(tmp, name+".log"),
		done: make(chan error, 1), exited: make(chan struct{})}
	logFile, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"serve", "-addr", r.addr, "-log-level", "warn", "-db", filepath.Join(tmp, name+".db")}, args...)
	r.cmd = exec.Command(bin, append(args, data)...)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		err := r.cmd.Wait()
		logFile.Close()
		close(r.exited)
		r.done <- err
	}()
	t.Cleanup(func() {
		if err := r.stop(30 * time.Second); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	})
	return r
}

// stop sends SIGTERM and waits for the process to exit: an error unless it
// exits 0 within wait (or had already failed). A second stop returns nil.
func (r *replica) stop(wait time.Duration) error {
	if r.stopped {
		return nil
	}
	r.stopped = true
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			b, _ := os.ReadFile(r.log)
			return fmt.Errorf("exit after SIGTERM: %w\n%s", err, b)
		}
		return nil
	case <-time.After(wait):
		_ = r.cmd.Process.Kill()
		<-r.done
		return fmt.Errorf("still running %v after SIGTERM; killed", wait)
	}
}

// waitReady waits for GET path to answer 200, failing at once if the
// process ends first.
func (r *replica) waitReady(t *testing.T, path string, within time.Duration) {
	t.Helper()
	waitOK(t, r.base()+path, within, r.exited, r.log)
}

// waitOK waits for GET url to answer 200, failing at once if exited is
// closed first, with the log file of what ended.
func waitOK(t *testing.T, url string, within time.Duration, exited <-chan struct{}, log string) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			b, _ := os.ReadFile(log)
			t.Fatalf("ended before %s answered 200:\n%s", url, b)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s did not answer 200 within %v", url, within)
}

// procStatus reads a size in bytes from /proc/PID/status (VmRSS, VmHWM).
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the status of %d: %w", pid, err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s of %d: %w", field, pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in the status of %d", field, pid)
}
