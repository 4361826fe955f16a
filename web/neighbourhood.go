package web

import (
	"fmt"
	"html/template"
	"io"
)

// NeighbourhoodPage is a neighbourhood's page, rendered whole on the
// server so it reads without script; the script adds the map.
type NeighbourhoodPage struct {
	Force, ForceName, ForceURL string
	ID, Name                   string
	// Description and Welcome are the force's HTML, already sanitised.
	Description, Welcome template.HTML
	Population           string
	TeamURL              string // url_force: the team's page on the force's site
	Contacts             []ContactLink
	Links                []ContactLink
	Team                 []TeamMember
	Priorities           []PagePriority
	Events               []PageEvent
	Crime                *CrimeSummary // nil without crime data for the force
	Neighbours           []PageLink
	// Watch is whether Neighbourhood Watch is served; Schemes are the
	// active schemes in or near the neighbourhood.
	Watch   bool
	Schemes []PageScheme
	// Boundary is the neighbourhood's outline for the map, [lng,lat] rings;
	// nil when it has none.
	Boundary    [][][2]float64
	StyleURL    string
	Attribution string
}

// ContactLink is a way to reach a team, person or event, as a link whose
// scheme says how (tel:, mailto:, https:).
type ContactLink struct {
	Label, Text string
	// Href is trusted as it is (html/template would refuse tel:): the
	// server builds it only from a checked number, address or web URL.
	Href template.URL
}

// PageScheme is a Neighbourhood Watch scheme listed on a neighbourhood's
// page: a link to its page and where it lies.
type PageScheme struct {
	Href, Name, Where string
}

// PageLink is a link to another page of this site.
type PageLink struct {
	Href, Text string
}

// TeamMember is one person of the team.
type TeamMember struct {
	Name, Rank string
	Bio        template.HTML
	Contacts   []ContactLink
}

// PagePriority is an issue the team took on, and what it did.
type PagePriority struct {
	Issue, Action         template.HTML
	IssueDate, ActionDate string // YYYY-MM-DD, "" when absent
}

// PageEvent is an upcoming event.
type PageEvent struct {
	Title, Type, Address string
	Start, End           string // YYYY-MM-DDTHH:MM, End "" when absent
	When                 string // the dates as read: "Sat 2 May 2099, 10:00 to 14:00"
	Description          template.HTML
	Contacts             []ContactLink
}

// CrimeSummary is what happened in the neighbourhood's boundary.
type CrimeSummary struct {
	// Month is the latest month of the force's data; Previous the month
	// before and YearAgo the same month a year earlier (YYYY-MM).
	Month, Previous, YearAgo           string
	Total, PreviousTotal, YearAgoTotal int
	// HasPrevious and HasYearAgo say whether the dataset holds those months.
	HasPrevious, HasYearAgo bool
	Types                   []TypeChange // by count, then name
	Trend                   []MonthCount // the 12 months to Month
	TrendMax                int
	// Outcomes are the crimes of the trend's months but anti-social
	// behaviour, which has no outcomes, by outcome group.
	Outcomes      []OutcomeShare
	OutcomesTotal int
	MapURL        string // the full map over the boundary and month
	CSVURL        string // the month's crimes in the boundary as CSV
}

// TypeChange is one crime type's count in the three months compared.
type TypeChange struct {
	Slug, Name                         string
	Count, PreviousCount, YearAgoCount int
}

// MonthCount is the crimes of one month.
type MonthCount struct {
	Month string
	Count int
	// Percent of the largest month, for the bar's length.
	Percent int
}

// OutcomeShare is the crimes in one outcome group.
type OutcomeShare struct {
	Group   string
	Count   int
	Percent int
}

// SearchPage is the neighbourhood search: a form, and for a query that
// did not lead to one neighbourhood, why, with any candidates.
type SearchPage struct {
	Q       string
	Message string
	Choices []PageLink
}

type neighbourhoodConfig struct {
	Force    string         `json:"force"`
	ID       string         `json:"id"`
	Boundary [][][2]float64 `json:"boundary"`
	Month    string         `json:"month,omitempty"`
}

// RenderNeighbourhood writes a neighbourhood's page.
func RenderNeighbourhood(w io.Writer, p NeighbourhoodPage) error {
	cfg := neighbourhoodConfig{Force: p.Force, ID: p.ID, Boundary: p.Boundary}
	if p.Crime != nil {
		cfg.Month = p.Crime.Month
	}
	data := struct {
		NeighbourhoodPage
		Config struct {
			pageConfig
			Neighbourhood neighbourhoodConfig `json:"neighbourhood"`
		}
	}{NeighbourhoodPage: p}
	data.Config.pageConfig = pageConfig{StyleURL: p.StyleURL, Colours: categoryColours, Attribution: p.Attribution}
	data.Config.Neighbourhood = cfg
	if err := pages.ExecuteTemplate(w, "neighbourhood.html", data); err != nil {
		return fmt.Errorf("render neighbourhood page: %w", err)
	}
	return nil
}

// RenderSearch writes the neighbourhood search page.
func RenderSearch(w io.Writer, p SearchPage) error {
	if err := pages.ExecuteTemplate(w, "neighbourhoods.html", p); err != nil {
		return fmt.Errorf("render neighbourhood search: %w", err)
	}
	return nil
}
