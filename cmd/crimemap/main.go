// Command crimemap ingests the data.police.uk archive and serves it as a
// crime map, a data.police.uk-compatible API, an analyst API and vector tiles.
//
// Usage:
//
//	crimemap serve [--addr 127.0.0.1:8080] PATH...
//	crimemap ingest PATH...
//	crimemap snapshot -out FILE PATH...
//	crimemap serve --snapshot FILE PATH...
//	crimemap synth -n 6000000 -months 12 -seed 1 -out DIR
//	crimemap bench -urls FILE -c 16 -d 10s
//	crimemap export --pmtiles out.pmtiles --maxzoom 14 PATH...
//	crimemap neighbourhoods fetch [--base URL] --force ID... --out DIR
//
// Every flag has an environment variable: CRIMEMAP_ and the flag name in
// capitals with - as _ (e.g. CRIMEMAP_ADDR), and CRIMEMAP_<COMMAND>_<FLAG>
// (e.g. CRIMEMAP_BENCH_N), which comes first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	run  func(ctx context.Context, args []string, stdout io.Writer) error
	help string
}

// registry holds the subcommands; each file registers its own in init, so a
// command lives beside its flags and nothing else needs to know it.
var registry = map[string]command{}

func register(name, help string, run func(ctx context.Context, args []string, stdout io.Writer) error) {
	registry[name] = command{run: run, help: help}
}

func init() {
	register("version", "print the version", func(_ context.Context, _ []string, stdout io.Writer) error {
		_, err := fmt.Fprintln(stdout, version)
		return err
	})
}

func commands() map[string]command { return registry }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "crimemap:", err)
	}
	if code := exitStatus(err); code != 0 {
		os.Exit(code)
	}
}

// exitStatus is the process's exit status after a command's error: 0 for
// none and for -h or --help, which asked for the usage that was printed;
// the command's own choice where it made one; else 1.
func exitStatus(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	return 1
}

// exitCode lets a command choose its exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(os.Stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: crimemap COMMAND [flags] [PATH...]")
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, cmds[name].help)
	}
}

// parseFlags parses args, then fills each flag the command line did not set
// from the environment: CRIMEMAP_<COMMAND>_<FLAG> first, then
// CRIMEMAP_<FLAG>, in capitals with - as _, COMMAND being the flag set's
// name. The command's own variable comes first because short flags clash
// between commands: -n is a row count to synth and a request count to bench.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		for _, key := range []string{"CRIMEMAP_" + envName(fs.Name()) + "_" + name, "CRIMEMAP_" + name} {
			v, ok := os.LookupEnv(key)
			if !ok {
				continue
			}
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", key, v, e)
			}
			return
		}
	})
	return err
}

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// dataPaths returns the positional paths, or CRIMEMAP_DATA split on the
// path list separator.
func dataPaths(fs *flag.FlagSet) []string {
	if fs.NArg() > 0 {
		return fs.Args()
	}
	if v := os.Getenv("CRIMEMAP_DATA"); v != "" {
		return strings.Split(v, string(os.PathListSeparator))
	}
	return nil
}
