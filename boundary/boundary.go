package boundary

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"crimemap/fault"
	"crimemap/geo"
)

// DisplayTolerance is the Douglas-Peucker tolerance, in degrees, of the
// simplified geometry drawn on the map: about 22 m of latitude, a pixel at
// zoom 12, which takes South Wales's 26,503 vertices to about 2,000.
const DisplayTolerance = 0.0002

// ErrDuplicate is two files giving the same boundary id.
var ErrDuplicate = fault.New(fault.Conflict, "duplicate boundary id")

// Boundary is one force or neighbourhood boundary.
type Boundary struct {
	// ID is the file name without .kml ("south-wales"), with the folder
	// for a neighbourhood ("south-wales/cardiff-central").
	ID string
	// Name is the first Placemark's name, else the force's name from
	// geo.StandardForces, else the id.
	Name string
	// Geometry is the exact geometry: every polygon of every Placemark.
	Geometry orb.MultiPolygon
	// Simplified is Geometry reduced for drawing (DisplayTolerance); tiny
	// islands and holes that vanish are left out.
	Simplified orb.MultiPolygon
	// Bound is Geometry's bounding box.
	Bound orb.Bound

	area *geo.Polygon
}

// Area returns the exact geometry as a query area.
func (b *Boundary) Area() *geo.Polygon { return b.area }

// Vertices counts the points of a multipolygon's rings.
func Vertices(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}

// New builds a Boundary from its parsed Placemarks, whose rings it turns to
// GeoJSON's winding (RFC 7946: outer rings anticlockwise, holes clockwise).
func New(id string, pms []Placemark) (*Boundary, error) {
	b := &Boundary{ID: id}
	for _, pm := range pms {
		if b.Name == "" {
			b.Name = pm.Name
		}
		b.Geometry = append(b.Geometry, pm.Polygons...)
	}
	for _, poly := range b.Geometry {
		for i, r := range poly {
			if ccw := r.Orientation() == orb.CCW; (i == 0) != ccw {
				r.Reverse()
			}
		}
	}
	if len(b.Geometry) == 0 {
		return nil, fmt.Errorf("boundary %s: %w", id, ErrNoPolygon)
	}
	if b.Name == "" {
		b.Name = forceName(id)
	}
	area, err := geo.NewPolygon(b.Geometry)
	if err != nil {
		return nil, fmt.Errorf("boundary %s: %w", id, err)
	}
	b.area = area
	b.Bound = b.Geometry.Bound()
	b.Simplified = simplified(b.Geometry, DisplayTolerance)
	return b, nil
}

// forceName names a force (or a neighbourhood by its force and id).
func forceName(id string) string {
	force, rest, _ := strings.Cut(id, "/")
	for _, t := range geo.StandardForces {
		if t.Slug == force {
			if rest != "" {
				return t.Name + ": " + rest
			}
			return t.Name
		}
	}
	return id
}

// simplified returns a Douglas-Peucker copy of mp, dropping rings that
// collapse below a triangle; an outer ring that collapses drops its
// polygon, unless every polygon would go, when the exact rings are kept.
func simplified(mp orb.MultiPolygon, tolerance float64) orb.MultiPolygon {
	dp := simplify.DouglasPeucker(tolerance)
	var out orb.MultiPolygon
	for _, poly := range mp {
		var np orb.Polygon
		for i, ring := range poly {
			r := dp.Ring(ring.Clone())
			if len(r) < 4 {
				if i == 0 {
					break
				}
				continue
			}
			np = append(np, r)
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	if len(out) == 0 {
		return mp.Clone()
	}
	return out
}

// Set is a loaded collection of boundaries, immutable once loaded.
type Set struct {
	byID map[string]*Boundary
	list []*Boundary
}

// Get returns the boundary with the id, if loaded.
func (s *Set) Get(id string) (*Boundary, bool) {
	if s == nil {
		return nil, false
	}
	b, ok := s.byID[id]
	return b, ok
}

// List returns the boundaries sorted by id. A nil Set lists none.
func (s *Set) List() []*Boundary {
	if s == nil {
		return nil
	}
	return s.list
}

// Len is the number of boundaries.
func (s *Set) Len() int { return len(s.List()) }

// Load reads .kml files and folders of them. A file's id is its name
// without .kml; in a folder, a file in a subfolder is a neighbourhood whose
// id is "<subfolder>/<name>" (data.police.uk's "<force>/<neighbourhood>.kml"
// layout), and a file at the top is a force. Files not ending in .kml are
// skipped inside folders. The first file that fails stops the load with an
// error naming it.
func Load(paths ...string) (*Set, error) {
	s := &Set{byID: map[string]*Boundary{}}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("boundaries: %w", err)
		}
		if !fi.IsDir() {
			if err := s.loadFile(path, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))); err != nil {
				return nil, fmt.Errorf("boundaries: %w", err)
			}
			continue
		}
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".kml") {
				return nil
			}
			rel, err := filepath.Rel(path, p)
			if err != nil {
				return err
			}
			parts := strings.Split(filepath.ToSlash(rel), "/")
			id := strings.TrimSuffix(parts[len(parts)-1], filepath.Ext(p))
			if len(parts) > 1 {
				id = parts[len(parts)-2] + "/" + id
			}
			return s.loadFile(p, id)
		})
		if err != nil {
			return nil, fmt.Errorf("boundaries: %w", err)
		}
	}
	slices.SortFunc(s.list, func(a, b *Boundary) int { return strings.Compare(a.ID, b.ID) })
	return s, nil
}

func (s *Set) loadFile(path, id string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pms, err := ParseKML(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b, err := New(id, pms)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, dup := s.byID[id]; dup {
		return fmt.Errorf("%s: %w %q", path, ErrDuplicate, id)
	}
	s.byID[id] = b
	s.list = append(s.list, b)
	return nil
}
