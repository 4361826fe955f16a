package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"crimemap/mirror"
)

func init() {
	register("neighbourhoods", "fetch: copy forces' neighbourhood teams from a data.police.uk-style API into a folder", runNeighbourhoods)
}

func runNeighbourhoods(ctx context.Context, args []string, stdout io.Writer) error {
	const usage = "usage: crimemap neighbourhoods fetch [--base URL] --force ID... --out DIR"
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(os.Stderr, usage)
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "fetch" {
		return errors.New("neighbourhoods: " + usage)
	}
	return runNeighbourhoodsFetch(ctx, args[1:], stdout)
}

// forceList gathers force ids from repeated flags and comma lists.
type forceList []string

func (l *forceList) String() string { return strings.Join(*l, ",") }

func (l *forceList) Set(v string) error {
	for id := range strings.SplitSeq(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}

func runNeighbourhoodsFetch(ctx context.Context, args []string, stdout io.Writer) error {
	opt := mirror.DefaultOptions()
	fs := flag.NewFlagSet("neighbourhoods-fetch", flag.ContinueOnError)
	fs.StringVar(&opt.Base, "base", "https://data.police.uk/api", "the API's root: data.police.uk's, or a crimemap's http://HOST/api")
	var forces forceList
	fs.Var(&forces, "force", "force ids to copy: a comma list, the flag repeated, or the ids following it")
	fs.StringVar(&opt.Dir, "out", "", "folder to fill, in the layout neighbourhood.LoadDir reads (required)")
	fs.Float64Var(&opt.Rate, "rate", opt.Rate, "requests a second, on average")
	fs.IntVar(&opt.Burst, "burst", opt.Burst, "requests at once above --rate")
	fs.IntVar(&opt.Workers, "workers", opt.Workers, "requests in flight at most")
	fs.IntVar(&opt.Attempts, "attempts", opt.Attempts, "tries of one request on 429, 5xx, network errors and timeouts")
	fs.DurationVar(&opt.Timeout, "timeout", opt.Timeout, "time for one attempt, answer included")
	fs.BoolVar(&opt.Refresh, "refresh", false, "fetch every file again, complete or recorded missing")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: crimemap neighbourhoods fetch [--base URL] --force ID... --out DIR [--rate 15 --burst 30 --workers 4 --refresh]")
		fs.PrintDefaults()
	}
	ids, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	forces = append(forces, ids...)
	slices.Sort(forces)
	opt.Forces = slices.Compact(forces)
	if len(opt.Forces) == 0 || opt.Dir == "" {
		fs.Usage()
		return errors.New("neighbourhoods fetch: --force ID and --out DIR are required (or CRIMEMAP_NEIGHBOURHOODS_FETCH_FORCE and _OUT)")
	}
	opt.UserAgent = "crimemap/" + version
	if !*quiet {
		opt.Progress = os.Stderr
	}
	sum, err := mirror.Fetch(ctx, opt)
	if sum != nil {
		fmt.Fprint(stdout, sum)
	}
	if err != nil {
		return fmt.Errorf("neighbourhoods fetch: %w", err)
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("neighbourhoods fetch: %d request(s) failed", len(sum.Failed))
	}
	return nil
}

// parseInterspersed parses flags and positional arguments in any order
// (--force a b --out DIR), returning the positional ones, then fills unset
// flags from the environment as parseFlags does.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			pos = append(pos, args[0])
			args = args[1:]
		}
		if len(args) == 0 {
			break
		}
	}
	return pos, parseFlags(fs, nil)
}
