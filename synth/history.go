package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Category eras of the archive. data.police.uk started in December 2010 with
// six crime types, split out five more in September 2011, and in May 2013
// split "Public disorder and weapons" into "Public order" and "Possession of
// weapons", split "Bicycle theft" and "Theft from the person" out of "Other
// theft", and renamed "Violent crime" to "Violence and sexual offences".
const (
	firstSplit  = "2011-09"
	secondSplit = "2013-05"
)

// eraNames maps each name of categoryShares to the label a file of an era
// writes; a month writes only the labels valid in it.
var eraNames = func() [3][]string {
	before2011 := map[string]string{
		"Violence and sexual offences": "Violent crime",
		"Other theft":                  "Other crime",
		"Criminal damage and arson":    "Other crime",
		"Shoplifting":                  "Other crime",
		"Public order":                 "Other crime",
		"Theft from the person":        "Other crime",
		"Drugs":                        "Other crime",
		"Bicycle theft":                "Other crime",
		"Possession of weapons":        "Other crime",
	}
	before2013 := map[string]string{
		"Violence and sexual offences": "Violent crime",
		"Public order":                 "Public disorder and weapons",
		"Possession of weapons":        "Public disorder and weapons",
		"Theft from the person":        "Other theft",
		"Bicycle theft":                "Other theft",
	}
	var out [3][]string
	for _, c := range categoryShares {
		for era, renames := range []map[string]string{before2011, before2013, nil} {
			name := c.name
			if r, ok := renames[name]; ok {
				name = r
			}
			out[era] = append(out[era], name)
		}
	}
	return out
}()

// CategoryLabels returns the crime types a street file of month ("YYYY-MM")
// may hold, in the spelling of the archive at that month.
func CategoryLabels(month string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range eraNames[era(month)] {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func era(month string) int {
	switch {
	case month < firstSplit:
		return 0
	case month < secondSplit:
		return 1
	}
	return 2
}

// monthCounts splits cfg.N over the months: evenly, or with History along a
// growth curve (about 4.5M a year at the start, levelling off near 6.5M
// after a few years, scaled to N) times a season peaking in summer and the
// length of each month.
func monthCounts(cfg Config, months []string) []int {
	if !cfg.History {
		out := make([]int, cfg.Months)
		for mi := range out {
			out[mi] = cfg.N / cfg.Months
			if mi < cfg.N%cfg.Months {
				out[mi]++
			}
		}
		return out
	}
	w := make([]float64, len(months))
	for mi, mo := range months {
		years := float64(mi) / 12
		rate := 4.5 + 2.0*(1-math.Exp(-years/3))
		y, _ := strconv.Atoi(mo[:4])
		m, _ := strconv.Atoi(mo[5:7])
		season := 1 + 0.08*math.Cos(2*math.Pi*float64(m-7)/12)
		w[mi] = rate * season * float64(daysIn(y, m)) / 30.44
	}
	return apportion(cfg.N, w)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Snap point revisions: data.police.uk revises its anonymisation map from time
// to time, so some snap points appear, some are withdrawn and some move to a
// new street and coordinates. With History, a revision falls every
// revisionEvery months after the first; each point has these chances of
// being added at one, withdrawn at one, or moved at one.
const (
	revisionEvery = 12
	shareAdded    = 0.08
	shareRemoved  = 0.08
	shareMoved    = 0.10
)

// pointLife is the history of one snap point: alive for months in
// [from, until), written as the record moveTo from month moveAt (0: never).
type pointLife struct {
	from, until, moveAt int32
	moveTo              int32
}

// addHistory draws each point's life and appends a moved point's new
// record (a new street, 30 to 300 m away, in the same LSOA) to the pool. It
// draws from its own stream, so the pool of points is that of the same
// Config without History.
func (m *model) addHistory(cfg Config) {
	npts := len(m.recOff) - 1
	m.life = make([]pointLife, npts)
	var revisions []int32
	for r := revisionEvery; r < cfg.Months; r += revisionEvery {
		revisions = append(revisions, int32(r))
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x68697374)) // "hist"
	for i := range m.life {
		l := &m.life[i]
		l.until = int32(cfg.Months)
		u := rng.Float64()
		at := int32(0)
		if len(revisions) > 0 {
			at = revisions[rng.IntN(len(revisions))]
		}
		if at == 0 {
			continue
		}
		switch {
		case u < shareAdded:
			l.from = at
		case u < shareAdded+shareRemoved:
			l.until = at
		case u < shareAdded+shareRemoved+shareMoved:
			l.moveAt = at
			l.moveTo = int32(len(m.recOff) - 1)
			m.appendMoved(rng, i)
		}
	}
}

// appendMoved appends point i's record after a move.
func (m *model) appendMoved(rng *rand.Rand, i int) {
	r := string(m.rec[m.recOff[i]:m.recOff[i+1]])
	// lon, lat, location, LSOA code, LSOA name; no field holds a comma.
	f := strings.SplitN(r, ",", 5)
	lon, _ := strconv.ParseFloat(f[0], 64)
	lat, _ := strconv.ParseFloat(f[1], 64)
	d := (30 + 270*rng.Float64()) / 1000 / kmPerDeg
	a := 2 * math.Pi * rng.Float64()
	lat += d * math.Sin(a)
	lon += d * math.Cos(a) / math.Cos(lat*math.Pi/180)

	// recOff's last entry, the end of the pool, is the new record's start.
	m.rec = strconv.AppendFloat(m.rec, lon, 'f', 6, 64)
	m.rec = append(m.rec, ',')
	m.rec = strconv.AppendFloat(m.rec, lat, 'f', 6, 64)
	m.rec = append(m.rec, ",On or near "...)
	m.rec = append(m.rec, streetStems[rng.IntN(len(streetStems))]...)
	m.rec = append(m.rec, ' ')
	m.rec = append(m.rec, streetKinds[rng.IntN(len(streetKinds))]...)
	m.rec = append(m.rec, ',')
	m.rec = append(m.rec, f[3]...)
	m.rec = append(m.rec, ',')
	m.rec = append(m.rec, f[4]...)
	m.recOff = append(m.recOff, uint32(len(m.rec)))
	m.lsoaRank = append(m.lsoaRank, m.lsoaRank[i])
}

// resolve returns the record a crime drawn at pts[k] writes in month mi: the
// point itself, its moved record, or, while it does not exist, the next
// point of the force that does.
func (m *model) resolve(pts []int32, k, mi int) int {
	if m.life == nil {
		return int(pts[k])
	}
	for n := 0; n < len(pts); n++ {
		p := int(pts[(k+n)%len(pts)])
		l := m.life[p]
		if int32(mi) < l.from || int32(mi) >= l.until {
			continue
		}
		if l.moveAt > 0 && int32(mi) >= l.moveAt {
			return int(l.moveTo)
		}
		return p
	}
	return int(pts[k])
}
