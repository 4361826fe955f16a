package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"crimemap/geo"
)

// logCap is how many rejected rows of one file are logged; all are counted.
const logCap = 20

// fileResult is what one file yields: batches ready for the Builder and the
// file's row counts.
type fileResult struct {
	kind     fileKind
	street   []*geo.StreetBatch
	outcomes []*geo.OutcomeBatch
	stops    []*geo.StopBatch
	counts   Counts
}

// rejecter counts and logs the rejected rows of one file.
type rejecter struct {
	file     string
	log      *slog.Logger
	onReject func(*ParseError)
	counts   *Counts
}

// reject records a rejected row. reason is one of the row sentinels; detail,
// when not empty, says what was wrong with the value.
func (j *rejecter) reject(line int, column string, reason error, detail string) {
	j.counts.Rejected++
	if j.counts.Reasons == nil {
		j.counts.Reasons = map[string]int{}
	}
	j.counts.Reasons[reason.Error()]++
	if j.counts.Rejected > logCap && j.onReject == nil {
		return
	}
	err := reason
	if detail != "" {
		err = fmt.Errorf("%w: %s", reason, detail)
	}
	pe := &ParseError{File: j.file, Line: line, Column: column, Err: err}
	if j.onReject != nil {
		j.onReject(pe)
	}
	if j.counts.Rejected <= logCap {
		j.log.Warn("rejected row", "error", pe)
	}
	if j.counts.Rejected == logCap {
		j.log.Warn("further rejected rows of this file are counted, not logged", "file", j.file)
	}
}

// parseFile reads one CSV file. name is its path for reports and for its
// kind and unit; seq orders it against other files of the same unit. An
// error fails the whole file; rejected rows are only counted and logged.
//
// size, when known, is the file's length in bytes; it lets the street batch
// be sized once instead of grown.
func parseFile(ctx context.Context, r io.Reader, name string, size int64, seq int, log *slog.Logger, onReject func(*ParseError)) (*fileResult, error) {
	var w worker
	return w.parseFile(ctx, newRecordReader(r, size, nil), name, size, seq, log, onReject)
}

// worker is one parsing goroutine's state, reused from file to file: its read
// buffer, the string table that the street batches of the force it is
// parsing share, and the terms it has seen admitted.
type worker struct {
	buf  []byte
	strs *geo.Interner

	// budget is the load's, shared by all workers; latest is the last
	// month a row may have: the load date's.
	budget     *geo.TermBudget
	latest     geo.Month
	cats, outs termGate
}

// init gives a zero worker its own budget and the current month.
func (w *worker) init() {
	if w.budget == nil {
		w.budget = geo.NewTermBudget()
	}
	if w.latest == 0 {
		w.latest = monthOf(time.Now())
	}
	if w.cats.admit == nil {
		w.cats.admit, w.outs.admit = w.budget.Category, w.budget.Outcome
	}
}

// monthOf returns the month of t in UTC.
func monthOf(t time.Time) geo.Month {
	t = t.UTC()
	return geo.MakeMonth(t.Year(), int(t.Month()))
}

// termGate admits the crime types, or the outcome categories, a worker
// meets. A name met before passes with one comparison; a new one is
// checked for control characters and offered to the load's TermBudget.
type termGate struct {
	admit func([]byte) bool
	slots [256]string
	seen  map[string]string
}

// check returns nil when name may be used, else the row error.
func (g *termGate) check(name []byte) error {
	if len(name) == 0 {
		return nil // the blank outcome; an empty crime type is rejected before
	}
	slot := &g.slots[(uint(len(name))*31+uint(name[0])*7+uint(name[len(name)/2])*3+uint(name[len(name)-1]))&255]
	if *slot == string(name) {
		return nil
	}
	s, ok := g.seen[string(name)]
	if !ok {
		if geo.HasControl(name) {
			return ErrControl
		}
		if !g.admit(name) {
			return ErrTooManyTerms
		}
		s = string(name)
		if g.seen == nil {
			g.seen = map[string]string{}
		}
		g.seen[s] = s
	}
	*slot = s
	return nil
}

