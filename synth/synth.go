package synth

import (
	"bufio"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"crimemap/fault"
	"crimemap/geo"
)

// StreetHeader is the header row of current data.police.uk street files.
const StreetHeader = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context"

// OutcomesHeader is the header row of data.police.uk outcomes files.
const OutcomesHeader = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type"

// ErrInvalidConfig is returned, wrapped, for a Config that cannot be generated.
var ErrInvalidConfig = fault.New(fault.Invalid, "synth: invalid config")

// Config says what to generate. The output is a function of every field
// except Workers.
type Config struct {
	// N is the total number of street rows across all months and forces.
	N int
	// Months is the number of consecutive months, starting at Start.
	Months int
	// Start is the first month, "YYYY-MM".
	Start string
	// Seed seeds every random choice.
	Seed int64
	// Outcomes also writes YYYY-MM-<force>-outcomes.csv files holding the
	// outcome of each crime that has a non-blank one, in the crime's month.
	Outcomes bool
	// NoLocation is the share of rows without a location; real forces have
	// from well under 1% to a few percent.
	NoLocation float64
	// CrimesPerPoint is the mean number of crimes per snap point per year;
	// it sets the size of the snap point pool.
	CrimesPerPoint float64
	// Stops is the number of stop-and-search rows across all months and
	// forces, written by GenerateStops (and Generate) beside the street
	// files; nationally there are about 50,000 a month.
	Stops int `json:",omitempty"`
	// History makes a long series realistic: monthly volumes grow over the
	// years and follow the seasons, and snap points are added, withdrawn
	// and moved at yearly revisions of the anonymisation map. Crime type
	// labels always follow the month's era (see CategoryLabels).
	History bool `json:",omitempty"`
	// Workers bounds the files written in parallel; 0 means GOMAXPROCS.
	Workers int
}

// DefaultConfig is a year of national data at roughly the real rate.
func DefaultConfig() Config {
	return Config{
		N:              6_000_000,
		Months:         12,
		Start:          "2023-01",
		Seed:           1,
		NoLocation:     0.015,
		CrimesPerPoint: 8,
	}
}

// Validate reports a Config that Generate would refuse.
func (c Config) Validate() error {
	switch {
	case c.N < 0:
		return fmt.Errorf("%w: N %d is negative", ErrInvalidConfig, c.N)
	case c.Stops < 0:
		return fmt.Errorf("%w: Stops %d is negative", ErrInvalidConfig, c.Stops)
	case c.Months < 1 || c.Months > 1200:
		return fmt.Errorf("%w: Months %d not in 1..1200", ErrInvalidConfig, c.Months)
	case c.NoLocation < 0 || c.NoLocation > 1:
		return fmt.Errorf("%w: NoLocation %g not in [0,1]", ErrInvalidConfig, c.NoLocation)
	case c.CrimesPerPoint <= 0:
		return fmt.Errorf("%w: CrimesPerPoint %g must be positive", ErrInvalidConfig, c.CrimesPerPoint)
	}
	if _, err := geo.ParseMonth(c.Start); err != nil {
		return fmt.Errorf("%w: Start %q: %w", ErrInvalidConfig, c.Start, err)
	}
	return nil
}

// MonthNames returns the months of c as "YYYY-MM", in order.
func (c Config) MonthNames() ([]string, error) {
	start, err := geo.ParseMonth(c.Start)
	if err != nil {
		return nil, fmt.Errorf("%w: Start %q: %w", ErrInvalidConfig, c.Start, err)
	}
	out := make([]string, c.Months)
	for i := range out {
		out[i] = (start + geo.Month(i)).String()
	}
	return out, nil
}

// StreetFile is the path, relative to the output directory, of the street
// file of force in month: "YYYY-MM/YYYY-MM-<force>-street.csv".
func StreetFile(month, force string) string {
	return filepath.Join(month, month+"-"+force+"-street.csv")
}

// OutcomesFile is the path, relative to the output directory, of the outcomes
// file of force in month.
func OutcomesFile(month, force string) string {
	return filepath.Join(month, month+"-"+force+"-outcomes.csv")
}

