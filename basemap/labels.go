package basemap

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"crimemap/geo"
)

// Place is a town or city: the local authority named by the LSOAs of its
// snap points ("Southampton" of "Southampton 032A"), placed at their centre.
type Place struct {
	Name     string
	Lon, Lat float64
	Crimes   int // every crime at its snap points, the size it is ranked by
	Rank     int // 1 for the place with the most crimes
	MinZoom  int // the first zoom it is labelled at
}

// placeZooms are the first zooms of places by rank: the largest few at
// national zooms, every one from regional zooms on.
var placeZooms = []struct{ rank, zoom int }{{6, 5}, {20, 6}, {60, 7}, {150, 8}, {400, 9}}

// PlaceMaxZoom is the last zoom places are labelled at; street names take
// over from StreetMinZoom.
const (
	PlaceMaxZoom  = 14
	StreetMinZoom = 15
)

// townOf returns the local authority part of an LSOA name: its name without
// the trailing code of three digits and a letter.
func townOf(lsoa string) string {
	i := strings.LastIndexByte(lsoa, ' ')
	if i < 0 {
		return lsoa
	}
	code := lsoa[i+1:]
	if len(code) == 4 && isDigit(code[0]) && isDigit(code[1]) && isDigit(code[2]) && code[3] >= 'A' && code[3] <= 'Z' {
		return strings.TrimSpace(lsoa[:i])
	}
	return lsoa
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Places lists the towns of ds, largest first.
func Places(ds *geo.Dataset) []Place {
	type acc struct {
		lon, lat float64
		points   int
		crimes   int
	}
	by := map[string]*acc{}
	for p := range ds.NumPoints() {
		pt := ds.Point(geo.PointID(p))
		name := townOf(pt.LSOAName)
		if name == "" {
			continue
		}
		a := by[name]
		if a == nil {
			a = &acc{}
			by[name] = a
		}
		a.lon += pt.Lon
		a.lat += pt.Lat
		a.points++
		a.crimes += ds.PointLen(pt.ID)
	}
	out := make([]Place, 0, len(by))
	for name, a := range by {
		n := float64(a.points)
		out = append(out, Place{Name: name, Lon: a.lon / n, Lat: a.lat / n, Crimes: a.crimes})
	}
	slices.SortFunc(out, func(a, b Place) int {
		return cmp.Or(cmp.Compare(b.Crimes, a.Crimes), strings.Compare(a.Name, b.Name))
	})
	for i := range out {
		out[i].Rank = i + 1
		out[i].MinZoom = 10
		for _, pz := range placeZooms {
			if out[i].Rank <= pz.rank {
				out[i].MinZoom = pz.zoom
				break
			}
		}
	}
	return out
}

// streetName returns the street of a snap point's anonymised location, or
// "" for the kinds of place data.police.uk names instead of a street.
func streetName(loc string) string {
	name := strings.TrimSpace(strings.TrimPrefix(loc, "On or near "))
	if name == "" || strings.Contains(name, "/") {
		return "" // "Sports/Recreation Area", "Further/Higher Educational Building"
	}
	switch name {
	case "Parking Area", "Supermarket", "Petrol Station", "Shopping Area", "Nightclub", "Hospital", "Police Station":
		return ""
	}
	return name
}

// Street is one street's label in a tile: at its snap point nearest the
// middle of its snap points there, so that it sits on the street.
type Street struct {
	Name     string
	Lon, Lat float64
	Points   int
}

// Streets lists the streets of ds with snap points in b, by name.
func Streets(ds *geo.Dataset, b orb.Bound) []Street {
	type acc struct {
		lon, lat float64
		pts      []geo.PointID
	}
	by := map[string]*acc{}
	ds.SearchBound(b, func(p geo.PointID) bool {
		name := streetName(ds.PointStreet(p))
		if name == "" {
			return true
		}
		a := by[name]
		if a == nil {
			a = &acc{}
			by[name] = a
		}
		lon, lat := ds.PointLonLat(p)
		a.lon += lon
		a.lat += lat
		a.pts = append(a.pts, p)
		return true
	})
	out := make([]Street, 0, len(by))
	for name, a := range by {
		n := float64(len(a.pts))
		mx, my := a.lon/n, a.lat/n
		best, bestD := a.pts[0], -1.0
		for _, p := range a.pts {
			lon, lat := ds.PointLonLat(p)
			if d := (lon-mx)*(lon-mx) + (lat-my)*(lat-my); bestD < 0 || d < bestD || d == bestD && p < best {
				best, bestD = p, d
			}
		}
		lon, lat := ds.PointLonLat(best)
		out = append(out, Street{Name: name, Lon: lon, Lat: lat, Points: len(a.pts)})
	}
	slices.SortFunc(out, func(a, b Street) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// placesMemo keeps the places of the last datasets served: they are
// computed once a dataset, and a reload keeps the old one serving a while.
var placesMemo struct {
	sync.Mutex
	ds     [2]*geo.Dataset
	places [2][]Place
}

func placesOf(ds *geo.Dataset) []Place {
	placesMemo.Lock()
	defer placesMemo.Unlock()
	for i, d := range placesMemo.ds {
		if d == ds {
			return placesMemo.places[i]
		}
	}
	p := Places(ds)
	placesMemo.ds[1], placesMemo.places[1] = placesMemo.ds[0], placesMemo.places[0]
	placesMemo.ds[0], placesMemo.places[0] = ds, p
	return p
}