func (w *worker) parseFile(ctx context.Context, rr *recordReader, name string, size int64, seq int, log *slog.Logger, onReject func(*ParseError)) (*fileResult, error) {
	w.init()
	ni := parseName(name)
	_, err := rr.next()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: empty file", ErrNotCSV)
	case errors.Is(err, ErrInvalidUTF8), errors.Is(err, ErrTooLong):
		return nil, fmt.Errorf("%w: %w", ErrNotCSV, err)
	case errors.Is(err, ErrQuote), errors.Is(err, ErrBareQuote):
		return nil, fmt.Errorf("%w: header: %w", ErrNotCSV, err)
	case err != nil:
		return nil, err
	}
	h, err := parseHeader(rr.fields(), ni.kind)
	if err != nil {
		return nil, err
	}
	if ni.hasUnit && h.kind != kindOutcomes && !w.budget.Force(ni.unit.Force) {
		// Outcomes files add no force: their rows join crimes.
		return nil, fmt.Errorf("force %q: %w", ni.unit.Force, ErrTooManyTerms)
	}
	res := &fileResult{kind: h.kind}
	rej := &rejecter{file: name, log: log, onReject: onReject, counts: &res.counts}
	if w.strs == nil {
		w.strs = geo.NewInterner()
	}
	p := &fileParser{rr: rr, h: h, ni: ni, name: name, seq: seq, res: res, rej: rej, strs: w.strs, w: w}
	p.rowsHint, p.idsHint = rr.estimateRows(size)
	if h.kind == kindStreet && h.crime[colCrimeID] != 0 {
		// The sample counted empty first fields, not empty Crime IDs.
		p.idsHint = p.rowsHint
	}
	switch h.kind {
	case kindStreet:
		err = p.street(ctx)
	case kindOutcomes:
		err = p.outcomes(ctx)
	case kindStopSearch:
		if !ni.hasUnit {
			return nil, fmt.Errorf("%w: want YYYY-MM-<force>-stop-and-search.csv", ErrNoUnit)
		}
		err = p.stops(ctx)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

type fileParser struct {
	rr   *recordReader
	h    *header
	ni   nameInfo
	name string
	seq  int
	res  *fileResult
	rej  *rejecter

	forces   map[string]string // Falls within -> force id, for files split by rows
	rowsHint int               // expected rows, from the file size
	idsHint  int               // expected rows with a Crime ID
	strs     *geo.Interner     // the worker's strings, shared by its batches
	w        *worker           // the worker's term gates and load date
	falls    []byte            // the last Falls within found free of control characters
}

// record moves to the next row that has the header's field count; read its
// fields with p.rr.field. Rows with a syntax error or the wrong count are
// rejected here.
func (p *fileParser) record(ctx context.Context) error {
	for {
		n, err := p.rr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return err
			}
			if errors.Is(err, ErrInvalidUTF8) || errors.Is(err, ErrQuote) || errors.Is(err, ErrBareQuote) || errors.Is(err, ErrTooLong) {
				p.res.counts.Read++
				p.rej.reject(p.rr.recLine, "", err, p.rr.detail)
				continue
			}
			return fmt.Errorf("line %d: %w", p.rr.line, err)
		}
		p.res.counts.Read++
		if p.res.counts.Read&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if n != p.h.n && !(p.h.short && n == p.h.n-1) {
			p.rej.reject(p.rr.recLine, "", ErrColumnCount, fmt.Sprintf("%d fields, header has %d", n, p.h.n))
			continue
		}
		return nil
	}
}