// Generate writes the archive described by cfg under dir, creating it. Files
// of other months or forces already in dir are left alone; files it writes
// are replaced.
func Generate(cfg Config, dir string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	months, _ := cfg.MonthNames()
	m := buildModel(cfg)
	for _, mo := range months {
		if err := os.MkdirAll(filepath.Join(dir, mo), 0o755); err != nil {
			return fmt.Errorf("synth: create month dir: %w", err)
		}
	}

	type job struct{ month, force, count int }
	var jobs []job
	for mi, n := range monthCounts(cfg, months) {
		for fi, c := range apportion(n, m.forceWeight) {
			if c > 0 {
				jobs = append(jobs, job{mi, fi, c})
			}
		}
	}
	// Big files first, so one large file does not finish alone at the end.
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].count > jobs[j].count })

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ch := make(chan job)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				err := m.writeFile(cfg, dir, months[j.month], j.month, j.force, j.count)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if firstErr == nil && cfg.Stops > 0 {
		firstErr = GenerateStops(cfg, dir)
	}
	return firstErr
}

// model is the fixed part of a dataset: forces and the snap point pool.
type model struct {
	forces      []geo.Term  // forces that have at least one centre
	forceWeight []float64   // share of snap points per force
	points      [][]int32   // per force, indexes into rec
	rec         []byte      // per point "lon,lat,Location,LSOA code,LSOA name"
	recOff      []uint32    // rec[recOff[i]:recOff[i+1]] is point i
	upper       []byte      // rec with the location upper-cased, as outcomes files write it
	lsoaRank    []uint32    // per point, its LSOA's place in LSOA name order
	life        []pointLife // per point, with History: when it exists and moves
	catCum      []float64
	outCum      []float64
}

func cumulative(counts []float64) []float64 {
	cum := make([]float64, len(counts))
	total := 0.0
	for i, c := range counts {
		total += c
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	cum[len(cum)-1] = 1
	return cum
}

// pick returns the index i with cum[i-1] <= u < cum[i].
func pick(cum []float64, u float64) int {
	i := sort.SearchFloat64s(cum, u)
	if i < len(cum) && cum[i] == u {
		i++
	}
	return min(i, len(cum)-1)
}

// apportion splits n into integer parts proportional to w by largest
// remainder, so the parts always sum to n.
func apportion(n int, w []float64) []int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	out := make([]int, len(w))
	if total == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(w))
	left := n
	for i, x := range w {
		exact := float64(n) * x / total
		out[i] = int(exact)
		left -= out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; k < left; k++ {
		out[rems[k%len(rems)].i]++
	}
	return out
}

const (
	ruralShare = 0.08 // share of snap points drawn uniformly over land
	kmPerDeg   = 111.32
)

