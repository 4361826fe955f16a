package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"crimemap/fault"
	"crimemap/geo"
)

// MaxPoliceResults is data.police.uk's cap: a custom area with more crimes
// (or outcomes) than this answers 503.
const MaxPoliceResults = 10_000

type policeStreet struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type policeLocation struct {
	Latitude  string       `json:"latitude"`
	Street    policeStreet `json:"street"`
	Longitude string       `json:"longitude"`
}

// policeCrimeCore is a crime as data.police.uk writes it inside an outcome.
type policeCrimeCore struct {
	Category        string          `json:"category"`
	LocationType    *string         `json:"location_type"`
	Location        *policeLocation `json:"location"`
	Context         string          `json:"context"`
	PersistentID    string          `json:"persistent_id"`
	ID              int64           `json:"id"`
	LocationSubtype string          `json:"location_subtype"`
	Month           string          `json:"month"`
}

type policeOutcomeCategory struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type policeOutcome struct {
	Category policeOutcomeCategory `json:"category"`
	Date     string                `json:"date"`
	PersonID *int64                `json:"person_id"`
	Crime    *policeCrimeCore      `json:"crime,omitempty"`
}

// formatCoord writes a coordinate with the six decimals of the CSV files.
func formatCoord(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

var locationTypes = map[bool]string{false: "Force", true: "BTP"}

func crimeCore(ds *geo.Dataset, c geo.CrimeID, p geo.PointID) policeCrimeCore {
	out := policeCrimeCore{
		Category:     ds.Categories().Term(int(ds.Category(c))).Slug,
		Context:      ds.Context(c),
		PersistentID: ds.PersistentID(c),
		ID:           ds.PublicID(c),
		Month:        ds.Month(c).String(),
	}
	if p != geo.NoPoint {
		lon, lat := ds.PointLonLat(p)
		lt := locationTypes[ds.Forces().Term(int(ds.Force(c))).Slug == "btp"]
		out.LocationType = &lt
		out.Location = &policeLocation{
			Latitude:  formatCoord(lat),
			Street:    policeStreet{ID: ds.LocationID(p), Name: ds.PointStreet(p)},
			Longitude: formatCoord(lon),
		}
	}
	return out
}

// MaxPoliceURL is the longest GET URL (path and query) data.police.uk
// takes; a longer poly goes in a POST body.
const MaxPoliceURL = 4094

// refuseLongURLs answers a GET under /api/ longer than MaxPoliceURL with 414,
// as data.police.uk does, so a client tested here also works there.
func refuseLongURLs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && len(r.RequestURI) > MaxPoliceURL {
			writeError(w, r, ErrURITooLong)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// policeDateParam reads data.police.uk's date parameter, 0 when omitted.
// JavaScript clients that leave the date out build their URL with it
// anyway, as date=undefined (ukpd does); data.police.uk answers those with
// the latest month, and so does this.
func policeDateParam(r *http.Request) (geo.Month, error) {
	switch formValue(r, "date") {
	case "undefined", "null":
		return 0, nil
	}
	return parseMonthParam(r, "date")
}

// policeMonth reads data.police.uk's date parameter: one month, the latest
// when omitted.
func policeMonth(r *http.Request, ds *geo.Dataset) (geo.Month, error) {
	m, err := policeDateParam(r)
	if err != nil {
		return 0, err
	}
	if m == 0 {
		m = ds.LatestMonth()
	}
	return m, nil
}

// policeArea reads lat/lng (a one-mile circle) or poly.
func policeArea(r *http.Request) (geo.Area, error) {
	lat, lng, hasPoint, err := parseLatLng(r)
	if err != nil {
		return nil, err
	}
	poly := formValue(r, "poly")
	switch {
	case hasPoint && poly != "":
		return nil, paramError("poly", "give either lat/lng or poly, not both")
	case hasPoint:
		return geo.NewCircle(lng, lat, PoliceRadiusM)
	case poly != "":
		return parsePolyParam(poly)
	}
	return nil, paramError("lat", "give lat and lng, or poly=lat,lng:lat,lng:...")
}

// categoryFilter builds a one-month filter for a category slug, all-crime
// meaning every category.
func categoryFilter(ds *geo.Dataset, slug, param string, m geo.Month) (geo.Filter, error) {
	f := geo.Filter{From: m, To: m}
	err := parseTerms(ds, &f, param, slug)
	return f, err
}

// hit is a crime with its snap point.
type hit struct {
	p geo.PointID
	c geo.CrimeID
}

// collectPolice lists the matching crimes of an area in table order, or
// ErrTooMany as soon as there are more than MaxPoliceResults.
func collectPolice(ctx context.Context, ds *geo.Dataset, a geo.Area, f *geo.Filter) ([]hit, error) {
	var hits []hit
	for p, c := range ds.CrimesIn(ctx, a, f) {
		if len(hits) == MaxPoliceResults {
			return nil, ErrTooMany
		}
		hits = append(hits, hit{p, c})
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("crimes in area: %w", err)
	}
	return hits, nil
}

// writePoliceCrimes writes crimes as a data.police.uk JSON array, grouped by
// category in data.police.uk's order of categories (the vocabulary's), in
// table order within one.
func writePoliceCrimes(w http.ResponseWriter, r *http.Request, snap *snapshot, hits []hit) {
	ds := snap.ds
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(ds.Category(a.c), ds.Category(b.c)); c != 0 {
			return c
		}
		return cmp.Compare(a.c, b.c)
	})
	lw := newListingWriter(snap, policeFormat)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	sb := newStreamBody(w, r)
	sb.b = append(sb.b, '[')
	for i, h := range hits {
		if i > 0 {
			sb.b = append(sb.b, ',')
		}
		sb.b = lw.appendCrime(sb.b, h.c, h.p)
		sb.maybeFlush()
	}
	sb.b = append(sb.b, "]\n"...)
	sb.finish()
}

