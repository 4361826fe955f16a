package neighbourhood

import (
	"fmt"
	"slices"
)

// The fields of a neighbourhood's published details that force staff may
// edit, as edits name them. Each holds JSON in the API's shape: FieldTeam
// that of GET {force}/{id}/people, FieldContactDetails the contact_details
// object of GET {force}/{id}, FieldEvents and FieldPriorities those of
// their endpoints.
const (
	FieldTeam           = "team"
	FieldContactDetails = "contact_details"
	FieldEvents         = "events"
	FieldPriorities     = "priorities"
)

// EditableFields lists the fields WithEdits knows, in the order a form
// shows them.
var EditableFields = []string{FieldTeam, FieldContactDetails, FieldEvents, FieldPriorities}

// editedHood is one neighbourhood whose edited fields replace the loaded
// ones.
type editedHood struct {
	force, id string
	h         *hood
}

// Edit is one field's value as force staff wrote it, decoded: one of
// []Person, *ContactDetails, []Event, []Priority.
type Edit any

// ParseEdit decodes an edited field's JSON. Loading drops a bad element of
// a list and keeps the rest; an edit has a person to tell, so any bad
// element refuses it, naming the element's path.
func ParseEdit(field, value string) (Edit, error) {
	var (
		v       any
		dropped []*ValueError
		err     error
	)
	switch field {
	case FieldTeam:
		v, dropped, err = decodeFile([]byte(value), peopleOf)
	case FieldContactDetails:
		v, dropped, err = decodeFile([]byte(value), contactsOf)
	case FieldEvents:
		v, dropped, err = decodeFile([]byte(value), eventsOf)
	case FieldPriorities:
		v, dropped, err = decodeFile([]byte(value), prioritiesOf)
	default:
		return nil, fmt.Errorf("field %q: %w", field, ErrMissing)
	}
	if err == nil && len(dropped) > 0 {
		err = dropped[0]
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return v, nil
}

// contactsOf decodes a contact_details object on its own.
func contactsOf(d *decoder, v any, path string) *ContactDetails {
	return d.contacts(map[string]any{FieldContactDetails: v}, path, FieldContactDetails)
}

// WithEdits returns a Set that answers for force/id with the fields of
// edits (field name to JSON, as ParseEdit reads it) in place of the loaded
// ones; an empty value keeps the loaded field. s itself is unchanged and
// the two share everything else, so this costs a copy of one
// neighbourhood's lists. A neighbourhood the data lacks gets the edited
// fields alone.
func (s *Set) WithEdits(force, id string, edits map[string]string) (*Set, error) {
	h := &hood{}
	if old, err := s.hood(force, id); err == nil {
		*h = *old
	}
	for _, f := range EditableFields {
		v := edits[f]
		if v == "" {
			continue
		}
		e, err := ParseEdit(f, v)
		if err != nil {
			return nil, fmt.Errorf("force %q neighbourhood %q: %w", force, id, err)
		}
		switch e := e.(type) {
		case []Person:
			h.people = e
		case []Event:
			h.events = e
		case []Priority:
			h.priorities = e
		case *ContactDetails:
			if h.detail != nil {
				d := *h.detail
				d.ContactDetails = e
				h.detail = &d
			}
		}
	}
	out := *s
	out.edited = &editedHood{force: force, id: id, h: h}
	return &out, nil
}

// Field returns force/id's field as the API would serve it: what a form
// editing it starts from.
func (s *Set) Field(force, id, field string) (any, error) {
	h, err := s.hood(force, id)
	if err != nil {
		return nil, err
	}
	switch field {
	case FieldTeam:
		return nonNil(slices.Clone(h.people)), nil
	case FieldEvents:
		return nonNil(slices.Clone(h.events)), nil
	case FieldPriorities:
		return nonNil(slices.Clone(h.priorities)), nil
	case FieldContactDetails:
		if h.detail == nil || h.detail.ContactDetails == nil {
			return &ContactDetails{}, nil
		}
		return h.detail.ContactDetails, nil
	}
	return nil, fmt.Errorf("field %q: %w", field, ErrMissing)
}
