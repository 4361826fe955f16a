package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

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

// forceIDs maps "Falls within" names, lower-cased, to standard force ids.
var forceIDs = func() map[string]string {
	m := make(map[string]string, len(geo.StandardForces))
	for _, f := range geo.StandardForces {
		m[strings.ToLower(f.Name)] = f.Slug
	}
	return m
}()

// forceID turns a "Falls within" name into a force id: the standard id when
// the name is a standard force's, in any case, else its slug.
func forceID(name string) string {
	if id, ok := forceIDs[strings.ToLower(name)]; ok {
		return id
	}
	return geo.Slug(name)
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
// buffer, and the string table that the street batches of the force it is
// parsing share.
type worker struct {
	buf  []byte
	strs *geo.Interner
}

func (w *worker) parseFile(ctx context.Context, rr *recordReader, name string, size int64, seq int, log *slog.Logger, onReject func(*ParseError)) (*fileResult, error) {
	ni := parseName(name)
	_, err := rr.next()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: empty file", ErrNotCSV)
	case errors.Is(err, ErrInvalidUTF8), errors.Is(err, errRecordTooLong):
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
	res := &fileResult{kind: h.kind}
	rej := &rejecter{file: name, log: log, onReject: onReject, counts: &res.counts}
	if w.strs == nil {
		w.strs = geo.NewInterner()
	}
	p := &fileParser{rr: rr, h: h, ni: ni, name: name, seq: seq, res: res, rej: rej, strs: w.strs}
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
			if errors.Is(err, ErrInvalidUTF8) || errors.Is(err, ErrQuote) || errors.Is(err, ErrBareQuote) {
				p.res.counts.Read++
				p.rej.reject(p.rr.recLine, "", err, "")
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
// force and month. ok is false when the row names no force.
func (p *fileParser) unitOf(falls []byte, m geo.Month) (geo.Unit, bool) {
	if p.ni.hasUnit {
		return p.ni.unit, true
	}
	if len(falls) == 0 {
		return geo.Unit{}, false
	}
	id, ok := p.forces[string(falls)]
	if !ok {
		if p.forces == nil {
			p.forces = map[string]string{}
		}
		id = forceID(string(falls))
		p.forces[string(falls)] = id
	}
	if id == "" {
		return geo.Unit{}, false
	}
	return geo.Unit{Force: id, Month: m}, true
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
// YYYY-MM.
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
		falls := rr.field(h[colFallsWithin])
		u, ok := p.unitOf(falls, m)
		if !ok {
			p.rej.reject(line, "Falls within", ErrNoForce, "")
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
			LastOutcome: rr.field(h[colLastOutcome]),
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
		u, ok := p.unitOf(rr.field(h[colFallsWithin]), m)
		if !ok {
			p.rej.reject(line, "Falls within", ErrNoForce, "")
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