func (s *Server) handlePoliceStreet(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	m, err := policeMonth(r, ds)
	if err != nil {
		return err
	}
	f, err := categoryFilter(ds, pathVar(r, "category"), "category", m)
	if err != nil {
		return err
	}
	a, err := policeArea(r)
	if err != nil {
		return err
	}
	hits, err := collectPolice(r.Context(), ds, a, &f)
	if err != nil {
		return err
	}
	writePoliceCrimes(w, r, snap, hits)
	return nil
}

// locationParam reads location_id or snaps lat/lng to the nearest point.
func locationParam(r *http.Request, ds *geo.Dataset) (geo.PointID, error) {
	if v := formValue(r, "location_id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 53)
		if err != nil {
			return 0, paramError("location_id", "want a location id, got %q", v)
		}
		p, ok := ds.PointByLocationID(int64(id))
		if !ok {
			// data.police.uk's clients tell an unknown id by its 404.
			return 0, fault.Errorf(fault.NotFound, "unknown location_id %q", v)
		}
		return p, nil
	}
	lat, lng, ok, err := parseLatLng(r)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, paramError("location_id", "give location_id, or lat and lng")
	}
	p, found := ds.Nearest(lng, lat)
	if !found {
		return 0, geo.ErrNotFound
	}
	return p, nil
}

func (s *Server) handlePoliceAtLocation(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	m, err := policeMonth(r, ds)
	if err != nil {
		return err
	}
	p, err := locationParam(r, ds)
	if err != nil {
		return err
	}
	f := geo.Filter{From: m, To: m}
	var hits []hit
	ds.PointMatches(p, &f, func(c geo.CrimeID) bool {
		hits = append(hits, hit{p, c})
		return true
	})
	writePoliceCrimes(w, r, snap, hits)
	return nil
}

func (s *Server) handlePoliceNoLocation(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	m, err := policeMonth(r, ds)
	if err != nil {
		return err
	}
	cat := formValue(r, "category")
	if cat == "" {
		cat = "all-crime"
	}
	f, err := categoryFilter(ds, cat, "category", m)
	if err != nil {
		return err
	}
	force := formValue(r, "force")
	if force == "" {
		return paramError("force", "required: a force id from /api/forces")
	}
	if err := parseTerms(ds, &f, geo.ParamForce, force); err != nil {
		var pe *ParamError
		if errors.As(err, &pe) {
			// An unknown force is data.police.uk's 404, not a 400.
			return fault.Errorf(fault.NotFound, "unknown force %q; see /api/forces", force)
		}
		return err
	}
	var hits []hit
	for c := range ds.NoLocation(&f) {
		hits = append(hits, hit{geo.NoPoint, c})
	}
	writePoliceCrimes(w, r, snap, hits)
	return nil
}

