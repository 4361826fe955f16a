package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"crimemap/loadtest"
)

func init() {
	register("bench", "load-test a crimemap server on loopback with the URLs of a file", runBench)
}

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	urls := fs.String("urls", "", "file of lines group<TAB>path-or-url (required)")
	base := fs.String("base", "http://127.0.0.1:8080", "base URL for paths; must be loopback")
	conc := fs.Int("c", 16, "concurrent workers, each with one request in flight")
	dur := fs.Duration("d", 10*time.Second, "run time")
	maxReq := fs.Int("n", 0, "stop after this many requests (0 = only the time bounds the run)")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on one request")
	gzip := fs.Bool("gzip", true, "send Accept-Encoding: gzip, as map clients do; bytes are counted as sent")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *urls == "" {
		return errors.New("bench: -urls FILE is required (or CRIMEMAP_BENCH_URLS)")
	}
	f, err := os.Open(*urls)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	targets, err := loadtest.ParseTargets(f, *base)
	f.Close()
	if err != nil {
		return fmt.Errorf("bench: %s: %w", *urls, err)
	}
	cfg := loadtest.Config{
		Targets:     targets,
		Concurrency: *conc,
		Duration:    *dur,
		MaxRequests: *maxReq,
		Timeout:     *timeout,
	}
	if *gzip {
		cfg.Header = http.Header{"Accept-Encoding": {"gzip"}}
	}
	res, err := loadtest.Run(ctx, cfg)
	if err != nil && res.Total.Requests == 0 {
		return fmt.Errorf("bench: %w", err)
	}
	if _, werr := res.WriteTo(stdout); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("bench: stopped early: %w", err)
	}
	return nil
}
