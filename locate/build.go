package locate

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"crimemap/boundary"
	"crimemap/geo"
	"crimemap/neighbourhood"
)

// Summary reports what Build put together.
type Summary struct {
	Regions  int // neighbourhoods located
	FromKML  int // of them, with a KML boundary
	FromTeam int // with the team data's boundary.json
	// NoBoundary names (force/id) neighbourhoods with team data but no
	// usable boundary: they are served but never located. NoTeam names
	// boundaries without team data: they are located all the same.
	NoBoundary []string
	NoTeam     []string
	// Errors are boundary.json rings that do not make a polygon.
	Errors []error
}

// String formats the summary for a person to read, as ingest's is.
func (s *Summary) String() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("neighbourhood boundaries: %d located (%d KML, %d team data), %d without a boundary, %d without team data, %d errors\n",
		s.Regions, s.FromKML, s.FromTeam, len(s.NoBoundary), len(s.NoTeam), len(s.Errors))
	for _, n := range s.NoBoundary {
		p("no boundary %s\n", n)
	}
	for _, n := range s.NoTeam {
		p("no team data %s\n", n)
	}
	for _, err := range s.Errors {
		p("ERROR %v\n", err)
	}
	return b.String()
}

// forceKMLFolder is the folder of data.police.uk's force boundaries.
const forceKMLFolder = "force kmls"

// Build makes a Locator from the team data and the KML boundaries; either
// may be nil. Force boundaries (KML ids without a folder, or in the
// "force kmls" folder) are not neighbourhoods and are left out.
func Build(teams *neighbourhood.Set, kml *boundary.Set) (*Locator, *Summary, error) {
	sum := &Summary{}
	byKey := map[[2]string]*Region{}
	var order [][2]string
	add := func(r Region) *Region {
		k := [2]string{r.Force, r.ID}
		if old, ok := byKey[k]; ok {
			return old
		}
		nr := r
		byKey[k] = &nr
		order = append(order, k)
		return &nr
	}
	for _, b := range kml.List() {
		force, id, ok := strings.Cut(b.ID, "/")
		if !ok || force == forceKMLFolder {
			continue
		}
		add(Region{Force: force, ID: id, Name: b.Name, Area: b.Area()})
		sum.FromKML++
	}
	inTeams := map[[2]string]bool{}
	if teams != nil {
		for _, f := range teams.Forces() {
			refs, err := teams.Neighbourhoods(f.ID)
			if err != nil {
				return nil, nil, fmt.Errorf("neighbourhoods of %s: %w", f.ID, err)
			}
			for _, ref := range refs {
				inTeams[[2]string{f.ID, ref.ID}] = true
				r := add(Region{Force: f.ID, ID: ref.ID})
				if ref.Name != "" {
					r.Name = ref.Name
				}
				if r.Area != nil {
					continue
				}
				area, err := teamArea(teams, f.ID, ref.ID)
				switch {
				case err != nil:
					sum.Errors = append(sum.Errors, err)
					sum.NoBoundary = append(sum.NoBoundary, f.ID+"/"+ref.ID)
				case area == nil:
					sum.NoBoundary = append(sum.NoBoundary, f.ID+"/"+ref.ID)
				default:
					r.Area = area
					sum.FromTeam++
				}
			}
		}
	}
	regions := make([]Region, 0, len(order))
	for _, k := range order {
		r := byKey[k]
		if !inTeams[k] {
			sum.NoTeam = append(sum.NoTeam, k[0]+"/"+k[1])
		}
		regions = append(regions, *r)
	}
	l, err := New(regions)
	if err != nil {
		return nil, nil, err
	}
	sum.Regions = l.Len()
	return l, sum, nil
}

// teamArea turns a neighbourhood's boundary.json into a polygon; nil when
// it has none.
func teamArea(teams *neighbourhood.Set, force, id string) (*geo.Polygon, error) {
	pts, err := teams.Boundary(force, id)
	if err != nil || len(pts) == 0 {
		return nil, err
	}
	ring := make(orb.Ring, 0, len(pts)+1)
	for _, pt := range pts {
		lat, ok1 := pt.Latitude.Float()
		lng, ok2 := pt.Longitude.Float()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s: vertex without a coordinate: %w", neighbourhood.BoundaryPath(force, id), geo.ErrBadPolygon)
		}
		ring = append(ring, orb.Point{lng, lat})
	}
	area, err := geo.NewPolygon(orb.MultiPolygon{{ring}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", neighbourhood.BoundaryPath(force, id), err)
	}
	return area, nil
}
