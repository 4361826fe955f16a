package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/paulmach/orb/planar"

	"crimemap/boundary"
	"crimemap/store"
	"crimemap/watch"
)

func init() {
	register("watch", "Neighbourhood Watch schemes: import FILE (CSV)", runWatch)
}

func runWatch(ctx context.Context, args []string, stdout io.Writer) error {
	var dsn, boundaries *string
	sub, file, _, err := subcommand("watch", args, "import FILE", func(_ string, fs *flag.FlagSet) {
		dsn = dbFlag(fs)
		boundaries = fs.String("boundaries", "", "neighbourhood boundary KML folders (data.police.uk layout), separated by "+
			string(os.PathListSeparator)+": fills each scheme's neighbourhood from where it lies")
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "usage: crimemap watch import [--db DSN] [--boundaries DIR] FILE\n"+
				"FILE is CSV with a header row naming its columns: name, description, lat, lng, radius_m or wkt,\n"+
				"force, status, and optionally contact and neighbourhood.")
			fs.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if sub != "import" || file == "" {
		return errors.New("watch: usage: crimemap watch import FILE")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("watch import: %w", err)
	}
	defer f.Close()
	schemes, errs := watch.ParseSchemes(f)
	// All or nothing: a file fixed and imported again must not duplicate
	// the rows that were fine the first time.
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, e)
		}
		return fmt.Errorf("watch import: %d row(s) of %s refused; nothing imported", len(errs), file)
	}
	if *boundaries != "" {
		set, err := boundary.Load(strings.Split(*boundaries, string(os.PathListSeparator))...)
		if err != nil {
			return fmt.Errorf("watch import: %w", err)
		}
		for i := range schemes {
			if schemes[i].Area.Neighbourhood == "" {
				schemes[i].Area.Neighbourhood = neighbourhoodOf(set, &schemes[i])
			}
		}
	}
	s, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	now := time.Now()
	for i, sc := range schemes {
		sc.Created, sc.Updated = now, now
		if _, err := s.CreateScheme(ctx, sc); err != nil {
			return fmt.Errorf("watch import: scheme %d (%q): %w; %d imported before it", i+1, sc.Name, err, i)
		}
	}
	_, err = fmt.Fprintf(stdout, "imported %d schemes from %s\n", len(schemes), file)
	return err
}

// neighbourhoodOf returns the id, within the scheme's force, of the
// neighbourhood whose boundary holds the scheme's centre (a polygon's
// centroid), or "" when none does.
func neighbourhoodOf(set *boundary.Set, sc *watch.Scheme) string {
	pt := sc.Area.Centre
	if !sc.Area.IsCircle() {
		pt, _ = planar.CentroidArea(sc.Area.Polygon)
	}
	prefix := sc.Force + "/"
	for _, b := range set.List() {
		if id, ok := strings.CutPrefix(b.ID, prefix); ok && b.Bound.Contains(pt) && b.Area().Contains(pt[0], pt[1]) {
			return id
		}
	}
	return ""
}
