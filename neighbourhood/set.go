package neighbourhood

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Set is the loaded policing-team data. It is immutable, so any number of
// goroutines may read it: lookups return copies of lists, and the objects
// Get and Force point to are shared and must not be changed.
type Set struct {
	forces []ForceRef // GET forces order, then forces only a folder names
	detail map[string]*Force
	// officers are the forces' senior officers, GET forces/{force}/people.
	officers map[string][]Person
	teams    map[string]*forceTeams
	edited   *editedHood // one neighbourhood as staff edited it; see WithEdits
}

// forceTeams is one force's neighbourhoods.
type forceTeams struct {
	refs  []NeighbourhoodRef // the list's order, then unlisted ones by id
	hoods map[string]*hood
}

// hood is one neighbourhood and what was loaded for it.
type hood struct {
	detail     *Neighbourhood
	people     []Person
	events     []Event
	priorities []Priority
	boundary   []Point
}

// Forces returns the forces: in the order of forces.json where there is
// one, then any other force with a folder, by id.
func (s *Set) Forces() []ForceRef { return slices.Clone(s.forces) }

// Force returns GET forces/{force}.
func (s *Set) Force(force string) (*Force, error) {
	f, ok := s.detail[force]
	if !ok {
		return nil, fmt.Errorf("force %q: %w", force, ErrNoForce)
	}
	return f, nil
}

// ForcePeople returns GET forces/{force}/people, the senior officers: []
// for a force with none loaded, ErrNoForce for an unknown force.
func (s *Set) ForcePeople(force string) ([]Person, error) {
	if _, err := s.Force(force); err != nil {
		return nil, err
	}
	return nonNil(slices.Clone(s.officers[force])), nil
}

// Neighbourhoods returns GET {force}/neighbourhoods: the list's order, then
// neighbourhoods that had a detail file but were not listed, by id.
func (s *Set) Neighbourhoods(force string) ([]NeighbourhoodRef, error) {
	t, err := s.force(force)
	if err != nil {
		return nil, err
	}
	return slices.Clone(t.refs), nil
}

// Get returns GET {force}/{id}.
func (s *Set) Get(force, id string) (*Neighbourhood, error) {
	h, err := s.hood(force, id)
	if err != nil {
		return nil, err
	}
	if h.detail == nil {
		return nil, fmt.Errorf("force %q neighbourhood %q: %w", force, id, ErrNoDetail)
	}
	return h.detail, nil
}

// People returns GET {force}/{id}/people; empty when none was loaded.
func (s *Set) People(force, id string) ([]Person, error) {
	return field(s, force, id, func(h *hood) []Person { return h.people })
}

// Events returns GET {force}/{id}/events, in the API's order.
func (s *Set) Events(force, id string) ([]Event, error) {
	return field(s, force, id, func(h *hood) []Event { return h.events })
}

// Priorities returns GET {force}/{id}/priorities, in the API's order.
func (s *Set) Priorities(force, id string) ([]Priority, error) {
	return field(s, force, id, func(h *hood) []Priority { return h.priorities })
}

// Boundary returns GET {force}/{id}/boundary: the vertices as the API
// lists them, empty when no boundary was loaded.
func (s *Set) Boundary(force, id string) ([]Point, error) {
	return field(s, force, id, func(h *hood) []Point { return h.boundary })
}

func field[T any](s *Set, force, id string, get func(*hood) []T) ([]T, error) {
	h, err := s.hood(force, id)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(get(h))
	if out == nil {
		out = []T{} // the API answers [] for a neighbourhood with none
	}
	return out, nil
}

func (s *Set) force(force string) (*forceTeams, error) {
	if t, ok := s.teams[force]; ok {
		return t, nil
	}
	if slices.ContainsFunc(s.forces, func(f ForceRef) bool { return f.ID == force }) {
		return &forceTeams{}, nil
	}
	return nil, fmt.Errorf("force %q: %w", force, ErrNoForce)
}

func (s *Set) hood(force, id string) (*hood, error) {
	if e := s.edited; e != nil && e.force == force && e.id == id {
		return e.h, nil
	}
	t, err := s.force(force)
	if err != nil {
		return nil, err
	}
	h, ok := t.hoods[id]
	if !ok {
		return nil, fmt.Errorf("force %q neighbourhood %q: %w", force, id, ErrNoNeighbourhood)
	}
	return h, nil
}

// Upcoming returns the events that have not ended by now (an event without
// an end date ends when it starts), earliest first; events that start
// together keep the API's order.
func Upcoming(events []Event, now time.Time) []Event {
	var out []Event
	for _, e := range events {
		end, ok := e.EndDate.Time()
		if !ok {
			end, _ = e.StartDate.Time()
		}
		if !end.Before(now) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		return a.StartDate.t.Compare(b.StartDate.t)
	})
	return out
}

// byID orders refs by id.
func byID(a, b NeighbourhoodRef) int { return cmp.Compare(a.ID, b.ID) }