func buildModel(cfg Config) *model {
	m := &model{}
	forceIdx := map[string]int{}
	for _, t := range geo.StandardForces {
		used := false
		for _, c := range centres {
			used = used || c.force == t.Slug
		}
		if used {
			forceIdx[t.Slug] = len(m.forces)
			m.forces = append(m.forces, t)
		}
	}
	m.points = make([][]int32, len(m.forces))
	m.forceWeight = make([]float64, len(m.forces))

	pops := make([]float64, len(centres))
	for i, c := range centres {
		pops[i] = c.pop
	}
	popCum := cumulative(pops)

	cats := make([]float64, len(categoryShares))
	for i, c := range categoryShares {
		cats[i] = c.count
	}
	m.catCum = cumulative(cats)
	outs := make([]float64, len(outcomeShares))
	for i, o := range outcomeShares {
		outs[i] = o.count
	}
	m.outCum = cumulative(outs)

	perYear := float64(cfg.N) * 12 / float64(cfg.Months)
	npts := max(int(perYear/cfg.CrimesPerPoint), 200)

	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x736e6170)) // "snap"
	type cell struct{ x, y int32 }
	lsoaOf := map[cell]string{}
	lsoaName := make([]string, 0, npts) // per point
	var nEng, nWal int
	perTown := make([]int, len(centres))
	m.recOff = make([]uint32, 0, npts+1)
	m.rec = make([]byte, 0, npts*72)
	for i := 0; i < npts; i++ {
		var lon, lat float64
		var ci int
		if rng.Float64() < ruralShare {
			for {
				lon = minLon + rng.Float64()*(maxLon-minLon)
				lat = minLat + rng.Float64()*(maxLat-minLat)
				if onLand(lon, lat) {
					break
				}
			}
			ci = nearestCentre(lon, lat)
		} else {
			ci = pick(popCum, rng.Float64())
			c := centres[ci]
			sigma := max(0.7, 0.09*math.Sqrt(c.pop)) // km
			if rng.Float64() < 0.35 {
				sigma *= 2.5 // suburbs
			}
			lon, lat = c.lon, c.lat
			for try := 0; try < 8; try++ {
				la := c.lat + rng.NormFloat64()*sigma/kmPerDeg
				lo := c.lon + rng.NormFloat64()*sigma/(kmPerDeg*math.Cos(la*math.Pi/180))
				if onLand(lo, la) {
					lon, lat = lo, la
					break
				}
			}
		}
		c := centres[ci]
		fi := forceIdx[c.force]
		m.points[fi] = append(m.points[fi], int32(i))
		m.forceWeight[fi]++

		k := cell{int32(math.Floor(lon * 100)), int32(math.Floor(lat * 100))}
		lsoa, ok := lsoaOf[k]
		if !ok {
			code := ""
			if welshForces[c.force] {
				nWal++
				code = fmt.Sprintf("W01%06d", nWal)
			} else {
				nEng++
				code = fmt.Sprintf("E01%06d", nEng)
			}
			t := perTown[ci]
			perTown[ci]++
			lsoa = fmt.Sprintf("%s,%s %03d%c", code, c.name, t/5+1, 'A'+t%5)
			lsoaOf[k] = lsoa
		}
		lsoaName = append(lsoaName, lsoa[strings.IndexByte(lsoa, ',')+1:])

		m.recOff = append(m.recOff, uint32(len(m.rec)))
		m.rec = strconv.AppendFloat(m.rec, lon, 'f', 6, 64)
		m.rec = append(m.rec, ',')
		m.rec = strconv.AppendFloat(m.rec, lat, 'f', 6, 64)
		m.rec = append(m.rec, ",On or near "...)
		switch u := rng.Float64(); {
		case u < 0.10:
			m.rec = append(m.rec, places[rng.IntN(len(places))]...)
		case u < 0.35:
			m.rec = append(m.rec, commonStreets[rng.IntN(len(commonStreets))]...)
		default:
			m.rec = append(m.rec, streetStems[rng.IntN(len(streetStems))]...)
			m.rec = append(m.rec, ' ')
			m.rec = append(m.rec, streetKinds[rng.IntN(len(streetKinds))]...)
		}
		m.rec = append(m.rec, ',')
		m.rec = append(m.rec, lsoa...)
	}
	m.recOff = append(m.recOff, uint32(len(m.rec)))
	names := slices.Clone(lsoaName)
	slices.Sort(names)
	names = slices.Compact(names)
	m.lsoaRank = make([]uint32, npts)
	for i, name := range lsoaName {
		r, _ := slices.BinarySearch(names, name)
		m.lsoaRank[i] = uint32(r)
	}
	if cfg.History {
		m.addHistory(cfg)
	}
	if cfg.Outcomes {
		m.upper = make([]byte, len(m.rec))
		for i := 0; i < len(m.recOff)-1; i++ {
			r := m.rec[m.recOff[i]:m.recOff[i+1]]
			u := m.upper[m.recOff[i]:m.recOff[i+1]]
			copy(u, r)
			// Fields: lon, lat, location, code, name; only the location is
			// upper-cased in outcomes files.
			parts := strings.SplitN(string(r), ",", 4)
			start := len(parts[0]) + len(parts[1]) + 2
			copy(u[start:], strings.ToUpper(parts[2]))
		}
	}
	return m
}

