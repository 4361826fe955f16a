package server

import (
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"crimemap/stopsearch"
)

// stopFilterDims are the dimensions /v1/stops filters by parameter; the
// month is filtered by from and to.
var stopFilterDims = []stopsearch.Dim{stopsearch.DimForce, stopsearch.DimType, stopsearch.DimOutcome,
	stopsearch.DimObject, stopsearch.DimLegislation, stopsearch.DimEthnicity, stopsearch.DimSelfEthnicity,
	stopsearch.DimAge, stopsearch.DimGender}

// stopDimParams are the parameter names of stopFilterDims.
func stopDimParams() []string {
	p := make([]string, len(stopFilterDims))
	for i, d := range stopFilterDims {
		p[i] = stopsearch.DimNames[d]
	}
	return p
}

// stopsPageParams are the parameters of /v1/stops a next-page link carries.
var stopsPageParams = append([]string{"format", "limit", "lat", "lng", "radius_m", "bbox", "poly", "boundary", "from", "to"}, stopDimParams()...)

// pageAfter is the page of up to limit ids (sorted) after the cursor id
// after (-1 for the first page), and whether more follow it.
func pageAfter(ids []stopsearch.ID, after int64, limit int) (page []stopsearch.ID, more bool) {
	start := 0
	if after >= 0 {
		start, _ = slices.BinarySearch(ids, stopsearch.ID(after+1))
	}
	end := min(len(ids), start+limit)
	return ids[start:end], end < len(ids)
}

// parseStopFilter reads from, to and a comma list of slugs for each of
// stopFilterDims.
func parseStopFilter(r *http.Request, x *stopsearch.Index) (stopsearch.Filter, error) {
	var f stopsearch.Filter
	var err error
	if f.From, f.To, err = parseMonthRange(r); err != nil {
		return f, err
	}
	for _, d := range stopFilterDims {
		name := stopsearch.DimNames[d]
		if err := x.Restrict(&f, d, formValue(r, name)); err != nil {
			var ve *stopsearch.ValueError
			if errors.As(err, &ve) {
				return f, &ParamError{Param: name, Msg: ve.Error() + "; see /v1/stops/counts?group_by=" + name, Err: err}
			}
			return f, err
		}
	}
	return f, nil
}

// stopRow is one stop of /v1/stops, as GeoJSON properties or a CSV row.
// Outcome is the current label's id; OutcomeOriginal the file's label.
type stopRow struct {
	ID                             int64  `json:"id"`
	Month                          string `json:"month"`
	Force                          string `json:"force"`
	Datetime                       string `json:"datetime"`
	Type                           string `json:"type"`
	Outcome                        string `json:"outcome"`
	OutcomeName                    string `json:"outcome_name"`
	OutcomeOriginal                string `json:"outcome_original"`
	ObjectOfSearch                 string `json:"object_of_search"`
	Legislation                    string `json:"legislation"`
	OfficerDefinedEthnicity        string `json:"officer_defined_ethnicity"`
	SelfDefinedEthnicity           string `json:"self_defined_ethnicity"`
	AgeRange                       string `json:"age_range"`
	Gender                         string `json:"gender"`
	OutcomeLinkedToObjectOfSearch  *bool  `json:"outcome_linked_to_object_of_search"`
	RemovalOfMoreThanOuterClothing *bool  `json:"removal_of_more_than_outer_clothing"`
	Operation                      *bool  `json:"operation"`
	OperationName                  string `json:"operation_name"`
	LocationID                     *int64 `json:"location_id"`
	Street                         string `json:"street"`
}

var stopCSVHeader = []string{"id", "month", "force", "datetime", "type", "outcome", "outcome_name", "outcome_original",
	"object_of_search", "legislation", "officer_defined_ethnicity", "self_defined_ethnicity", "age_range", "gender",
	"outcome_linked_to_object_of_search", "removal_of_more_than_outer_clothing", "operation", "operation_name",
	"location_id", "street", "longitude", "latitude"}

