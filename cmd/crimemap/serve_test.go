package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"crimemap/server"
)

// TestServeStopsDuringLoad checks that serve ends when its context does
// (SIGTERM) while a data file blocks the load: a FIFO opens only when a
// writer comes.
func TestServeStopsDuringLoad(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "2017-02-kent-street.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"-addr", "127.0.0.1:0", "-quiet", "-log-level", "error", "-db", filepath.Join(t.TempDir(), "w.db"), fifo}, io.Discard)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("serve = %v, want the context's end", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop while its load was blocked")
	}
	if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		f.Close()
	}
}

func TestCheckPublicURL(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"https://crime.example.org", true},
		{"http://127.0.0.1:8080/crimemap/", true},
		{"crime.example.org", false},
		{"/crimemap", false},
		{"ftp://crime.example.org", false},
		{"https://crime.example.org/?a=b", false},
		{"https://crime.example.org/#x", false},
	} {
		if err := checkPublicURL(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkPublicURL(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}

func TestLoadNeighbourhoods(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	deps := server.Deps{Log: log}
	var out strings.Builder
	err := loadNeighbourhoods(context.Background(), &deps, "../../neighbourhood/testdata/api", "../../postcode/testdata/onspd-sample.csv", &out)
	if err != nil {
		t.Fatal(err)
	}
	if deps.Neighbourhoods == nil || deps.Postcodes == nil || deps.Locator.Len() != 1 {
		t.Fatalf("deps %+v", deps)
	}
	for _, want := range []string{"neighbourhoods: ", "postcode rows: ", "neighbourhood boundaries: 1 located", "no boundary hampshire/Bargate Ward\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if reg, err := deps.Locator.Locate(50.9, -1.4); err != nil || reg.ID != "SO14" {
		t.Errorf("Locate = %+v, %v", reg, err)
	}
	for _, bad := range [][2]string{{"no-such-folder", ""}, {"", "no-such-file.csv"}} {
		if err := loadNeighbourhoods(context.Background(), &server.Deps{Log: log}, bad[0], bad[1], io.Discard); err == nil {
			t.Errorf("loadNeighbourhoods(%q, %q) = nil, want an error", bad[0], bad[1])
		}
	}
}
