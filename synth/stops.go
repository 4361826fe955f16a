package synth

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"crimemap/geo"
)

// StopsHeader is the header row of data.police.uk stop-and-search files.
const StopsHeader = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing"

// StopsFile is the path, relative to the output directory, of the
// stop-and-search file of force in month.
func StopsFile(month, force string) string {
	return filepath.Join(month, month+"-"+force+"-stop-and-search.csv")
}

// share is a value and its weight among a column's values.
type share struct {
	v string
	w float64
}

// stopColumns are the values of the categorical columns, weighted roughly
// as England and Wales's 2022-23 searches were.
var stopColumns = [...][]share{
	{{"Person search", 77}, {"Person and Vehicle search", 22}, {"Vehicle search", 1}},
	{{"Male", 88}, {"Female", 8}, {"", 4}},
	{{"18-24", 38}, {"25-34", 25}, {"10-17", 16}, {"over 34", 16}, {"", 5}},
	{{"White - English/Welsh/Scottish/Northern Irish/British", 45}, {"Other ethnic group - Not stated", 20},
		{"Black/African/Caribbean/Black British - Any other Black/African/Caribbean background", 10},
		{"Asian/Asian British - Pakistani", 7}, {"Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background", 5},
		{"White - Any other White background", 8}, {"", 5}},
	{{"White", 58}, {"Black", 18}, {"Asian", 12}, {"Other", 4}, {"", 8}},
	{{"Misuse of Drugs Act 1971 (section 23)", 64}, {"Police and Criminal Evidence Act 1984 (section 1)", 31},
		{"Criminal Justice and Public Order Act 1994 (section 60)", 3}, {"Firearms Act 1968 (section 47)", 2}},
	{{"Controlled drugs", 64}, {"Offensive weapons", 16}, {"Stolen goods", 12}, {"Article for use in theft", 5},
		{"Evidence of offences under the Act", 2}, {"Firearms", 1}},
	{{"A no further action disposal", 70}, {"Arrest", 15}, {"Community resolution", 6}, {"Khat or Cannabis warning", 5},
		{"Summons / charged by post", 2}, {"Penalty Notice for Disorder", 1.5}, {"Caution (simple or conditional)", 0.5}},
	{{"", 75}, {"True", 15}, {"False", 10}},
	{{"False", 90}, {"", 8}, {"True", 2}},
}

// Columns of stopColumns in the order a row writes them after the
// coordinates.
const (
	colType = iota
	colGender
	colAge
	colSelfEthnicity
	colOfficerEthnicity
	colLegislation
	colObject
	colOutcome
	colLinked
	colRemoval
)

// stopNoLocation is the share of stops written without coordinates.
const stopNoLocation = 0.05

func pickShare(col []share, u float64) string {
	total := 0.0
	for _, s := range col {
		total += s.w
	}
	u *= total
	for _, s := range col {
		if u < s.w {
			return s.v
		}
		u -= s.w
	}
	return col[len(col)-1].v
}

// GenerateStops writes cfg.Stops stop-and-search rows under dir, spread
// evenly over cfg's months and over the forces as their crimes are, at
// the snap points Generate writes crimes at for the same cfg.
func GenerateStops(cfg Config, dir string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	months, _ := cfg.MonthNames()
	m := buildModel(cfg)
	type job struct{ month, force, count int }
	var jobs []job
	for mi, mo := range months {
		if err := os.MkdirAll(filepath.Join(dir, mo), 0o755); err != nil {
			return fmt.Errorf("synth: create month dir: %w", err)
		}
		n := cfg.Stops / cfg.Months
		if mi < cfg.Stops%cfg.Months {
			n++
		}
		for fi, c := range apportion(n, m.forceWeight) {
			if c > 0 {
				jobs = append(jobs, job{mi, fi, c})
			}
		}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = m.writeStops(cfg, dir, months[j.month], j.month, j.force, j.count)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *model) writeStops(cfg Config, dir, month string, mi, fi, count int) (err error) {
	force := m.forces[fi]
	// A stream of its own per file, apart from the street files' streams.
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed)^0x73746f70, uint64(mi)<<16|uint64(fi))) // "stop"
	path := filepath.Join(dir, StopsFile(month, force.Slug))
	w, closeFile, err := createBuffered(path, 1<<16)
	if err != nil {
		return err
	}
	defer closeFile(&err)
	w.WriteString(StopsHeader + "\n")
	mo, _ := geo.ParseMonth(month)
	days := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo.Num()-1]
	pts := m.points[fi]
	for range count {
		col := func(c int) string { return pickShare(stopColumns[c], rng.Float64()) }
		fmt.Fprintf(w, "%s,%s-%02dT%02d:%02d:00+00:00,False,,", col(colType), month, 1+rng.IntN(days), rng.IntN(24), rng.IntN(60))
		if rng.Float64() >= stopNoLocation && len(pts) > 0 {
			// The stop is at a snap point, as data.police.uk places them;
			// the point's record starts "lon,lat,".
			u := rng.Float64()
			rec := m.rec[m.recOff[pts[int(u*u*float64(len(pts)))]]:]
			lon, rest, _ := bytes.Cut(rec, []byte{','})
			lat, _, _ := bytes.Cut(rest, []byte{','})
			fmt.Fprintf(w, "%s,%s", lat, lon)
		} else {
			w.WriteByte(',')
		}
		for _, c := range []int{colGender, colAge, colSelfEthnicity, colOfficerEthnicity, colLegislation, colObject, colOutcome, colLinked, colRemoval} {
			w.WriteByte(',')
			w.WriteString(col(c))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	return nil
}
