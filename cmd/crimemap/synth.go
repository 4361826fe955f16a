package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"crimemap/synth"
)

func init() {
	register("synth", "write a synthetic data.police.uk street (and stop-and-search) archive for benchmarks", runSynth)
}

func runSynth(ctx context.Context, args []string, stdout io.Writer) error {
	def := synth.DefaultConfig()
	cfg := def
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.IntVar(&cfg.N, "n", def.N, "street rows in total")
	fs.IntVar(&cfg.Months, "months", def.Months, "number of months")
	fs.StringVar(&cfg.Start, "start", def.Start, "first month, YYYY-MM")
	fs.Int64Var(&cfg.Seed, "seed", def.Seed, "random seed; the same seed writes the same bytes")
	fs.BoolVar(&cfg.Outcomes, "outcomes", false, "also write outcomes files")
	fs.Float64Var(&cfg.NoLocation, "no-location", def.NoLocation, "share of rows without a location")
	fs.IntVar(&cfg.Stops, "stops", 0, "stop-and-search rows in total (nationally about 50,000 a month)")
	fs.BoolVar(&cfg.History, "history", false, "a realistic long series: volumes growing over the years and by season, snap points added, withdrawn and moved at yearly revisions")
	fs.IntVar(&cfg.Workers, "workers", 0, "files written at once (0 = number of CPUs)")
	out := fs.String("out", "", "output directory (required)")
	reuse := fs.Bool("reuse", false, "leave the output directory as it is when it already holds what these flags write, as the benchmarks' cache does")
	later := fs.String("later-outcomes", "", "write only this month's (YYYY-MM) outcomes files into -out, naming crimes of the month and of the nine months before it as a monthly archive's do, read from the street files under -from")
	from := fs.String("from", "", "with -later-outcomes, the archive whose street files the outcomes name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("synth: -out DIR is required (or CRIMEMAP_SYNTH_OUT)")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("synth: unexpected arguments %q", fs.Args())
	}
	if (*later == "") != (*from == "") {
		return errors.New("synth: -later-outcomes MONTH and -from DIR go together")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	if *later != "" {
		n, err := synth.LaterOutcomes(*from, *out, *later, cfg.Seed)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "wrote %d outcome rows of %s to %s in %s\n", n, *later, *out, time.Since(start).Round(time.Millisecond))
		return err
	}
	if *reuse {
		if _, err := synth.EnsureDirAt(cfg, *out); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "%s holds %d rows over %d months (%s)\n",
			*out, cfg.N, cfg.Months, time.Since(start).Round(time.Millisecond))
		return err
	}
	if err := synth.Generate(cfg, *out); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "wrote %d rows over %d months to %s in %s\n",
		cfg.N, cfg.Months, *out, time.Since(start).Round(time.Millisecond))
	return err
}
