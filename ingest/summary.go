package ingest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"crimemap/geo"
)

// Counts are the row counts of one kind of file.
type Counts struct {
	Read       int            // data rows read (blank lines are not rows)
	Loaded     int            // rows accepted; Read == Loaded + Rejected
	NoLocation int            // accepted rows without coordinates
	Rejected   int            // rows skipped as malformed
	Reasons    map[string]int // rejected rows by reason (a row error's text)
}

func (c *Counts) add(o Counts) {
	c.Read += o.Read
	c.Loaded += o.Loaded
	c.NoLocation += o.NoLocation
	c.Rejected += o.Rejected
	for r, n := range o.Reasons {
		if c.Reasons == nil {
			c.Reasons = map[string]int{}
		}
		c.Reasons[r] += n
	}
}

// Summary reports what Load read.
type Summary struct {
	Files   int         // files parsed
	Failed  []FileError // files that could not be read, by name
	Skipped []string    // CSVs in folders or zips of no known layout, and walked files that are not regular files

	Street   Counts
	Outcomes Counts
	Stops    Counts

	// From the build: outcome rows with a Crime ID that matched a crime or
	// not, and outcome rows without a Crime ID.
	OutcomeRows       int
	OutcomesJoined    int
	OutcomesUnmatched int
	OutcomesNoID      int
	StopAndSearch     int // stop-and-search rows kept

	// Replaced lists the batches a later file of the same force and month
	// replaced.
	Replaced []geo.Replacement
	// KeptOlder lists the newer files of a unit that held no rows (only a
	// header, or every row rejected) and were dropped for the older copy
	// (Source the empty file, ByNewer the copy kept).
	KeptOlder []geo.Replacement

	Crimes, Located, Points int // the dataset's size
	Elapsed                 time.Duration
	Phases                  []geo.Phase // parsing, then each step of the build
}

// Add counts o's files and rows in s, as of a load that read the files of
// both: o's is the later step, so its dataset's size stands. Outcome rows
// are counted as joined by the step that read them.
func (s *Summary) Add(o *Summary) {
	if o == nil {
		return
	}
	s.Files += o.Files
	s.Failed = append(s.Failed, o.Failed...)
	s.Skipped = append(s.Skipped, o.Skipped...)
	s.Street.add(o.Street)
	s.Outcomes.add(o.Outcomes)
	s.Stops.add(o.Stops)
	s.OutcomeRows += o.OutcomeRows
	s.OutcomesJoined += o.OutcomesJoined
	s.OutcomesUnmatched += o.OutcomesUnmatched
	s.OutcomesNoID += o.OutcomesNoID
	s.StopAndSearch += o.StopAndSearch
	s.Replaced = append(s.Replaced, o.Replaced...)
	s.KeptOlder = append(s.KeptOlder, o.KeptOlder...)
	s.Crimes, s.Located, s.Points = o.Crimes, o.Located, o.Points
	s.Elapsed += o.Elapsed
	s.Phases = append(s.Phases, o.Phases...)
}

// HasFailures reports whether any file could not be read.
func (s *Summary) HasFailures() bool { return len(s.Failed) > 0 }

// Rejected returns all rejected rows by reason, over every kind of file.
func (s *Summary) Rejected() map[string]int {
	var c Counts
	c.add(s.Street)
	c.add(s.Outcomes)
	c.add(s.Stops)
	if c.Reasons == nil {
		return map[string]int{}
	}
	return c.Reasons
}

func (s *Summary) record(src *source, res *fileResult, err error, log *slog.Logger) {
	if err != nil {
		if src.walked && errors.Is(err, ErrUnknownKind) {
			s.Skipped = append(s.Skipped, src.name)
			log.Info("skipped file of unknown layout", "file", src.name)
			return
		}
		fe := FileError{File: src.name, Err: err}
		s.Failed = append(s.Failed, fe)
		log.Error("file failed", "file", src.name, "error", err)
		return
	}
	s.Files++
	switch res.kind {
	case kindStreet:
		s.Street.add(res.counts)
	case kindOutcomes:
		s.Outcomes.add(res.counts)
	case kindStopSearch:
		s.Stops.add(res.counts)
	}
}

// String formats the summary for a person to read.
func (s *Summary) String() string {
	var b strings.Builder
	s.WriteTo(&b)
	return b.String()
}

// WriteTo writes the summary for a person to read.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("files: %d read, %d failed, %d skipped\n", s.Files, len(s.Failed), len(s.Skipped))
	kind := func(name string, c Counts, located bool) {
		if located {
			p("%s rows: %d read, %d loaded (%d without location), %d rejected\n", name, c.Read, c.Loaded, c.NoLocation, c.Rejected)
		} else {
			p("%s rows: %d read, %d loaded, %d rejected\n", name, c.Read, c.Loaded, c.Rejected)
		}
		for _, r := range slices.Sorted(maps.Keys(c.Reasons)) {
			p("  rejected, %s: %d\n", r, c.Reasons[r])
		}
	}
	kind("street", s.Street, true)
	kind("outcomes", s.Outcomes, false)
	kind("stop-and-search", s.Stops, true)
	p("outcomes joined: %d of %d rows with a Crime ID (%d unmatched), %d rows without a Crime ID\n",
		s.OutcomesJoined, s.OutcomeRows, s.OutcomesUnmatched, s.OutcomesNoID)
	p("stop-and-search kept: %d\n", s.StopAndSearch)
	p("units replaced by a later file: %d\n", len(s.Replaced))
	for _, k := range s.KeptOlder {
		p("KEPT OLDER %s %s: %s has no rows, %s kept\n", k.Kind, k.Unit, k.Source, k.ByNewer)
	}
	p("dataset: %d crimes, %d located at %d points\n", s.Crimes, s.Located, s.Points)
	rate := ""
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%.0f rows/s)", float64(s.Street.Read+s.Outcomes.Read+s.Stops.Read)/secs)
	}
	p("elapsed: %s%s\n", s.Elapsed.Round(time.Millisecond), rate)
	if s.Elapsed > 0 && len(s.Phases) > 0 {
		p("phases:")
		for i, ph := range s.Phases {
			sep := ","
			if i == 0 {
				sep = ""
			}
			p("%s %s %s", sep, ph.Name, ph.Took.Round(time.Millisecond))
		}
		p("\n")
	}
	for _, f := range s.Failed {
		p("FAILED %s: %v\n", f.File, f.Err)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