// unitOf returns the unit of a row: the file name's, or else the row's
// force and month. It returns the row error when the row names no force,
// or a force no dataset has room for.
func (p *fileParser) unitOf(falls []byte, m geo.Month) (geo.Unit, error) {
	if p.ni.hasUnit {
		return p.ni.unit, nil
	}
	if len(falls) == 0 {
		return geo.Unit{}, ErrNoForce
	}
	id, ok := p.forces[string(falls)]
	if !ok {
		id = geo.ForceID(string(falls))
		if id == "" {
			return geo.Unit{}, ErrNoForce
		}
		if !p.w.budget.Force(id) {
			// Not remembered: the refusal is rare and final.
			return geo.Unit{}, ErrTooManyTerms
		}
		if p.forces == nil {
			p.forces = map[string]string{}
		}
		p.forces[string(falls)] = id
	}
	return geo.Unit{Force: id, Month: m}, nil
}

// fallsOK reports whether Falls within is free of control characters,
// rejecting the row when it is not. The column is the same on nearly every
// row, so the last value passed is remembered.
func (p *fileParser) fallsOK(falls []byte) bool {
	if string(falls) == string(p.falls) {
		return true
	}
	if geo.HasControl(falls) {
		p.rej.reject(p.rr.recLine, "Falls within", ErrControl, strconv.Quote(string(falls)))
		return false
	}
	p.falls = append(p.falls[:0], falls...)
	return true
}

// term checks a crime type or outcome category with g, rejecting the row
// when it may not be used.
func (p *fileParser) term(g *termGate, column string, name []byte) bool {
	if err := g.check(name); err != nil {
		p.rej.reject(p.rr.recLine, column, err, strconv.Quote(string(name)))
		return false
	}
	return true
}

// coords parses a Longitude/Latitude pair. Both empty is a row without a
// location; anything else must be two in-range decimals.
func coords(lonB, latB []byte) (lon, lat float64, has bool, col string, ok bool) {
	if len(lonB) == 0 && len(latB) == 0 {
		return 0, 0, false, "", true
	}
	lon, okLon := parseDecimal(lonB)
	lat, okLat := parseDecimal(latB)
	switch {
	case !okLon || lon < -180 || lon > 180:
		return 0, 0, false, "Longitude", false
	case !okLat || lat < -90 || lat > 90:
		return 0, 0, false, "Latitude", false
	}
	return lon, lat, true, "", true
}

// coords reads the current record's Longitude and Latitude, rejecting the
// row when they are not a valid pair or both empty.
func (p *fileParser) coords(lonCol, latCol int) (lon, lat float64, has, ok bool) {
	lonB, latB := p.rr.field(lonCol), p.rr.field(latCol)
	lon, lat, has, col, ok := coords(lonB, latB)
	if !ok {
		v := lonB
		if col == "Latitude" {
			v = latB
		}
		p.rej.reject(p.rr.recLine, col, ErrBadCoordinate, strconv.Quote(string(v)))
	}
	return lon, lat, has, ok
}

// unitBatches holds a file's batches by unit. A file split by rows rather
// than named for its unit holds several, and its rows of one unit mostly
// follow each other, so the last one found is tried first.
type unitBatches[B any] struct {
	m     map[geo.Unit]*B
	last  *B
	lastU geo.Unit
}

// find returns the batch of u, or nil when there is none yet.
func (ub *unitBatches[B]) find(u geo.Unit) *B {
	if ub.last == nil || ub.lastU != u {
		ub.last, ub.lastU = ub.m[u], u
	}
	return ub.last
}

// add records the new batch of u.
func (ub *unitBatches[B]) add(u geo.Unit, b *B) {
	if ub.m == nil {
		ub.m = map[geo.Unit]*B{}
	}
	ub.m[u] = b
	ub.last, ub.lastU = b, u
}

// monthMemo remembers the last Month text parsed: a file is mostly one
// month, so most rows reuse the parse.
type monthMemo struct {
	m    geo.Month
	text string
}

