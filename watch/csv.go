package watch

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// Import limits: a scheme file is a hand-made list, not a bulk feed.
const (
	MaxImportRows  = 10000
	MaxImportBytes = 64 << 20
)

// LineError is an import row's failure, by its line in the file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

var importColumns = map[string]bool{
	"name": true, "description": true, "lat": true, "lng": true, "radius_m": true,
	"wkt": true, "force": true, "status": true, "contact": true, "neighbourhood": true,
}

// ParseSchemes reads schemes from CSV whose first row names the columns:
// name, description, lat, lng, radius_m or wkt (a POLYGON or MULTIPOLYGON
// in lon/lat), force, status, and optionally contact and neighbourhood. It
// returns the rows that are valid and an error for each that is not; an
// error that stops the whole file (no header, unreadable CSV, over a
// limit) comes last, with the line where reading stopped.
func ParseSchemes(r io.Reader) ([]Scheme, []error) {
	cr := csv.NewReader(&capped{r: r, left: MaxImportBytes})
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, []error{&LineError{Line: 1, Err: fmt.Errorf("header: %w", err)}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !importColumns[h] {
			return nil, []error{&LineError{Line: 1, Err: invalid("header", "unknown column %q", h)}}
		}
		if _, dup := col[h]; dup {
			return nil, []error{&LineError{Line: 1, Err: invalid("header", "column %q twice", h)}}
		}
		col[h] = i
	}
	for _, need := range []string{"name", "force"} {
		if _, ok := col[need]; !ok {
			return nil, []error{&LineError{Line: 1, Err: invalid("header", "no %q column", need)}}
		}
	}
	var out []Scheme
	var errs []error
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			lineNo := 0
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				lineNo = pe.StartLine
			}
			return out, append(errs, &LineError{Line: lineNo, Err: fmt.Errorf("csv: %w", err)})
		}
		lineNo, _ := cr.FieldPos(0)
		if rows == MaxImportRows {
			return out, append(errs, &LineError{Line: lineNo, Err: fmt.Errorf("more than %d rows: %w", MaxImportRows, ErrTooLarge)})
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		s, err := schemeRow(get)
		if err != nil {
			errs = append(errs, &LineError{Line: lineNo, Err: err})
			continue
		}
		out = append(out, s)
	}
	return out, errs
}

func schemeRow(get func(string) string) (Scheme, error) {
	s := Scheme{
		Name:        get("name"),
		Description: get("description"),
		Force:       get("force"),
		Contact:     get("contact"),
		Status:      SchemeStatus(strings.ToLower(get("status"))),
	}
	if s.Status == "" {
		s.Status = SchemePending
	}
	s.Area.Neighbourhood = get("neighbourhood")
	a, err := parseArea(get("wkt"), get("lat"), get("lng"), get("radius_m"))
	if err != nil {
		return Scheme{}, err
	}
	a.Neighbourhood = s.Area.Neighbourhood
	s.Area = a
	return s, s.Validate()
}

func parseArea(w, lat, lng, radius string) (Area, error) {
	if w != "" {
		if lat != "" || lng != "" || radius != "" {
			return Area{}, invalid("wkt", "give wkt or lat, lng and radius_m, not both")
		}
		if len(w) > MaxVertices*64 {
			return Area{}, fmt.Errorf("wkt: over %d bytes: %w", MaxVertices*64, ErrTooLarge)
		}
		g, err := wkt.Unmarshal(w)
		if err != nil {
			return Area{}, invalid("wkt", "%v", err)
		}
		switch g := g.(type) {
		case orb.Polygon:
			return Area{Polygon: orb.MultiPolygon{g}}, nil
		case orb.MultiPolygon:
			if len(g) == 0 {
				return Area{}, invalid("wkt", "empty MULTIPOLYGON")
			}
			return Area{Polygon: g}, nil
		default:
			return Area{}, invalid("wkt", "%s, not POLYGON or MULTIPOLYGON", g.GeoJSONType())
		}
	}
	var a Area
	for _, f := range []struct {
		name, v string
		dst     *float64
	}{{"lat", lat, &a.Centre[1]}, {"lng", lng, &a.Centre[0]}, {"radius_m", radius, &a.RadiusM}} {
		if f.v == "" {
			return Area{}, invalid(f.name, "required without wkt")
		}
		x, err := strconv.ParseFloat(f.v, 64)
		if err != nil {
			return Area{}, invalid(f.name, "not a number")
		}
		*f.dst = x
	}
	return a, nil
}

// capped fails a read past its limit, where io.LimitReader would end the
// file quietly and cut its last row short.
type capped struct {
	r    io.Reader
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("file over %d bytes: %w", int64(MaxImportBytes), ErrTooLarge)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
