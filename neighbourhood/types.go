package neighbourhood

// The types mirror the API's JSON field by field, in the API's key order.
// Strings that the API may leave out or set to null are Text (or Coord,
// Date); omitzero leaves out what was absent, so a decoded object encodes
// back to the same JSON value.

// NeighbourhoodRef is one entry of GET {force}/neighbourhoods.
type NeighbourhoodRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Neighbourhood is GET {force}/{id}: a neighbourhood policing team's page.
type Neighbourhood struct {
	URLForce       Text            `json:"url_force,omitzero"`
	ContactDetails *ContactDetails `json:"contact_details,omitempty"`
	Name           string          `json:"name"`
	Links          []Link          `json:"links,omitzero"`
	Centre         *Point          `json:"centre,omitempty"`
	Locations      []Location      `json:"locations,omitzero"`
	Description    Text            `json:"description,omitzero"` // HTML
	WelcomeMessage Text            `json:"welcome_message,omitzero"`
	ID             string          `json:"id"`
	Population     Text            `json:"population,omitzero"` // a whole number, as a string
}

// Link is one of a neighbourhood's links.
type Link struct {
	URL         Text `json:"url,omitzero"`
	Description Text `json:"description,omitzero"`
	Title       Text `json:"title,omitzero"`
}

// Point is a position with both coordinates as strings: a neighbourhood's
// centre and a boundary's vertex.
type Point struct {
	Latitude  Coord `json:"latitude"`
	Longitude Coord `json:"longitude"`
}

// Location is a place of a neighbourhood, such as its police station; its
// coordinates may be null.
type Location struct {
	Name        Text  `json:"name,omitzero"`
	Longitude   Coord `json:"longitude,omitzero"`
	Postcode    Text  `json:"postcode,omitzero"`
	Address     Text  `json:"address,omitzero"`
	Latitude    Coord `json:"latitude,omitzero"`
	Type        Text  `json:"type,omitzero"`
	Description Text  `json:"description,omitzero"`
}

// Person is a member of a neighbourhood team (GET {force}/{id}/people) or a
// force's senior officer (GET forces/{force}/people).
type Person struct {
	Bio            Text            `json:"bio,omitzero"` // HTML
	ContactDetails *ContactDetails `json:"contact_details,omitempty"`
	Name           string          `json:"name"`
	Rank           Text            `json:"rank,omitzero"`
}

// Event is one of GET {force}/{id}/events: a beat surgery, a meeting.
type Event struct {
	ContactDetails *ContactDetails `json:"contact_details,omitempty"`
	Description    Text            `json:"description,omitzero"` // HTML
	Title          Text            `json:"title,omitzero"`
	Address        Text            `json:"address,omitzero"`
	Type           Text            `json:"type,omitzero"`
	StartDate      Date            `json:"start_date"`
	EndDate        Date            `json:"end_date,omitzero"`
}

// Priority is one of GET {force}/{id}/priorities: an issue the team took
// on and what it did. The API's keys are hyphenated.
type Priority struct {
	Action     Text `json:"action,omitzero"` // HTML
	IssueDate  Date `json:"issue-date,omitzero"`
	ActionDate Date `json:"action-date,omitzero"`
	Issue      Text `json:"issue,omitzero"` // HTML
}

// ForceRef is one entry of GET forces.
type ForceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Force is GET forces/{force}.
type Force struct {
	Description       Text               `json:"description,omitzero"` // HTML
	URL               Text               `json:"url,omitzero"`
	EngagementMethods []EngagementMethod `json:"engagement_methods,omitzero"`
	Telephone         Text               `json:"telephone,omitzero"`
	ID                string             `json:"id"`
	Name              string             `json:"name"`
}

// EngagementMethod is one of a force's ways to reach it.
type EngagementMethod struct {
	URL         Text `json:"url,omitzero"`
	Type        Text `json:"type,omitzero"`
	Description Text `json:"description,omitzero"`
	Title       Text `json:"title,omitzero"`
}
