package boundary

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"crimemap/fault"
)

// Errors of ParseKML, wrapped with the line and what was wrong; callers
// branch with errors.Is.
var (
	// ErrBadKML is XML that cannot be read or KML not in the shape this
	// package reads (a ring outside a polygon, a polygon without an outer
	// ring, too few points).
	ErrBadKML = fault.New(fault.Invalid, "bad KML")
	// ErrBadCoordinates is a coordinates tuple that is not lon,lat[,alt]
	// with lon in -180..180 and lat in -90..90.
	ErrBadCoordinates = fault.New(fault.Invalid, "bad coordinates")
	// ErrNoPolygon is a KML document holding no polygon.
	ErrNoPolygon = fault.New(fault.Invalid, "no polygon")
)

// Placemark is one KML Placemark's name and polygons.
type Placemark struct {
	Name     string
	Polygons orb.MultiPolygon
}

// ParseKML reads the Placemarks of a KML document and their polygons.
// Rings are closed when open. Placemarks without polygons (points, lines)
// are left out; if none has a polygon the error is ErrNoPolygon.
func ParseKML(r io.Reader) ([]Placemark, error) {
	d := xml.NewDecoder(r)
	p := kmlParser{dec: d}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, p.errorf("%w: %w", ErrBadKML, err)
		}
		if err := p.token(tok); err != nil {
			return nil, err
		}
	}
	if len(p.stack) > 0 {
		return nil, p.errorf("%w: unexpected end of document inside <%s>", ErrBadKML, p.stack[len(p.stack)-1])
	}
	if len(p.out) == 0 {
		return nil, fmt.Errorf("%w in the document", ErrNoPolygon)
	}
	return p.out, nil
}

// kmlParser is the state of one streaming parse: the open elements (local
// names) and the placemark, polygon and ring being built.
type kmlParser struct {
	dec   *xml.Decoder
	stack []string

	inPlacemark bool
	pm          Placemark
	poly        orb.Polygon
	inPoly      bool
	// boundary is "outerBoundaryIs" or "innerBoundaryIs" while inside one.
	boundary string
	text     bytes.Buffer
	out      []Placemark
}

func (p *kmlParser) errorf(format string, args ...any) error {
	line, _ := p.dec.InputPos()
	return fmt.Errorf("line %d: %w", line, fmt.Errorf(format, args...))
}

func (p *kmlParser) parent() string {
	if len(p.stack) < 2 {
		return ""
	}
	return p.stack[len(p.stack)-2]
}

func (p *kmlParser) token(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		name := t.Name.Local
		p.stack = append(p.stack, name)
		switch name {
		case "Placemark":
			if p.inPlacemark {
				return p.errorf("%w: Placemark inside a Placemark", ErrBadKML)
			}
			p.inPlacemark, p.pm = true, Placemark{}
		case "Polygon":
			if !p.inPlacemark {
				return p.errorf("%w: Polygon outside a Placemark", ErrBadKML)
			}
			if p.inPoly {
				return p.errorf("%w: Polygon inside a Polygon", ErrBadKML)
			}
			p.inPoly, p.poly = true, orb.Polygon{nil}
		case "outerBoundaryIs", "innerBoundaryIs":
			if !p.inPoly || p.parent() != "Polygon" {
				return p.errorf("%w: <%s> outside a Polygon", ErrBadKML, name)
			}
			if name == "outerBoundaryIs" && p.poly[0] != nil {
				return p.errorf("%w: a second outerBoundaryIs in one Polygon", ErrBadKML)
			}
			p.boundary = name
		case "name", "coordinates":
			p.text.Reset()
		}
	case xml.CharData:
		if len(p.stack) == 0 {
			return nil
		}
		switch top := p.stack[len(p.stack)-1]; {
		case top == "coordinates" && p.boundary != "" && p.parent() == "LinearRing":
			p.text.Write(t)
		case top == "name" && p.parent() == "Placemark":
			p.text.Write(t)
		}
	case xml.EndElement:
		if len(p.stack) == 0 {
			return p.errorf("%w: unexpected </%s>", ErrBadKML, t.Name.Local)
		}
		name := p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
		switch name {
		case "name":
			if len(p.stack) > 0 && p.stack[len(p.stack)-1] == "Placemark" {
				p.pm.Name = string(bytes.TrimSpace(p.text.Bytes()))
			}
		case "coordinates":
			if p.boundary == "" || len(p.stack) == 0 || p.stack[len(p.stack)-1] != "LinearRing" {
				return nil
			}
			ring, err := parseCoordinates(p.text.Bytes())
			if err != nil {
				return p.errorf("%w", err)
			}
			if p.boundary == "outerBoundaryIs" {
				if p.poly[0] != nil {
					return p.errorf("%w: a second ring in one outerBoundaryIs", ErrBadKML)
				}
				p.poly[0] = ring
			} else {
				p.poly = append(p.poly, ring)
			}
		case "outerBoundaryIs", "innerBoundaryIs":
			p.boundary = ""
		case "Polygon":
			if p.poly[0] == nil {
				return p.errorf("%w: Polygon without an outerBoundaryIs ring", ErrBadKML)
			}
			p.pm.Polygons = append(p.pm.Polygons, p.poly)
			p.inPoly, p.poly = false, nil
		case "Placemark":
			if len(p.pm.Polygons) > 0 {
				p.out = append(p.out, p.pm)
			}
			p.inPlacemark = false
		}
	}
	return nil
}

// parseCoordinates reads a LinearRing's coordinates: whitespace-separated
// lon,lat[,alt] tuples. The ring is closed if open and must then have at
// least four points.
func parseCoordinates(b []byte) (orb.Ring, error) {
	fields := bytes.Fields(b)
	ring := make(orb.Ring, 0, len(fields)+1)
	for i, f := range fields {
		parts := bytes.Split(f, []byte(","))
		if len(parts) != 2 && len(parts) != 3 {
			return nil, fmt.Errorf("%w: point %d: want lon,lat[,alt], got %q", ErrBadCoordinates, i+1, truncate(f))
		}
		var v [3]float64
		for j, s := range parts {
			x, err := strconv.ParseFloat(string(s), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%w: point %d: %q is not a number", ErrBadCoordinates, i+1, truncate(s))
			}
			v[j] = x
		}
		if v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
			return nil, fmt.Errorf("%w: point %d: lon,lat %v,%v out of range", ErrBadCoordinates, i+1, v[0], v[1])
		}
		ring = append(ring, orb.Point{v[0], v[1]})
	}
	if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	if len(ring) < 4 {
		return nil, fmt.Errorf("%w: a ring needs at least 3 distinct points, got %d points", ErrBadKML, len(fields))
	}
	return ring, nil
}

// truncate shortens what an error quotes from the input.
func truncate(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:37:37], "..."...)
	}
	return b
}
