package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"crimemap/fault"
	"crimemap/geo"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/postcode"
)

// Answers of /v1/locate that find nothing.
var (
	ErrNothingMatches = fault.New(fault.NotFound, "no postcode, lat,lng or street name matches")
	ErrNoPostcodes    = fault.New(fault.NotFound, "no postcode directory is loaded")
)

// teams returns the policing-team data, empty when none was loaded, so
// every lookup answers "no such force".
func (s *Server) teams() *neighbourhood.Set {
	if s.deps.Neighbourhoods == nil {
		return &neighbourhood.Set{}
	}
	return s.deps.Neighbourhoods
}

// teamRoute answers one of data.police.uk's neighbourhood endpoints with
// get's value, encoded as the API encodes it.
func teamRoute[T any](s *Server, get func(set *neighbourhood.Set, force, id string) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		force, id := pathVar(r, "force"), pathVar(r, "id")
		teams, err := s.editedTeams(r.Context(), force, id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		v, err := get(teams, force, id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		b, err := neighbourhood.Marshal(v)
		if err != nil {
			writeError(w, r, fmt.Errorf("encoding %s: %w", r.URL.Path, err))
			return
		}
		w.Header().Set("Cache-Control", s.cfg.CacheControl)
		writeJSONBytes(w, r, http.StatusOK, b)
	}
}

// forceDetail, forcePeople and forceNeighbourhoods fit the force-only lookups to
// teamRoute.
func forceDetail(set *neighbourhood.Set, force, _ string) (*neighbourhood.Force, error) {
	return set.Force(force)
}

func forcePeople(set *neighbourhood.Set, force, _ string) ([]neighbourhood.Person, error) {
	return set.ForcePeople(force)
}

func forceNeighbourhoods(set *neighbourhood.Set, force, _ string) ([]neighbourhood.NeighbourhoodRef, error) {
	return set.Neighbourhoods(force)
}

// locatedBody is GET /api/locate-neighbourhood's answer.
type locatedBody struct {
	Force         string `json:"force"`
	Neighbourhood string `json:"neighbourhood"`
}

// handleLocateNeighbourhood answers data.police.uk's locate-neighbourhood:
// q=lat,lng, 404 outside every boundary.
func (s *Server) handleLocateNeighbourhood(w http.ResponseWriter, r *http.Request) {
	lat, lng, err := parseLatLngText("q", formValue(r, "q"))
	if err == nil {
		var reg locate.Region
		if reg, err = s.deps.Locator.Locate(lat, lng); err == nil {
			writeJSON(w, r, http.StatusOK, locatedBody{Force: reg.Force, Neighbourhood: reg.ID})
			return
		}
	}
	writeError(w, r, err)
}

// parseLatLngText reads "lat,lng" from param's value v.
func parseLatLngText(param, v string) (lat, lng float64, err error) {
	la, lo, ok := strings.Cut(v, ",")
	if ok {
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
		lng, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
		if err1 == nil && err2 == nil && geo.ValidLonLat(lng, lat) {
			return lat, lng, nil
		}
	}
	return 0, 0, paramError(param, "want lat,lng within range, got %q", v)
}

// looksLikeLatLng tells a lat,lng query from a street name: two numbers.
func looksLikeLatLng(q string) bool {
	la, lo, ok := strings.Cut(q, ",")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
	_, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	return err1 == nil && err2 == nil
}

type locatePoint struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

type locateHood struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type locatePostcode struct {
	Postcode   string `json:"postcode"`
	Terminated bool   `json:"terminated"`
	// TerminatedMonth is YYYY-MM, for terminated postcodes only.
	TerminatedMonth string `json:"terminated_month,omitempty"`
}

// locatePlace is a point and where it falls; Force and Neighbourhood are
// null outside every neighbourhood boundary.
type locatePlace struct {
	Point         *locatePoint `json:"point"`
	Force         *string      `json:"force"`
	Neighbourhood *locateHood  `json:"neighbourhood"`
}

type locateCandidate struct {
	Street     string `json:"street"`
	LocationID int64  `json:"location_id"`
	locatePlace
}

// locateBody is GET /v1/locate's answer.
type locateBody struct {
	Q     string `json:"q"`
	Match string `json:"match"` // postcode, latlng or street
	locatePlace
	LSOA     *string         `json:"lsoa"` // from the postcode; null otherwise
	Postcode *locatePostcode `json:"postcode,omitempty"`
	// Street is the matched street; an ambiguous name lists Candidates
	// instead (and the point is null).
	Street     string            `json:"street,omitempty"`
	LocationID *int64            `json:"location_id,omitempty"`
	Ambiguous  bool              `json:"ambiguous,omitempty"`
	Candidates []locateCandidate `json:"candidates,omitempty"`
}

// place locates a point among the neighbourhood boundaries.
func (s *Server) place(lat, lng float64) locatePlace {
	p := locatePlace{Point: &locatePoint{Lat: lat, Lng: lng}}
	if reg, err := s.deps.Locator.Locate(lat, lng); err == nil {
		p.Force = &reg.Force
		p.Neighbourhood = &locateHood{ID: reg.ID, Name: reg.Name}
	}
	return p
}

// handleLocate answers GET /v1/locate?q= for a postcode, a lat,lng or a
// street name of the crime data, tried in that order.
func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(formValue(r, "q"))
	body, err := s.locateQuery(q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, body)
}