func nearestCentre(lon, lat float64) int {
	best, bestD := 0, math.Inf(1)
	k := math.Cos(lat * math.Pi / 180)
	for i, c := range centres {
		dx := (c.lon - lon) * k
		dy := c.lat - lat
		if d := dx*dx + dy*dy; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

const noLocationFields = ",,No Location,,"

// createBuffered creates path with a writer of size bytes over it. The
// caller flushes the writer and defers closeFile(&err), which closes the
// file and reports a failed close unless an earlier error is being
// returned: a close can be the first sign that the disk was full.
func createBuffered(path string, size int) (w *bufio.Writer, closeFile func(*error), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("synth: %w", err)
	}
	closeFile = func(err *error) {
		if cerr := f.Close(); *err == nil && cerr != nil {
			*err = fmt.Errorf("synth: %w", cerr)
		}
	}
	return bufio.NewWriterSize(f, size), closeFile, nil
}

func (m *model) writeFile(cfg Config, dir, month string, mi, fi, count int) (err error) {
	force := m.forces[fi]
	// One stream per (month, force): files are independent of scheduling.
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(mi)<<16|uint64(fi)))

	path := filepath.Join(dir, StreetFile(month, force.Slug))
	w, closeFile, err := createBuffered(path, 1<<18)
	if err != nil {
		return err
	}
	defer closeFile(&err)

	var ow *bufio.Writer
	if cfg.Outcomes {
		var closeOutcomes func(*error)
		ow, closeOutcomes, err = createBuffered(filepath.Join(dir, OutcomesFile(month, force.Slug)), 1<<16)
		if err != nil {
			return err
		}
		defer closeOutcomes(&err)
		ow.WriteString(OutcomesHeader + "\n")
	}

	w.WriteString(StreetHeader + "\n")
	// prefix is ",YYYY-MM,<force>,<force>," after the Crime ID.
	prefix := []byte("," + month + "," + force.Name + "," + force.Name + ",")
	pts := m.points[fi]
	labels := eraNames[era(month)]
	// Rows are written in the order data.police.uk writes them: one run
	// per LSOA, by LSOA name, anti-social behaviour first within an LSOA,
	// rows without a location last. Readers meet the points of a
	// neighbourhood together, as they do in the real archive, rather than
	// in a random order no real file has.
	type rowRef struct {
		key      uint64
		off, end int
	}
	rows := make([]rowRef, 0, count)
	lines := make([]byte, 0, count*200)
	var id [64]byte
	const hexdigits = "0123456789abcdef"
	for range count {
		start := len(lines)
		cat := pick(m.catCum, rng.Float64())
		isASB := cat == asbCategory
		outcome := ""
		if !isASB {
			for k := 0; k < 4; k++ {
				v := rng.Uint64()
				for b := 0; b < 16; b++ {
					id[k*16+b] = hexdigits[v>>(60-4*b)&0xf]
				}
			}
			lines = append(lines, id[:]...)
			outcome = outcomeShares[pick(m.outCum, rng.Float64())].name
		}
		lines = append(lines, prefix...)
		pt := -1
		if rng.Float64() >= cfg.NoLocation {
			// u² favours the first points of the pool: a few snap points
			// (shopping centres, stations) collect many crimes, most few.
			u := rng.Float64()
			pt = m.resolve(pts, int(u*u*float64(len(pts))), mi)
			lines = append(lines, m.rec[m.recOff[pt]:m.recOff[pt+1]]...)
		} else {
			lines = append(lines, noLocationFields...)
		}
		lines = append(lines, ',')
		lines = append(lines, labels[cat]...)
		lines = append(lines, ',')
		lines = append(lines, outcome...)
		lines = append(lines, ",\n"...)
		key := uint64(1) << 63
		if pt >= 0 {
			key = uint64(m.lsoaRank[pt]) << 1
			if !isASB {
				key |= 1
			}
		}
		rows = append(rows, rowRef{key, start, len(lines)})
		// An outcomes file records events, and "Under investigation" is
		// the absence of one.
		if ow != nil && outcome != "" && outcome != "Under investigation" {
			ow.Write(id[:])
			ow.Write(prefix)
			if pt >= 0 {
				ow.Write(m.upper[m.recOff[pt]:m.recOff[pt+1]])
			} else {
				ow.WriteString(noLocationFields)
			}
			ow.WriteByte(',')
			ow.WriteString(outcome)
			ow.WriteByte('\n')
		}
	}
	slices.SortStableFunc(rows, func(a, b rowRef) int { return cmp.Compare(a.key, b.key) })
	for _, r := range rows {
		if _, err := w.Write(lines[r.off:r.end]); err != nil {
			return fmt.Errorf("synth: write %s: %w", path, err)
		}
	}
	if ow != nil {
		if err := ow.Flush(); err != nil {
			return fmt.Errorf("synth: write outcomes of %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	return nil
}
