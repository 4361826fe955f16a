package postcode

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// readHeader maps the header's columns to slots. It requires every slot's
// column but the LSOA ones, of which one suffices.
func readHeader(line []byte) (ncol int, slot []int8, err error) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(bytes.TrimSpace(line)) == 0 {
		return 0, nil, ErrNotCSV
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.LazyQuotes = true
	names, err := cr.Read()
	if err != nil {
		return 0, nil, fmt.Errorf("%w: header: %w", ErrNotCSV, err)
	}
	slot = make([]int8, len(names))
	var have [nslots]bool
	for i, n := range names {
		slot[i] = -1
		n = strings.ToLower(strings.TrimSpace(n))
		for k, want := range slotNames {
			if n == want && !have[k] {
				slot[i], have[k] = int8(k), true
			}
		}
	}
	var missing []string
	for k, ok := range have {
		if !ok && k != slotLSOA21 && k != slotLSOA11 {
			missing = append(missing, slotNames[k])
		}
	}
	if !have[slotLSOA21] && !have[slotLSOA11] {
		missing = append(missing, "lsoa21 or lsoa11")
	}
	if len(missing) > 0 {
		return 0, nil, fmt.Errorf("%w: %s", ErrMissingColumn, strings.Join(missing, ", "))
	}
	return len(names), slot, nil
}

// globalTable merges the workers' tables of one code column.
type globalTable struct {
	idx  map[string]uint32
	vals []string
}

func (g *globalTable) remap(t *table) []uint32 {
	m := make([]uint32, len(t.vals))
	for i, v := range t.vals {
		j, ok := g.idx[v]
		if !ok {
			j = uint32(len(g.vals))
			g.vals = append(g.vals, v)
			g.idx[v] = j
		}
		m[i] = j
	}
	return m
}

// compact returns the values some row refers to, and the remap of indexes
// to their positions in that list.
func (g *globalTable) compact(refs func(yield func(uint32))) ([]string, []uint32) {
	seen := make([]bool, len(g.vals))
	refs(func(i uint32) { seen[i] = true })
	pos := make([]uint32, len(g.vals))
	var out []string
	for i, ok := range seen {
		if ok {
			pos[i] = uint32(len(out))
			out = append(out, g.vals[i])
		}
	}
	return out, pos
}