func (s *Server) locateQuery(q string) (*locateBody, error) {
	if q == "" {
		return nil, paramError("q", "want a postcode, lat,lng or a street name")
	}
	if looksLikeLatLng(q) {
		lat, lng, err := parseLatLngText("q", q)
		if err != nil {
			return nil, err
		}
		return &locateBody{Q: q, Match: "latlng", locatePlace: s.place(lat, lng)}, nil
	}
	key, err := postcode.ParseKey(q)
	if err != nil {
		return s.locateStreet(q)
	}
	body, err := s.locatePostcode(q, key)
	if err == nil || !fault.Is(err, fault.NotFound) {
		return body, err
	}
	// A street may be named like a postcode; if none is, the postcode's
	// error says what went wrong.
	if body, serr := s.locateStreet(q); serr == nil {
		return body, nil
	}
	return nil, err
}

func (s *Server) locatePostcode(q string, key postcode.Key) (*locateBody, error) {
	if s.deps.Postcodes == nil {
		return nil, fmt.Errorf("postcode %s: %w", key, ErrNoPostcodes)
	}
	rec, err := s.deps.Postcodes.LookupKey(key)
	if err != nil {
		return nil, err
	}
	body := &locateBody{Q: q, Match: "postcode", Postcode: &locatePostcode{Postcode: rec.Postcode, Terminated: rec.Terminated}}
	if m := rec.TerminatedMonth; len(m) == 6 {
		body.Postcode.TerminatedMonth = m[:4] + "-" + m[4:]
	}
	if rec.LSOA != "" {
		body.LSOA = &rec.LSOA
	}
	if rec.HasLocation {
		body.locatePlace = s.place(rec.Lat, rec.Lng)
	}
	return body, nil
}

// locateStreet matches a street name of the crime data: the snap points
// whose name is q (without "On or near"), or else contains it. Points of
// one name in one neighbourhood (or, outside every boundary, in one H3
// cell of resolution 6) are one street, answered by its first snap point;
// several such streets are ambiguous and listed.
func (s *Server) locateStreet(q string) (*locateBody, error) {
	l, err := s.current()
	if err != nil {
		return nil, err
	}
	want := strings.TrimPrefix(strings.ToLower(q), streetPrefix)
	if len(want) < 2 {
		return nil, fmt.Errorf("%q: %w", q, ErrNothingMatches)
	}
	var exact, partial []geo.PointID
	for p, name := range l.streets.lower {
		switch name = strings.TrimPrefix(name, streetPrefix); {
		case name == want:
			exact = append(exact, geo.PointID(p))
		case len(exact) == 0 && strings.Contains(name, want):
			partial = append(partial, geo.PointID(p))
		}
	}
	points := exact
	if len(points) == 0 {
		points = partial
	}
	type street struct{ name, force, id, cell string }
	var cands []locateCandidate
	seen := map[street]bool{}
	for _, p := range points {
		lon, lat := l.ds.PointLonLat(p)
		c := locateCandidate{Street: l.ds.PointStreet(p), LocationID: l.ds.LocationID(p), locatePlace: s.place(lat, lon)}
		key := street{name: strings.ToLower(c.Street)}
		if c.Neighbourhood != nil {
			key.force, key.id = *c.Force, c.Neighbourhood.ID
		} else {
			key.cell = l.ds.PointCellAt(p, streetCellRes).String()
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		cands = append(cands, c)
		if len(cands) == MaxStreetResults {
			break
		}
	}
	switch len(cands) {
	case 0:
		return nil, fmt.Errorf("%q: %w", q, ErrNothingMatches)
	case 1:
		c := cands[0]
		return &locateBody{Q: q, Match: "street", locatePlace: c.locatePlace, Street: c.Street, LocationID: &c.LocationID}, nil
	}
	return &locateBody{Q: q, Match: "street", Ambiguous: true, Candidates: cands}, nil
}

// streetCellRes is the H3 resolution whose cells (about 36 km²) tell
// apart streets of one name outside every neighbourhood boundary.
const streetCellRes = 6

// streetPrefix starts every street name of the crime data.
const streetPrefix = "on or near "