func stopRowOf(x *stopsearch.Index, id stopsearch.ID) (stopRow, *stopsearch.Location) {
	r := x.Record(id)
	o := x.Outcome(id)
	row := stopRow{
		ID: int64(id), Month: r.Month.String(), Force: x.Term(id, stopsearch.DimForce).Slug, Datetime: r.Date,
		Type: r.Type, Outcome: o.ID, OutcomeName: o.Name, OutcomeOriginal: r.Outcome,
		ObjectOfSearch: r.ObjectOfSearch, Legislation: r.Legislation, OfficerDefinedEthnicity: r.OfficerEthn,
		SelfDefinedEthnicity: r.SelfEthnicity, AgeRange: r.AgeRange, Gender: r.Gender,
		OutcomeLinkedToObjectOfSearch:  optBool(r.OutcomeLinked),
		RemovalOfMoreThanOuterClothing: optBool(r.RemovalOfMoreThanOuterClothing),
		Operation:                      optBool(r.PartOfOperation), OperationName: r.OperationName,
	}
	loc, ok := x.Location(id)
	if !ok {
		return row, nil
	}
	row.LocationID, row.Street = &loc.StreetID, loc.Street
	return row, &loc
}

func csvBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func (s stopRow) csv(loc *stopsearch.Location) []string {
	locID, lon, lat := "", "", ""
	if loc != nil {
		locID, lon, lat = strconv.FormatInt(loc.StreetID, 10), formatCoord(loc.Lon), formatCoord(loc.Lat)
	}
	return []string{strconv.FormatInt(s.ID, 10), s.Month, s.Force, s.Datetime, s.Type, s.Outcome, s.OutcomeName,
		s.OutcomeOriginal, s.ObjectOfSearch, s.Legislation, s.OfficerDefinedEthnicity, s.SelfDefinedEthnicity,
		s.AgeRange, s.Gender, csvBool(s.OutcomeLinkedToObjectOfSearch), csvBool(s.RemovalOfMoreThanOuterClothing),
		csvBool(s.Operation), s.OperationName, locID, s.Street, lon, lat}
}

type pointGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type stopFeature struct {
	Type       string         `json:"type"`
	Geometry   *pointGeometry `json:"geometry"`
	Properties stopRow        `json:"properties"`
}

type stopCollection struct {
	Type           string        `json:"type"`
	Features       []stopFeature `json:"features"`
	DatasetVersion string        `json:"dataset_version"`
	NextCursor     *string       `json:"next_cursor"`
}

// handleStops answers /v1/stops: the stops in an area (or everywhere, those
// without a location included) passing the filter, a page at a time in id
// order.
func (s *Server) handleStops(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	x, version := snap.stops, snap.ds.Version()
	format, err := parseFormat(r, "geojson", "csv")
	if err != nil {
		return err
	}
	f, err := parseStopFilter(r, x)
	if err != nil {
		return err
	}
	after, err := parseCursor(r, version)
	if err != nil {
		return err
	}
	limit, err := parseLimit(r, DefaultPageSize, MaxPageSize)
	if err != nil {
		return err
	}
	a, err := s.parseArea(r, MaxRadiusM)
	if err != nil && !errors.Is(err, errNoArea) {
		return err
	}
	ids, _, err := x.In(r.Context(), a, &f, 0)
	if err != nil {
		return err
	}
	page, more := pageAfter(ids, after, limit)
	var next *string
	if more {
		c := version + "." + strconv.FormatInt(int64(page[len(page)-1]), 10)
		next = &c
		w.Header().Set("Link", nextLink(r, c, stopsPageParams))
	}
	w.Header().Set("X-Dataset-Version", version)
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if next != nil {
			w.Header().Set("X-Next-Cursor", *next)
		}
		cw := csv.NewWriter(w)
		_ = cw.Write(stopCSVHeader)
		for _, id := range page {
			row, loc := stopRowOf(x, id)
			_ = cw.Write(row.csv(loc))
		}
		cw.Flush()
		return nil
	}
	out := stopCollection{Type: "FeatureCollection", Features: make([]stopFeature, len(page)), DatasetVersion: version, NextCursor: next}
	for i, id := range page {
		row, loc := stopRowOf(x, id)
		out.Features[i] = stopFeature{Type: "Feature", Properties: row}
		if loc != nil {
			out.Features[i].Geometry = &pointGeometry{Type: "Point", Coordinates: [2]float64{loc.Lon, loc.Lat}}
		}
	}
	w.Header().Set("Content-Type", "application/geo+json")
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// stopTally is a count with its shares.
type stopTally struct {
	stopsearch.Tally
	stopsearch.Rates
}