func (s *Server) handlePoliceCategories(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	m, err := policeDateParam(r)
	if err != nil {
		return err
	}
	if m == 0 {
		// As data.police.uk: without a date, the latest month's categories.
		m = snap.ds.LatestMonth()
	}
	out := []geo.Term{{Slug: "all-crime", Name: "All crime"}}
	for i, t := range snap.ds.Categories().Terms() {
		if snap.totals.byCategoryMonth(geo.Category(i), m) > 0 {
			out = append(out, t)
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

type policeDate struct {
	Date          string   `json:"date"`
	StopAndSearch []string `json:"stop-and-search"`
}

func (s *Server) handlePoliceDates(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ms := snap.ds.Months()
	out := make([]policeDate, 0, len(ms))
	for i := len(ms) - 1; i >= 0; i-- {
		sf := snap.stopForces[ms[i]]
		if sf == nil {
			sf = []string{}
		}
		out = append(out, policeDate{Date: ms[i].String(), StopAndSearch: sf})
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

func (s *Server) handlePoliceLastUpdated(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	writeJSON(w, r, http.StatusOK, map[string]string{"date": ds.LatestMonth().String() + "-01"})
	return nil
}

func outcomeItem(ds *geo.Dataset, e geo.OutcomeEvent) policeOutcome {
	t := ds.Outcomes().Term(int(e.Outcome))
	return policeOutcome{Category: policeOutcomeCategory{Code: t.Slug, Name: t.Name}, Date: e.Month.String()}
}

func (s *Server) handlePoliceOutcomesForCrime(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	id := pathVar(r, "persistent_id")
	crimes := ds.CrimesByPersistentID(id)
	if len(crimes) == 0 {
		return geo.ErrNotFound
	}
	c := crimes[0]
	core := crimeCore(ds, c, ds.PointOf(c))
	out := struct {
		Outcomes []policeOutcome `json:"outcomes"`
		Crime    policeCrimeCore `json:"crime"`
	}{Outcomes: []policeOutcome{}, Crime: core}
	for _, e := range ds.OutcomeHistory(c) {
		out.Outcomes = append(out.Outcomes, outcomeItem(ds, e))
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

func (s *Server) handlePoliceOutcomesAtLocation(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	m, err := policeMonth(r, ds)
	if err != nil {
		return err
	}
	var points []geo.PointID
	if formValue(r, "location_id") != "" {
		p, err := locationParam(r, ds)
		if err != nil {
			return err
		}
		points = []geo.PointID{p}
	} else {
		a, err := policeArea(r)
		if err != nil {
			return err
		}
		if points, err = outcomePoints(r.Context(), ds, a, m); err != nil {
			return err
		}
	}
	out := []policeOutcome{}
	all := geo.Filter{}
	for _, p := range points {
		var tooMany bool
		ds.PointMatches(p, &all, func(c geo.CrimeID) bool {
			for _, e := range ds.OutcomeHistory(c) {
				if e.Month != m {
					continue
				}
				if len(out) == MaxPoliceResults {
					tooMany = true
					return false
				}
				it := outcomeItem(ds, e)
				core := crimeCore(ds, c, p)
				it.Crime = &core
				out = append(out, it)
			}
			return true
		})
		if tooMany {
			return ErrTooMany
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// outcomePoints returns, in table order, the snap points of an area with
// outcomes in month m, or ErrTooMany as soon as they hold more than
// MaxPoliceResults.
func outcomePoints(ctx context.Context, ds *geo.Dataset, a geo.Area, m geo.Month) ([]geo.PointID, error) {
	var points []geo.PointID
	n := 0
	all := geo.Filter{}
	for p := range ds.PointsIn(ctx, a) {
		had := n
		ds.PointMatches(p, &all, func(c geo.CrimeID) bool {
			for _, e := range ds.OutcomeHistory(c) {
				if e.Month == m {
					n++
				}
			}
			return n <= MaxPoliceResults
		})
		if n > MaxPoliceResults {
			return nil, ErrTooMany
		}
		if n > had {
			points = append(points, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("outcomes in area: %w", err)
	}
	slices.Sort(points)
	return points, nil
}

type policeForce struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) handlePoliceForces(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	out := []policeForce{}
	for _, t := range ds.Forces().Terms() {
		// data.police.uk lists every territorial force but not BTP.
		if t.Slug != "btp" {
			out = append(out, policeForce{ID: t.Slug, Name: t.Name})
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}
