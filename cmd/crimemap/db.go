package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"crimemap/store"
	"crimemap/watch"
)

func init() {
	register("db", "the Neighbourhood Watch store: backup FILE, restore FILE, sweep", runDB)
}

// dbFlag registers --db: a SQLite file, or a postgres:// URL. Its default
// is crimemap.db beside the first path of CRIMEMAP_DATA, else in the
// working directory.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB(), "store: a SQLite file, or postgres://... for several replicas")
}

func defaultDB() string {
	if v := os.Getenv("CRIMEMAP_DATA"); v != "" {
		first := strings.Split(v, string(os.PathListSeparator))[0]
		return filepath.Join(filepath.Dir(filepath.Clean(first)), "crimemap.db")
	}
	return "crimemap.db"
}

// isHelp reports whether arg asks for the usage, as the flag package
// reads -h and -help with one dash or two.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// subcommand parses a command whose first argument names what it does,
// with flags and one positional argument after it.
func subcommand(name string, args []string, subs string, setup func(sub string, fs *flag.FlagSet)) (sub, arg string, fs *flag.FlagSet, err error) {
	if len(args) == 0 {
		return "", "", nil, fmt.Errorf("%s: which? %s", name, subs)
	}
	sub = args[0]
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	setup(sub, fs)
	if isHelp(sub) {
		fs.Usage()
		return "", "", nil, flag.ErrHelp
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return "", "", nil, err
	}
	if fs.NArg() > 1 {
		return "", "", nil, fmt.Errorf("%s %s: one argument, got %q", name, sub, fs.Args())
	}
	return sub, fs.Arg(0), fs, nil
}

func runDB(ctx context.Context, args []string, stdout io.Writer) error {
	var dsn *string
	var retention *time.Duration
	sub, file, _, err := subcommand("db", args, "backup FILE, restore FILE or sweep", func(sub string, fs *flag.FlagSet) {
		dsn = dbFlag(fs)
		if sub == "sweep" {
			retention = fs.Duration("retention", watch.DefaultRetention, "keep applications and messages this long after they close")
		}
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "usage: crimemap db backup|restore [--db DSN] FILE\n       crimemap db sweep [--db DSN] [--retention 8760h]")
			fs.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if (file == "") != (sub == "sweep") {
		return fmt.Errorf("db %s: FILE is required for backup and restore, and only for them", sub)
	}
	switch sub {
	case "backup":
		if err := store.Backup(ctx, *dsn, file); err != nil {
			return fmt.Errorf("db backup: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "backed up %s to %s\n", redact(*dsn), file)
	case "restore":
		if err := store.Restore(ctx, file, *dsn); err != nil {
			return fmt.Errorf("db restore: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "restored %s from %s\n", redact(*dsn), file)
	case "sweep":
		if *retention <= 0 {
			return errors.New("db sweep: --retention must be positive")
		}
		s, err := store.Open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer s.Close()
		r, err := watch.SweepAt(ctx, s, time.Now(), *retention)
		if err != nil {
			return fmt.Errorf("db sweep: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "deleted %d applications, %d messages, %d expired sessions, %d old sign-in failures\n",
			r.Applications, r.Messages, r.Sessions, r.SignIns)
		return err
	default:
		return fmt.Errorf("db: unknown %q: backup, restore or sweep", sub)
	}
	return err
}

// redact hides a postgres URL's password before it is printed.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
				return dsn[:i+3+colon] + ":xxxxx" + dsn[at:]
			}
		}
	}
	return dsn
}