func tallyOf(t stopsearch.Tally) stopTally { return stopTally{t, t.Rates()} }

type stopGroup struct {
	Key  map[string]string `json:"key"`
	Name map[string]string `json:"name"`
	stopTally
}

type stopCounts struct {
	Total   stopTally   `json:"total"`
	GroupBy []string    `json:"group_by"`
	Groups  []stopGroup `json:"groups"`
}

// parseStopGroupBy reads group_by: up to two stop dimensions, a comma list
// or the parameter repeated.
func parseStopGroupBy(r *http.Request) ([]stopsearch.Dim, error) {
	var dims []stopsearch.Dim
	for _, v := range r.Form["group_by"] {
		for _, g := range strings.Split(v, ",") {
			g = strings.TrimSpace(g)
			if g == "" {
				continue
			}
			d, ok := stopsearch.DimByName(g)
			if !ok {
				return nil, paramError("group_by", "want up to %d of %s, got %q", stopsearch.MaxGroupDims, strings.Join(stopsearch.DimNames[:], ", "), g)
			}
			if slices.Contains(dims, d) {
				return nil, paramError("group_by", "%q given twice", g)
			}
			dims = append(dims, d)
		}
	}
	if len(dims) > stopsearch.MaxGroupDims {
		return nil, paramError("group_by", "at most %d dimensions, got %d", stopsearch.MaxGroupDims, len(dims))
	}
	return dims, nil
}

// handleStopCounts answers /v1/stops/counts: stops in an area (or
// everywhere) passing the filter, grouped by up to two dimensions, with the
// share linked to the object of search and the rates with and without no
// further action.
func (s *Server) handleStopCounts(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	x := snap.stops
	format, err := parseFormat(r, "json", "csv")
	if err != nil {
		return err
	}
	dims, err := parseStopGroupBy(r)
	if err != nil {
		return err
	}
	f, err := parseStopFilter(r, x)
	if err != nil {
		return err
	}
	a, err := s.parseArea(r, MaxRadiusM)
	if err != nil && !errors.Is(err, errNoArea) {
		return err
	}
	k, err := x.Count(r.Context(), a, &f, dims)
	if err != nil {
		return err
	}
	out := stopCounts{Total: tallyOf(k.Total), GroupBy: []string{}, Groups: []stopGroup{}}
	for _, d := range dims {
		out.GroupBy = append(out.GroupBy, stopsearch.DimNames[d])
	}
	for _, g := range k.Groups {
		sg := stopGroup{Key: map[string]string{}, Name: map[string]string{}, stopTally: tallyOf(g.Tally)}
		for i, d := range dims {
			sg.Key[stopsearch.DimNames[d]] = g.Keys[i].Slug
			sg.Name[stopsearch.DimNames[d]] = g.Keys[i].Name
		}
		out.Groups = append(out.Groups, sg)
	}
	if format == "json" {
		writeJSON(w, r, http.StatusOK, out)
		return nil
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	head := slices.Clone(out.GroupBy)
	for _, g := range out.GroupBy {
		head = append(head, g+"_name")
	}
	_ = cw.Write(append(head, "count", "no_further_action", "no_outcome", "linked", "linked_share",
		"no_further_action_share", "action_share", "linked_share_of_actions"))
	rows := out.Groups
	if len(dims) == 0 {
		rows = []stopGroup{{stopTally: out.Total}}
	}
	for _, g := range rows {
		var rec []string
		for _, d := range out.GroupBy {
			rec = append(rec, g.Key[d])
		}
		for _, d := range out.GroupBy {
			rec = append(rec, g.Name[d])
		}
		t := g.stopTally
		rec = append(rec, strconv.Itoa(t.Count), strconv.Itoa(t.NoFurtherAction), strconv.Itoa(t.NoOutcome), strconv.Itoa(t.Linked),
			fmtShare(t.LinkedShare), fmtShare(t.NoFurtherActionShare), fmtShare(t.ActionShare), fmtShare(t.LinkedShareOfActions))
		_ = cw.Write(rec)
	}
	cw.Flush()
	return nil
}

func fmtShare(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
