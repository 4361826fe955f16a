package postcode

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Summary reports what Load read.
type Summary struct {
	File       string
	Read       int            // data rows read (blank lines are not rows)
	Loaded     int            // postcodes kept; Read == Loaded + Rejected
	NoLocation int            // kept postcodes without a grid reference
	Terminated int            // kept postcodes with a doterm
	Rejected   int            // rows skipped as malformed or repeated
	Reasons    map[string]int // rejected rows by reason (a row error's text)

	LSOAs, ForceAreas, Countries int // distinct codes, the empty code included when met
	Elapsed                      time.Duration
}

func (s *Summary) reject(reason error) {
	s.Rejected++
	if s.Reasons == nil {
		s.Reasons = map[string]int{}
	}
	s.Reasons[reason.Error()]++
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
	p("file: %s\n", s.File)
	p("postcode rows: %d read, %d loaded (%d without location, %d terminated), %d rejected\n",
		s.Read, s.Loaded, s.NoLocation, s.Terminated, s.Rejected)
	for _, r := range slices.Sorted(maps.Keys(s.Reasons)) {
		p("  rejected, %s: %d\n", r, s.Reasons[r])
	}
	p("codes: %d LSOA, %d police force area, %d country\n", s.LSOAs, s.ForceAreas, s.Countries)
	rate := ""
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%.0f rows/s)", float64(s.Read)/secs)
	}
	p("elapsed: %s%s\n", s.Elapsed.Round(time.Millisecond), rate)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
