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

func newGlobalTable() *globalTable { return &globalTable{idx: map[string]uint32{}} }

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

// compact drops the values no row of col refers to, returning the remap of
// indexes to the values kept.
func (g *globalTable) compact(col []uint32) []uint32 {
	seen := make([]bool, len(g.vals))
	for _, i := range col {
		seen[i] = true
	}
	pos := make([]uint32, len(g.vals))
	var kept []string
	for i, ok := range seen {
		if ok {
			pos[i] = uint32(len(kept))
			kept = append(kept, g.vals[i])
		}
	}
	g.vals = kept
	return pos
}

// assemble joins the chunks in input order into a sorted directory,
// reporting rejected rows and dropping repeated postcodes.
func assemble(chunks []*chunk, opt Options, log *slog.Logger) (*Directory, *Summary, error) {
	sum := &Summary{File: opt.Name}
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

	// Report rejected rows in line order, merge the code tables and see
	// whether the rows are already in key order, as ONSPD writes them.
	g := [3]*globalTable{newGlobalTable(), newGlobalTable(), newGlobalTable()}
	remaps := map[*tables][3][]uint32{}
	total, sorted, prev := 0, true, uint64(0)
	firstLine := make([]int, len(chunks))
	line := 2 // the header is line 1
	for ci, c := range chunks {
		firstLine[ci] = line
		sum.Read += c.read
		for _, e := range c.errs {
			err := e.reason
			if e.detail != "" {
				err = fmt.Errorf("%w: %s", e.reason, e.detail)
			}
			report(&ParseError{File: opt.Name, Line: line + e.line, Column: e.column, Err: err}, e.reason)
		}
		if _, ok := remaps[c.tabs]; !ok {
			// A worker's tables only grow, so one remap serves all its chunks.
			remaps[c.tabs] = [3][]uint32{g[0].remap(c.tabs.pfa), g[1].remap(c.tabs.lsoa), g[2].remap(c.tabs.ctry)}
		}
		for _, k := range c.keys {
			if sorted && total > 0 && k <= prev {
				sorted = false
			}
			prev = k
			total++
		}
		line += c.lines
	}
	if total > maxRows {
		return nil, nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyRows, total, maxRows)
	}
	remapOf := func(c *chunk) [3][]uint32 { return remaps[c.tabs] }
	if !sorted {
		c, pos := sortChunks(chunks, firstLine, remaps, g, func(pe *ParseError) {
			pe.File = opt.Name
			report(pe, ErrDuplicate)
		})
		chunks = []*chunk{c}
		remapOf = func(*chunk) [3][]uint32 { return pos }
	}
	pfas, lsoas, ctrys := g[0].vals, g[1].vals, g[2].vals
	switch {
	case len(lsoas) > maxLSOAs:
		return nil, nil, fmt.Errorf("%w: %d LSOA codes, at most %d", ErrTooManyCodes, len(lsoas), maxLSOAs)
	case len(pfas) > maxPFAs:
		return nil, nil, fmt.Errorf("%w: %d pfa codes, at most %d", ErrTooManyCodes, len(pfas), maxPFAs)
	case len(ctrys) > maxCountries:
		return nil, nil, fmt.Errorf("%w: %d ctry codes, at most %d", ErrTooManyCodes, len(ctrys), maxCountries)
	}

	n := 0
	for _, c := range chunks {
		n += len(c.keys)
	}
	d := &Directory{
		keys: make([]uint64, n), lat: make([]int32, n), lng: make([]int32, n),
		lsoa: make([]uint16, n), term: make([]uint16, n), pfa: make([]uint8, n), ctry: make([]uint8, n),
		lsoas: lsoas, pfas: pfas, ctrys: ctrys,
	}
	at := 0
	for _, c := range chunks {
		rm := remapOf(c)
		copy(d.keys[at:], c.keys)
		copy(d.lat[at:], c.lat)
		copy(d.lng[at:], c.lng)
		copy(d.term[at:], c.term)
		pfa, lsoa, ctry := d.pfa[at:at+len(c.keys)], d.lsoa[at:at+len(c.keys)], d.ctry[at:at+len(c.keys)]
		for i := range pfa {
			pfa[i] = uint8(rm[0][c.pfa[i]])
			lsoa[i] = uint16(rm[1][c.lsoa[i]])
			ctry[i] = uint8(rm[2][c.ctry[i]])
		}
		at += len(c.keys)
	}
	for i := range n {
		if d.lat[i] == noLocation {
			sum.NoLocation++
		}
		if d.term[i] != 0 {
			sum.Terminated++
		}
	}
	d.buildIndex()
	sum.Loaded = n
	sum.LSOAs, sum.ForceAreas, sum.Countries = len(lsoas), len(pfas), len(ctrys)
	return d, sum, nil
}

// sortChunks joins chunks out of key order into one chunk in key order,
// with global code indexes. Of rows with one key the earliest is kept and
// the rest reported as duplicates, in line order; codes only they used are
// dropped from g, and pos maps the remaining global indexes to their new
// places.
func sortChunks(chunks []*chunk, firstLine []int, remaps map[*tables][3][]uint32, g [3]*globalTable, dup func(*ParseError)) (*chunk, [3][]uint32) {
	var all chunk
	for ci, c := range chunks {
		rm := remaps[c.tabs]
		all.keys = append(all.keys, c.keys...)
		all.lat = append(all.lat, c.lat...)
		all.lng = append(all.lng, c.lng...)
		all.term = append(all.term, c.term...)
		for i := range c.keys {
			all.pfa = append(all.pfa, rm[0][c.pfa[i]])
			all.lsoa = append(all.lsoa, rm[1][c.lsoa[i]])
			all.ctry = append(all.ctry, rm[2][c.ctry[i]])
			all.line = append(all.line, uint32(firstLine[ci]+int(c.line[i])))
		}
	}
	// Each row as key<<27 | row: sorting the integers orders by key, then
	// by input order. A key takes 37 bits, a row index 27.
	order := make([]uint64, len(all.keys))
	for i, k := range all.keys {
		order[i] = k<<27 | uint64(i)
	}
	slices.Sort(order)
	var dups []*ParseError
	out := &chunk{}
	for j, p := range order {
		i := int(p & (maxRows - 1))
		if j > 0 && p>>27 == order[j-1]>>27 {
			dups = append(dups, &ParseError{Line: int(all.line[i]), Column: "pcds",
				Err: fmt.Errorf("%w: %s", ErrDuplicate, Key(all.keys[i]))})
			continue
		}
		out.keys = append(out.keys, all.keys[i])
		out.lat = append(out.lat, all.lat[i])
		out.lng = append(out.lng, all.lng[i])
		out.term = append(out.term, all.term[i])
		out.pfa = append(out.pfa, all.pfa[i])
		out.lsoa = append(out.lsoa, all.lsoa[i])
		out.ctry = append(out.ctry, all.ctry[i])
	}
	slices.SortFunc(dups, func(a, b *ParseError) int { return a.Line - b.Line })
	for _, pe := range dups {
		dup(pe)
	}
	return out, [3][]uint32{g[0].compact(out.pfa), g[1].compact(out.lsoa), g[2].compact(out.ctry)}
}
