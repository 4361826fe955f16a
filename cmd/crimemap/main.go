// Command crimemap ingests the data.police.uk archive and serves it as a
// crime map, a data.police.uk-compatible API, an analyst API and vector tiles.
//
// Usage:
//
//	crimemap serve [--addr 127.0.0.1:8080] PATH...
//	crimemap ingest PATH...
//	crimemap synth -n 6000000 -months 12 -seed 1 -out DIR
//	crimemap bench -urls FILE -c 16 -d 10s
//	crimemap export --pmtiles out.pmtiles --maxzoom 14 PATH...
//
// Every flag has an environment variable: CRIMEMAP_ and the flag name in
// capitals with - as _ (e.g. CRIMEMAP_ADDR).
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
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "crimemap:", err)
		}
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
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

// envDefault applies CRIMEMAP_<FLAG> environment variables to flags the
// command line did not set.
func envDefault(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		key := "CRIMEMAP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(key); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", key, v, e)
			}
		}
	})
	return err
}

// parseFlags parses args and then the environment fallbacks.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return envDefault(fs)
}

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
