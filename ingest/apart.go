package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"crimemap/geo"
)

// RecentMonths is how many of the latest months a server builds apart by
// default: the months data.police.uk publishes again each month, as their
// outcomes move on, and the ones a force is likeliest to revise.
const RecentMonths = 36

// SplitRecent divides files (the files under the data paths) into those
// of the latest n months (late) and those of earlier months (early), both
// sorted, by the months their names give (FileMonth); files Load passes
// over are in neither. late is nil, and whole says why, when the files are
// to be loaded in one piece: n is 0, a data file's name gives no month (a
// zip, a file renamed), or the files hold no more than n months.
func SplitRecent(files []string, n int) (early, late []string, whole string) {
	if n <= 0 {
		return nil, nil, "no latest months asked for apart"
	}
	month := map[string]geo.Month{}
	var months []geo.Month
	for _, p := range files {
		if csv, zipped := wanted(p); !csv && !zipped {
			continue
		}
		m, ok := FileMonth(p)
		if !ok {
			return nil, nil, fmt.Sprintf("%s has no month in its name", p)
		}
		month[p] = m
		months = append(months, m)
	}
	slices.Sort(months)
	months = slices.Compact(months)
	if len(months) <= n {
		return nil, nil, fmt.Sprintf("%d months, no more than the %d asked for apart", len(months), n)
	}
	cut := months[len(months)-n]
	for p, m := range month {
		if m >= cut {
			late = append(late, p)
		} else {
			early = append(early, p)
		}
	}
	slices.Sort(early)
	slices.Sort(late)
	return early, late, ""
}

// LoadApart loads paths, whose files are files, as the months before the
// latest recent (Load) and those months built on them (Extend), when
// SplitRecent splits the files so: earlier is then the dataset of the
// months before, which a server keeps to build the latest months again
// alone when one of their files is revised. ds is what Load of paths
// gives, version and every answer, which it falls back to, earlier nil,
// when the files cannot be split so. A file that fails to read is
// reported in sum with the rest loaded, as by Load.
func LoadApart(ctx context.Context, paths, files []string, recent int, opt Options) (ds, earlier *geo.Dataset, sum *Summary, err error) {
	early, late, _ := SplitRecent(files, recent)
	if late != nil {
		if earlier, sum, err = Load(ctx, early, opt); err != nil {
			return nil, nil, sum, err
		}
		var more *Summary
		ds, more, err = Extend(ctx, earlier, late, opt)
		sum.Add(more)
		if err == nil {
			// Kept beside ds, the earlier months need no copy of the
			// points ds holds.
			earlier = earlier.SharingPoints(ds)
		}
		if !errors.Is(err, ErrCannotExtend) || more != nil && more.HasFailures() {
			return ds, earlier, sum, err
		}
		log := opt.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Info("the latest months cannot be built apart; loading every file in one piece", "err", err)
	}
	ds, sum, err = Load(ctx, paths, opt)
	return ds, nil, sum, err
}
