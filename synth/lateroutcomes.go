package synth

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"crimemap/geo"
)

// LaterShares is the share of a month's crimes with a Crime ID that
// LaterOutcomes names, by how many months before the outcomes' month the
// crime was: real outcomes files record events, mostly in the crime's month
// or the two after it, a few up to nine months on (City of London's
// 2016-01 to 2017-06 files: 7,830 events for 8,138 crimes with an ID,
// 0-9 months after the crime). Over the ten months they name about 0.6 of
// a month's crimes.
var LaterShares = [10]float64{0.35, 0.20, 0.10, 0.05, 0.03, 0.02, 0.01, 0.01, 0.005, 0.005}

// laterEvents are the outcomes a named crime whose street row gives none
// (or "Under investigation", the absence of an event) is given.
var laterEvents = []string{
	"Investigation complete; no suspect identified", "Unable to prosecute suspect", "Local resolution",
	"Offender given a caution", "Awaiting court outcome", "Formal action is not in the public interest",
}

// LaterOutcomes writes the outcomes files of month, as a monthly archive
// brings them, into dst/MONTH/MONTH-<force>-outcomes.csv: for each force
// with a street file of month under src, rows naming crimes of month and of
// the nine months before it (LaterShares), read from src's street files of
// those months. Generate writes each crime's outcome in the crime's own
// month; these name earlier months' crimes too, which a month added to a
// loaded dataset joins to them. The same seed and files give the same
// bytes. It returns the rows written.
func LaterOutcomes(src, dst, month string, seed int64) (int, error) {
	m, err := geo.ParseMonth(month)
	if err != nil {
		return 0, fmt.Errorf("%w: month %q: %w", ErrInvalidConfig, month, err)
	}
	if err := os.MkdirAll(filepath.Join(dst, month), 0o755); err != nil {
		return 0, fmt.Errorf("synth: create month dir: %w", err)
	}
	total := 0
	for k, f := range geo.StandardForces {
		if _, err := os.Stat(filepath.Join(src, StreetFile(month, f.Slug))); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(k)))
		n, err := writeLaterOutcomes(src, filepath.Join(dst, OutcomesFile(month, f.Slug)), m, f.Slug, rng)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// writeLaterOutcomes writes one force's outcomes file of month m to path.
func writeLaterOutcomes(src, path string, m geo.Month, force string, rng *rand.Rand) (n int, err error) {
	out, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("synth: %w", cerr)
		}
	}()
	w := csv.NewWriter(out)
	if err := w.Write(strings.Split(OutcomesHeader, ",")); err != nil {
		return 0, fmt.Errorf("synth: write %s: %w", path, err)
	}
	for back, share := range LaterShares {
		name := (m - geo.Month(back)).String()
		in, err := os.Open(filepath.Join(src, StreetFile(name, force)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("synth: %w", err)
		}
		k, err := copyLater(csv.NewReader(in), w, m.String(), share, rng)
		in.Close()
		if err != nil {
			return n, fmt.Errorf("synth: %s of %s: %w", force, name, err)
		}
		n += k
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return n, fmt.Errorf("synth: write %s: %w", path, err)
	}
	return n, nil
}

// copyLater writes an outcomes row of month for a share of the street rows
// of r that have a Crime ID, and returns how many it wrote.
func copyLater(r *csv.Reader, w *csv.Writer, month string, share float64, rng *rand.Rand) (int, error) {
	if _, err := r.Read(); err != nil { // the header
		return 0, err
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if len(rec) < 12 {
			return n, fmt.Errorf("a row of %d fields", len(rec))
		}
		if rec[0] == "" || rng.Float64() >= share {
			continue
		}
		outcome := rec[10]
		if outcome == "" || outcome == "Under investigation" {
			outcome = laterEvents[rng.IntN(len(laterEvents))]
		}
		// Crime ID, Month, Reported by, Falls within, coordinates,
		// Location (outcomes files write it in capitals), LSOA.
		row := []string{rec[0], month, rec[2], rec[3], rec[4], rec[5], strings.ToUpper(rec[6]), rec[7], rec[8], outcome}
		if err := w.Write(row); err != nil {
			return n, err
		}
		n++
	}
}
