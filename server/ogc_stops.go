package server

import (
	"encoding/json"
	"net/http"
	"slices"

	"crimemap/geo"
	"crimemap/stopsearch"
)

// ogcStopSource is the stops collection: every stop and search with a
// location, as /v1/stops gives it, its id the feature's.
var ogcStopSource = ogcSource{
	id:          ogcStopsCollection,
	title:       "Stop and search",
	description: "Every stop and search with a location, at its anonymised snap point, with the month, force, type, outcome (data.police.uk's current label and the file's own), object of search, legislation, ethnicity, age range and gender.",
	itemTitle:   "this stop and search",
	itemsTitle:  "the stops and searches",
	params:      ogcStopParams,
	extent: func(snap *snapshot) ([4]float64, bool, []geo.Month) {
		box, ok := snap.stops.Bound()
		return box, ok, snap.stops.Months()
	},
	page: func(s *Server, r *http.Request, snap *snapshot, after int64, limit int) (ogcPage, error) {
		x := snap.stops
		f, err := parseStopFilter(r, x)
		if err != nil {
			return ogcPage{}, err
		}
		if err := ogcDatetime(r, &f.From, &f.To); err != nil {
			return ogcPage{}, err
		}
		a, err := s.ogcArea(r)
		if err != nil {
			return ogcPage{}, err
		}
		ids, _, err := x.In(r.Context(), a, &f, 0)
		if err != nil {
			return ogcPage{}, err
		}
		if a == nil {
			// Without an area every stop matches, those without a location
			// too; the collection holds the located ones only.
			ids = slices.DeleteFunc(ids, func(id stopsearch.ID) bool {
				_, ok := x.Location(id)
				return !ok
			})
		}
		page, more := pageAfter(ids, after, limit)
		next := int64(-1)
		if more {
			next = int64(page[len(page)-1])
		}
		return ogcPage{matched: len(ids), n: len(page), next: next, feature: func(b []byte, i int) []byte {
			return appendStopFeature(b, x, page[i])
		}}, nil
	},
	item: func(snap *snapshot, b []byte, n uint64) ([]byte, bool) {
		x := snap.stops
		if n >= uint64(x.Len()) {
			return b, false
		}
		if _, ok := x.Location(stopsearch.ID(n)); !ok {
			return b, false
		}
		return appendStopFeature(b, x, stopsearch.ID(n)), true
	},
}

// ogcStopFeature is a stop as an OGC feature: /v1/stops's feature with the
// stop's id as the feature's.
type ogcStopFeature struct {
	Type       string         `json:"type"`
	ID         int64          `json:"id"`
	Geometry   *pointGeometry `json:"geometry"`
	Properties stopRow        `json:"properties"`
}

// appendStopFeature appends the located stop id as a GeoJSON Feature.
func appendStopFeature(b []byte, x *stopsearch.Index, id stopsearch.ID) []byte {
	row, loc := stopRowOf(x, id)
	f := ogcStopFeature{Type: "Feature", ID: row.ID, Properties: row,
		Geometry: &pointGeometry{Type: "Point", Coordinates: [2]float64{loc.Lon, loc.Lat}}}
	out, err := json.Marshal(f)
	if err != nil {
		// Strings, numbers and booleans only: Marshal cannot fail.
		panic(err)
	}
	return append(b, out...)
}