// month reads the current record's Month, rejecting the row when it is not
// YYYY-MM, is after the load date, or is not the month the file's name
// gives. A row of another month in a file named for one would sit in the
// file's unit, and be counted again when that month's own file is loaded.
func (p *fileParser) month(memo *monthMemo) (geo.Month, bool) {
	mb := p.rr.field(p.h.crime[colMonth])
	if memo.m != 0 && string(mb) == memo.text {
		return memo.m, true
	}
	m, err := geo.ParseMonthBytes(mb)
	if err != nil {
		p.rej.reject(p.rr.recLine, "Month", ErrBadMonth, strconv.Quote(string(mb)))
		return 0, false
	}
	if m > p.w.latest {
		p.rej.reject(p.rr.recLine, "Month", ErrFutureMonth, fmt.Sprintf("%s, loaded in %s", m, p.w.latest))
		return 0, false
	}
	if p.ni.hasUnit && m != p.ni.unit.Month {
		p.rej.reject(p.rr.recLine, "Month", ErrMonthMismatch, fmt.Sprintf("month %s in a file for month %s", m, p.ni.unit.Month))
		return 0, false
	}
	memo.m, memo.text = m, string(mb)
	return m, true
}

func (p *fileParser) street(ctx context.Context) error {
	rr := p.rr
	h := &p.h.crime
	var batches unitBatches[geo.StreetBatch]
	var row geo.StreetRow
	var months monthMemo
	for {
		err := p.record(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line := p.rr.recLine
		m, ok := p.month(&months)
		if !ok {
			continue
		}
		lon, lat, has, ok := p.coords(h[colLongitude], h[colLatitude])
		if !ok {
			continue
		}
		ct := rr.field(h[colCrimeType])
		if len(ct) == 0 {
			p.rej.reject(line, "Crime type", ErrEmptyField, "")
			continue
		}
		lastOutcome := rr.field(h[colLastOutcome])
		if !p.term(&p.w.cats, "Crime type", ct) || !p.term(&p.w.outs, "Last outcome category", lastOutcome) {
			continue
		}
		falls := rr.field(h[colFallsWithin])
		if !p.fallsOK(falls) {
			continue
		}
		u, err := p.unitOf(falls, m)
		if err != nil {
			p.rej.reject(line, "Falls within", err, "")
			continue
		}
		batch := batches.find(u)
		if batch == nil {
			batch = geo.NewStreetBatchIn(u, p.seq, p.name, p.strs)
			if p.ni.hasUnit {
				batch.Grow(p.rowsHint, p.idsHint)
			}
			batches.add(u, batch)
			p.res.street = append(p.res.street, batch)
		}
		row = geo.StreetRow{
			CrimeID:     rr.field(h[colCrimeID]),
			Month:       m,
			ReportedBy:  rr.field(h[colReportedBy]),
			FallsWithin: falls,
			HasLocation: has,
			Lon:         lon,
			Lat:         lat,
			Location:    rr.field(h[colLocation]),
			LSOACode:    rr.field(h[colLSOACode]),
			LSOAName:    rr.field(h[colLSOAName]),
			CrimeType:   ct,
			LastOutcome: lastOutcome,
			Context:     rr.field(h[colContext]),
		}
		batch.AddStreet(&row)
		p.res.counts.Loaded++
		if !has {
			p.res.counts.NoLocation++
		}
	}
	if len(batches.m) == 0 && p.ni.hasUnit {
		// A named file without rows still stands for its unit: it replaces
		// an older copy that had some.
		p.res.street = append(p.res.street, geo.NewStreetBatchIn(p.ni.unit, p.seq, p.name, p.strs))
	}
	return nil
}

func (p *fileParser) outcomes(ctx context.Context) error {
	rr := p.rr
	h := &p.h.crime
	var batches unitBatches[geo.OutcomeBatch]
	var row geo.OutcomeRow
	var months monthMemo
	for {
		err := p.record(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line := p.rr.recLine
		m, ok := p.month(&months)
		if !ok {
			continue
		}
		ot := rr.field(h[colOutcomeType])
		if len(ot) == 0 {
			p.rej.reject(line, "Outcome type", ErrEmptyField, "")
			continue
		}
		if !p.term(&p.w.outs, "Outcome type", ot) {
			continue
		}
		falls := rr.field(h[colFallsWithin])
		if !p.fallsOK(falls) {
			continue
		}
		u, err := p.unitOf(falls, m)
		if err != nil {
			p.rej.reject(line, "Falls within", err, "")
			continue
		}
		batch := batches.find(u)
		if batch == nil {
			batch = geo.NewOutcomeBatch(u, p.seq, p.name)
			batches.add(u, batch)
			p.res.outcomes = append(p.res.outcomes, batch)
		}
		row = geo.OutcomeRow{CrimeID: rr.field(h[colCrimeID]), Month: m, OutcomeType: ot}
		batch.AddOutcome(&row)
		p.res.counts.Loaded++
	}
	if len(batches.m) == 0 && p.ni.hasUnit {
		p.res.outcomes = append(p.res.outcomes, geo.NewOutcomeBatch(p.ni.unit, p.seq, p.name))
	}
	return nil
}

// stopDate checks a stop and search's Date: an ISO 8601 date and time
// (with or without a zone, or a bare date) no later than the month of the
// load. It rejects the row otherwise.
func (p *fileParser) stopDate(b []byte) bool {
	t, ok := parseStopDate(string(b))
	if !ok {
		p.rej.reject(p.rr.recLine, "Date", ErrBadDate, strconv.Quote(string(b)))
		return false
	}
	if m := monthOf(t); m > p.w.latest || p.ni.unit.Month > p.w.latest {
		p.rej.reject(p.rr.recLine, "Date", ErrFutureMonth, fmt.Sprintf("%s, loaded in %s", max(m, p.ni.unit.Month), p.w.latest))
		return false
	}
	return true
}

// stopDateLayouts are the forms of Date accepted, the archive's first.
var stopDateLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parseStopDate(s string) (time.Time, bool) {
	for _, l := range stopDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (p *fileParser) stops(ctx context.Context) error {
	f := p.rr.field
	h := &p.h.stop
	sb := &geo.StopBatch{Unit: p.ni.unit, Seq: p.seq, Source: p.name}
	p.res.stops = append(p.res.stops, sb)
	// Stop-and-search columns repeat a few values over and over.
	strs := map[string]string{}
	str := func(i int) string {
		b := f(i)
		if s, ok := strs[string(b)]; ok {
			return s
		}
		s := string(b)
		strs[s] = s
		return s
	}
	for {
		err := p.record(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line := p.rr.recLine
		lon, lat, has, ok := p.coords(h[sLongitude], h[sLatitude])
		if !ok {
			continue
		}
		if len(f(h[sType])) == 0 {
			p.rej.reject(line, "Type", ErrEmptyField, "")
			continue
		}
		if !p.stopDate(f(h[sDate])) {
			continue
		}
		sb.Rows = append(sb.Rows, geo.StopRow{
			Type:                           str(h[sType]),
			Date:                           string(f(h[sDate])),
			PartOfOperation:                str(h[sPartOfOperation]),
			OperationName:                  str(h[sOperationName]),
			HasLocation:                    has,
			Lon:                            lon,
			Lat:                            lat,
			Gender:                         str(h[sGender]),
			AgeRange:                       str(h[sAgeRange]),
			SelfEthnicity:                  str(h[sSelfEthnicity]),
			OfficerEthn:                    str(h[sOfficerEthnicity]),
			Legislation:                    str(h[sLegislation]),
			ObjectOfSearch:                 str(h[sObject]),
			Outcome:                        str(h[sOutcome]),
			OutcomeLinked:                  str(h[sOutcomeLinked]),
			RemovalOfMoreThanOuterClothing: str(h[sRemoval]),
		})
		p.res.counts.Loaded++
		if !has {
			p.res.counts.NoLocation++
		}
	}
	return nil
}