// assemble joins the chunks in input order into a sorted directory,
// reporting rejected rows and dropping repeated postcodes.
func assemble(chunks []*chunk, opt Options, log *slog.Logger) (*Directory, *Summary, error) {
	sum := &Summary{File: opt.Name}
	total := 0
	for _, c := range chunks {
		total += len(c.keys)
		sum.Read += c.read
	}
	if total > maxRows {
		return nil, nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyRows, total, maxRows)
	}
	report := func(pe *ParseError, reason error) {
		sum.reject(reason)
		if opt.OnReject != nil {
			opt.OnReject(pe)
		}
		if sum.Rejected <= logCap {
			log.Warn("rejected row", "error", pe)
		}
		if sum.Rejected == logCap {
			log.Warn("further rejected rows are counted, not logged", "file", opt.Name)
		}
	}
	rowError := func(line int, e rowErr) *ParseError {
		err := e.reason
		if e.detail != "" {
			err = fmt.Errorf("%w: %s", e.reason, e.detail)
		}
		return &ParseError{File: opt.Name, Line: line, Column: e.column, Err: err}
	}

	keys := make([]uint64, total)
	lat, lng := make([]int32, total), make([]int32, total)
	term := make([]uint16, total)
	pfa, lsoa, ctry := make([]uint32, total), make([]uint32, total), make([]uint32, total)
	lines := make([]uint32, total)
	gPFA := &globalTable{idx: map[string]uint32{}}
	gLSOA := &globalTable{idx: map[string]uint32{}}
	gCtry := &globalTable{idx: map[string]uint32{}}
	remaps := map[*tables][3][]uint32{}
	at, line := 0, 2 // the header is line 1
	for _, c := range chunks {
		for _, e := range c.errs {
			report(rowError(line+e.line, e), e.reason)
		}
		rm, ok := remaps[c.tabs]
		if !ok {
			// A worker's tables only grow, so one remap serves all its chunks.
			rm = [3][]uint32{gPFA.remap(c.tabs.pfa), gLSOA.remap(c.tabs.lsoa), gCtry.remap(c.tabs.ctry)}
			remaps[c.tabs] = rm
		}
		copy(keys[at:], c.keys)
		copy(lat[at:], c.lat)
		copy(lng[at:], c.lng)
		copy(term[at:], c.term)
		for i := range c.keys {
			pfa[at+i] = rm[0][c.pfa[i]]
			lsoa[at+i] = rm[1][c.lsoa[i]]
			ctry[at+i] = rm[2][c.ctry[i]]
			lines[at+i] = uint32(line + int(c.line[i]))
		}
		at += len(c.keys)
		line += c.lines
	}

	// Order by key, the earlier row first among equal keys; rows already
	// in order (as ONSPD writes them) skip the sort.
	order := sortOrder(keys)
	var dups []int
	if order != nil {
		kept := order[:0]
		for j, p := range order {
			i := int(p & (maxRows - 1))
			if j > 0 && keys[i] == keys[int(kept[len(kept)-1]&(maxRows-1))] {
				dups = append(dups, i)
				continue
			}
			kept = append(kept, p)
		}
		order = kept
	}
	slices.SortFunc(dups, func(a, b int) int { return int(lines[a]) - int(lines[b]) })
	for _, i := range dups {
		report(&ParseError{File: opt.Name, Line: int(lines[i]), Column: "pcds",
			Err: fmt.Errorf("%w: %s", ErrDuplicate, Key(keys[i]))}, ErrDuplicate)
	}

	n := total
	if order != nil {
		n = len(order)
	}
	at2 := func(j int) int {
		if order == nil {
			return j
		}
		return int(order[j] & (maxRows - 1))
	}
	// Codes only rejected or repeated rows used are dropped.
	rows := func(col []uint32) func(yield func(uint32)) {
		return func(yield func(uint32)) {
			for j := range n {
				yield(col[at2(j)])
			}
		}
	}
	pfas, pfaPos := gPFA.compact(rows(pfa))
	lsoas, lsoaPos := gLSOA.compact(rows(lsoa))
	ctrys, ctryPos := gCtry.compact(rows(ctry))
	switch {
	case len(lsoas) > maxLSOAs:
		return nil, nil, fmt.Errorf("%w: %d LSOA codes, at most %d", ErrTooManyCodes, len(lsoas), maxLSOAs)
	case len(pfas) > maxPFAs:
		return nil, nil, fmt.Errorf("%w: %d pfa codes, at most %d", ErrTooManyCodes, len(pfas), maxPFAs)
	case len(ctrys) > maxCountries:
		return nil, nil, fmt.Errorf("%w: %d ctry codes, at most %d", ErrTooManyCodes, len(ctrys), maxCountries)
	}

	d := &Directory{
		keys: make([]uint64, n), lat: make([]int32, n), lng: make([]int32, n),
		lsoa: make([]uint16, n), term: make([]uint16, n), pfa: make([]uint8, n), ctry: make([]uint8, n),
		lsoas: lsoas, pfas: pfas, ctrys: ctrys,
	}
	for j := range n {
		i := at2(j)
		d.keys[j], d.lat[j], d.lng[j], d.term[j] = keys[i], lat[i], lng[i], term[i]
		d.lsoa[j] = uint16(lsoaPos[lsoa[i]])
		d.pfa[j] = uint8(pfaPos[pfa[i]])
		d.ctry[j] = uint8(ctryPos[ctry[i]])
		if lat[i] == noLocation {
			sum.NoLocation++
		}
		if term[i] != 0 {
			sum.Terminated++
		}
	}
	d.buildIndex()
	sum.Loaded = n
	sum.LSOAs, sum.ForceAreas, sum.Countries = len(lsoas), len(pfas), len(ctrys)
	return d, sum, nil
}

// sortOrder returns nil when keys are strictly increasing, else the rows in
// key order, each as key<<27 | row, so equal keys keep their input order.
func sortOrder(keys []uint64) []uint64 {
	sorted := true
	for i := 1; i < len(keys); i++ {
		if keys[i] <= keys[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	order := make([]uint64, len(keys))
	for i, k := range keys {
		order[i] = k<<27 | uint64(i)
	}
	slices.Sort(order)
	return order
}
