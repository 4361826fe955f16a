package server

import (
	"net/http"
	"strconv"
	"strings"

	"crimemap/geo"
	"crimemap/stopsearch"
)

// errTooManyStops is ErrTooMany (HTTP 503) in the words of stops.
type errTooManyStops struct{}

func (errTooManyStops) Error() string {
	return "more than 10,000 stops and searches in this area; use a smaller area or /v1/stops"
}
func (errTooManyStops) Unwrap() error { return ErrTooMany }

type policeOutcomeObject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// policeStop is a stop and search in data.police.uk's fields and types: a
// blank text field is null, a blank yes/no is null, and a blank outcome is
// false, as the API writes them.
type policeStop struct {
	AgeRange                       *string              `json:"age_range"`
	Outcome                        any                  `json:"outcome"`
	InvolvedPerson                 bool                 `json:"involved_person"`
	SelfDefinedEthnicity           *string              `json:"self_defined_ethnicity"`
	Gender                         *string              `json:"gender"`
	Legislation                    *string              `json:"legislation"`
	OutcomeLinkedToObjectOfSearch  *bool                `json:"outcome_linked_to_object_of_search"`
	Datetime                       string               `json:"datetime"`
	RemovalOfMoreThanOuterClothing *bool                `json:"removal_of_more_than_outer_clothing"`
	OutcomeObject                  *policeOutcomeObject `json:"outcome_object"`
	Location                       *policeLocation      `json:"location"`
	Operation                      *bool                `json:"operation"`
	OfficerDefinedEthnicity        *string              `json:"officer_defined_ethnicity"`
	Type                           string               `json:"type"`
	OperationName                  *string              `json:"operation_name"`
	ObjectOfSearch                 *string              `json:"object_of_search"`
}

// optText is a file's text field as the API writes it: null when blank.
func optText(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

// optBool reads a file's True/False column: null when blank or otherwise.
func optBool(s string) *bool {
	var v bool
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		v = true
	case "false":
	default:
		return nil
	}
	return &v
}

func policeStopOf(x *stopsearch.Index, id stopsearch.ID) policeStop {
	r := x.Record(id)
	out := policeStop{
		AgeRange:                       optText(r.AgeRange),
		Outcome:                        false,
		InvolvedPerson:                 strings.Contains(strings.ToLower(r.Type), "person"),
		SelfDefinedEthnicity:           optText(r.SelfEthnicity),
		Gender:                         optText(r.Gender),
		Legislation:                    optText(r.Legislation),
		OutcomeLinkedToObjectOfSearch:  optBool(r.OutcomeLinked),
		Datetime:                       r.Date,
		RemovalOfMoreThanOuterClothing: optBool(r.RemovalOfMoreThanOuterClothing),
		Operation:                      optBool(r.PartOfOperation),
		OfficerDefinedEthnicity:        optText(r.OfficerEthn),
		Type:                           r.Type,
		OperationName:                  optText(r.OperationName),
		ObjectOfSearch:                 optText(r.ObjectOfSearch),
	}
	if o := x.Outcome(id); o.ID != "" {
		out.Outcome = o.Name
		out.OutcomeObject = &policeOutcomeObject{ID: o.ID, Name: o.Name}
	}
	if loc, ok := x.Location(id); ok {
		out.Location = &policeLocation{
			Latitude:  formatCoord(loc.Lat),
			Street:    policeStreet{ID: loc.StreetID, Name: loc.Street},
			Longitude: formatCoord(loc.Lon),
		}
	}
	return out
}

func writePoliceStops(w http.ResponseWriter, r *http.Request, x *stopsearch.Index, ids []stopsearch.ID) {
	out := make([]policeStop, len(ids))
	for i, id := range ids {
		out[i] = policeStopOf(x, id)
	}
	writeJSON(w, r, http.StatusOK, out)
}

// stopMonth reads data.police.uk's date parameter for stops: one month,
// the latest when omitted.
func stopMonth(r *http.Request, x *stopsearch.Index) (stopsearch.Filter, error) {
	m, err := policeDateParam(r)
	if m == 0 {
		m = x.LatestMonth()
	}
	return stopsearch.Filter{From: m, To: m}, err
}

func (s *Server) handlePoliceStopsStreet(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	f, err := stopMonth(r, snap.stops)
	if err != nil {
		return err
	}
	a, err := policeArea(r)
	if err != nil {
		return err
	}
	ids, over, err := snap.stops.In(r.Context(), a, &f, MaxPoliceResults)
	if err != nil {
		return err
	}
	if over {
		return errTooManyStops{}
	}
	writePoliceStops(w, r, snap.stops, ids)
	return nil
}

func (s *Server) handlePoliceStopsAtLocation(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	x := snap.stops
	f, err := stopMonth(r, x)
	if err != nil {
		return err
	}
	v := formValue(r, "location_id")
	if v == "" {
		return paramError("location_id", "required: a location id (a street id of /api/stops-street)")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || !x.KnownStreet(id) {
		return paramError("location_id", "unknown location %q", v)
	}
	var ids []stopsearch.ID
	if l, ok := x.LocationByStreet(id); ok {
		ids = x.AtLocation(l, &f)
	}
	writePoliceStops(w, r, x, ids)
	return nil
}

// stopForce reads the required force parameter of the force endpoints.
func stopForce(r *http.Request, ds *geo.Dataset) (geo.Force, error) {
	v := formValue(r, "force")
	if v == "" {
		return 0, paramError("force", "required: a force id from /api/forces")
	}
	i, ok := ds.Forces().BySlug(v)
	if !ok {
		return 0, paramError("force", "unknown force %q; see /api/forces", v)
	}
	return geo.Force(i), nil
}

// handlePoliceStopsForce answers /api/stops-force (every stop of a force's
// month) and, with located false, /api/stops-no-location.
func (s *Server) handlePoliceStopsForce(located bool) snapshotHandler {
	return func(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
		f, err := stopMonth(r, snap.stops)
		if err != nil {
			return err
		}
		force, err := stopForce(r, snap.ds)
		if err != nil {
			return err
		}
		writePoliceStops(w, r, snap.stops, snap.stops.ForceMonth(force, f.From, located, true))
		return nil
	}
}
