package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"crimemap/adjacency"
	"crimemap/fault"
	"crimemap/geo"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/web"
)

// trendMonths is the span of the page's trend and outcome shares.
const trendMonths = 12

// hoodIndex finds a neighbourhood's boundary and its neighbours; it is
// built once from the locator, since neighbours cost a geometry pass.
type hoodIndex struct {
	regions []locate.Region
	byKey   map[[2]string]int
	graph   *adjacency.Graph

	mu     sync.Mutex
	months *forceMonths // of the latest dataset asked about
}

func newHoodIndex(l *locate.Locator) *hoodIndex {
	regions := l.Regions()
	ix := &hoodIndex{regions: regions, byKey: make(map[[2]string]int, len(regions))}
	shapes := make([]orb.MultiPolygon, len(regions))
	for i, r := range regions {
		ix.byKey[[2]string{r.Force, r.ID}] = i
		shapes[i] = r.Area.MultiPolygon()
	}
	ix.graph = adjacency.Build(shapes)
	return ix
}

// region returns the neighbourhood's boundary and its index.
func (ix *hoodIndex) region(force, id string) (locate.Region, int, bool) {
	i, ok := ix.byKey[[2]string{force, id}]
	if !ok {
		return locate.Region{}, -1, false
	}
	return ix.regions[i], i, true
}

// hoodPath is a neighbourhood's page.
func hoodPath(force, id string) string {
	return "/neighbourhoods/" + url.PathEscape(force) + "/" + url.PathEscape(id)
}

// plain turns a name as the API writes it, with HTML entities
// ("Leake &amp; Keyworth"), into text; the template escapes it again.
func plain(t neighbourhood.Text) string { return strings.TrimSpace(html.UnescapeString(t.String())) }

// handleNeighbourhoodSearch answers GET /neighbourhoods?q=: a postcode,
// street or lat,lng that locates one neighbourhood redirects to its page;
// anything else shows the search form with why, and any candidates.
func (s *Server) handleNeighbourhoodSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(formValue(r, "q"))
	page := web.SearchPage{Q: q}
	status := http.StatusOK
	if q != "" {
		var href string
		href, page.Message, page.Choices, status = s.searchNeighbourhood(q)
		if href != "" {
			http.Redirect(w, r, href, http.StatusSeeOther)
			return
		}
	}
	s.writeSearchPage(w, r, page, status)
}

// writeSearchPage renders the neighbourhood search form with its message.
func (s *Server) writeSearchPage(w http.ResponseWriter, r *http.Request, page web.SearchPage, status int) {
	var buf bytes.Buffer
	if err := web.RenderSearch(&buf, page); err != nil {
		writeError(w, r, err)
		return
	}
	s.setPageHeaders(w, "'self'")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// searchNeighbourhood resolves q as /v1/locate does: the page to go to, or
// a message, candidates and the status to show them with.
func (s *Server) searchNeighbourhood(q string) (href, msg string, choices []web.PageLink, status int) {
	body, err := s.locateQuery(q)
	if err != nil {
		if errors.Is(err, ErrLoading) {
			return "", "The crime data is still loading; try again in a moment.", nil, http.StatusServiceUnavailable
		}
		return "", fmt.Sprintf("Nothing matches %q. Try a full postcode (such as SO14 7LY) or a street name.", q), nil, http.StatusNotFound
	}
	if body.Ambiguous {
		for _, c := range body.Candidates {
			if c.Neighbourhood == nil {
				continue
			}
			link := web.PageLink{Href: hoodPath(*c.Force, c.Neighbourhood.ID), Text: c.Street + ", " + c.Neighbourhood.Name}
			if !slices.Contains(choices, link) {
				choices = append(choices, link)
			}
		}
		if len(choices) == 1 {
			return choices[0].Href, "", nil, 0
		}
		if len(choices) > 0 {
			return "", fmt.Sprintf("%q is in more than one neighbourhood; choose one.", q), choices, http.StatusOK
		}
	}
	if body.Neighbourhood == nil {
		return "", fmt.Sprintf("%q is outside every neighbourhood we have boundaries for.", q), nil, http.StatusNotFound
	}
	return hoodPath(*body.Force, body.Neighbourhood.ID), "", nil, 0
}

// handleNeighbourhoodPage answers GET /neighbourhoods/{force}/{id}.
func (s *Server) handleNeighbourhoodPage(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	p, err := s.neighbourhoodPage(r.Context(), snap, pathVar(r, "force"), pathVar(r, "id"), time.Now())
	if fault.KindOf(err) == fault.NotFound {
		// A person who followed a stale link gets the search form, not JSON.
		s.writeSearchPage(w, r, web.SearchPage{Message: fmt.Sprintf("There is no neighbourhood %q in force %q. Search by postcode or street instead.", pathVar(r, "id"), pathVar(r, "force"))}, http.StatusNotFound)
		return nil
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := web.RenderNeighbourhood(&buf, p); err != nil {
		return err
	}
	s.setPageHeaders(w, "'self'")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
	return nil
}

// neighbourhoodPage gathers a neighbourhood's page: its team data, the
// crimes in its boundary and its neighbours.
func (s *Server) neighbourhoodPage(ctx context.Context, snap *snapshot, force, id string, now time.Time) (web.NeighbourhoodPage, error) {
	teams, err := s.editedTeams(ctx, force, id)
	if err != nil {
		return web.NeighbourhoodPage{}, err
	}
	p := web.NeighbourhoodPage{Force: force, ID: id, ForceName: force, StyleURL: s.cfg.StyleURL, Attribution: geo.Attribution}
	reg, ri, located := s.hoods.region(force, id)
	d, err := teams.Get(force, id)
	if err != nil && !located {
		return p, err
	}
	if f, err := teams.Force(force); err == nil {
		p.ForceName, p.ForceURL = f.Name, webURL(f.URL.String())
	} else if i, ok := snap.ds.Forces().BySlug(force); ok {
		p.ForceName = snap.ds.Forces().Term(i).Name
	}
	p.Name = reg.Name
	if d != nil {
		p.Name = d.Name
		p.Description = template.HTML(neighbourhood.SanitizeHTML(d.Description.String()))
		p.Welcome = template.HTML(neighbourhood.SanitizeHTML(d.WelcomeMessage.String()))
		if n, err := strconv.Atoi(d.Population.String()); err == nil && n > 0 {
			p.Population = strconv.Itoa(n)
		}
		p.TeamURL = webURL(d.URLForce.String())
		p.Contacts = contactLinks(d.ContactDetails)
		for _, l := range d.Links {
			if u := webURL(l.URL.String()); u != "" {
				p.Links = append(p.Links, web.ContactLink{Href: template.URL(u), Text: cmpOr(plain(l.Title), u), Label: plain(l.Description)})
			}
		}
	}
	p.Name = html.UnescapeString(p.Name)
	// A neighbourhood listed without its own files still has a team
	// section; errors here only mean nothing was loaded.
	people, _ := teams.People(force, id)
	for _, pr := range people {
		p.Team = append(p.Team, web.TeamMember{Name: html.UnescapeString(pr.Name), Rank: plain(pr.Rank),
			Bio: template.HTML(neighbourhood.SanitizeHTML(pr.Bio.String())), Contacts: contactLinks(pr.ContactDetails)})
	}
	prios, _ := teams.Priorities(force, id)
	for _, pr := range prios {
		p.Priorities = append(p.Priorities, web.PagePriority{
			Issue: template.HTML(neighbourhood.SanitizeHTML(pr.Issue.String())), Action: template.HTML(neighbourhood.SanitizeHTML(pr.Action.String())),
			IssueDate: day(pr.IssueDate), ActionDate: day(pr.ActionDate),
		})
	}
	events, _ := teams.Events(force, id)
	for _, e := range neighbourhood.Upcoming(events, now) {
		p.Events = append(p.Events, pageEvent(e))
	}
	s.addHoodSchemes(ctx, &p, reg, located)
	if located {
		p.Boundary = rings(reg.Area)
		for _, j := range s.hoods.graph.Neighbours(ri) {
			n := s.hoods.regions[j]
			p.Neighbours = append(p.Neighbours, web.PageLink{Href: hoodPath(n.Force, n.ID), Text: html.UnescapeString(n.Name)})
		}
		if p.Crime, err = s.crimeSummary(ctx, snap, force, id, reg.Area); err != nil {
			return p, err
		}
	}
	return p, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// day is a date's YYYY-MM-DD, "" when absent.
func day(d neighbourhood.Date) string {
	if t, ok := d.Time(); ok {
		return t.Format("2006-01-02")
	}
	return ""
}

func pageEvent(e neighbourhood.Event) web.PageEvent {
	ev := web.PageEvent{Title: plain(e.Title), Type: plain(e.Type), Address: plain(e.Address),
		Description: template.HTML(neighbourhood.SanitizeHTML(e.Description.String())), Contacts: contactLinks(e.ContactDetails)}
	start, ok := e.StartDate.Time()
	if !ok {
		return ev
	}
	ev.Start, ev.When = start.Format("2006-01-02T15:04"), start.Format("Mon 2 January 2006, 15:04")
	if end, ok := e.EndDate.Time(); ok {
		ev.End = end.Format("2006-01-02T15:04")
		if end.Format("20060102") == start.Format("20060102") {
			ev.When += " to " + end.Format("15:04")
		} else {
			ev.When += " to " + end.Format("Mon 2 January 2006, 15:04")
		}
	}
	return ev
}

// webURL returns u if it is an absolute http or https URL, else "": the
// data's links go on the page only as web links.
func webURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// contactLinks turns contact details into links: telephone numbers as
// tel:, e-mail as mailto:, the rest as web links; a value that makes no
// such link is left out.
func contactLinks(c *neighbourhood.ContactDetails) []web.ContactLink {
	if c == nil {
		return nil
	}
	var out []web.ContactLink
	phone := func(label string, v neighbourhood.Text) {
		n := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, v.String())
		if n != "" {
			out = append(out, web.ContactLink{Label: label, Href: template.URL("tel:" + n), Text: strings.TrimSpace(v.String())})
		}
	}
	phone("Telephone", c.Telephone)
	phone("Mobile", c.Mobile)
	if e := strings.TrimSpace(c.Email.String()); strings.Count(e, "@") == 1 && !strings.ContainsAny(e, " <>\"?") {
		out = append(out, web.ContactLink{Label: "Email", Href: template.URL("mailto:" + url.PathEscape(e)), Text: e})
	}
	for _, w := range []struct {
		label string
		v     neighbourhood.Text
	}{{"Website", c.Web}, {"Facebook", c.Facebook}, {"Twitter", c.Twitter}, {"YouTube", c.YouTube}, {"Flickr", c.Flickr}, {"Blog", c.Blog}, {"Forum", c.Forum}, {"RSS", c.RSS}} {
		if u := webURL(w.v.String()); u != "" {
			out = append(out, web.ContactLink{Label: w.label, Href: template.URL(u), Text: u})
		}
	}
	for _, o := range c.Other {
		if u := webURL(o.Value.String()); u != "" {
			out = append(out, web.ContactLink{Label: o.Key, Href: template.URL(u), Text: u})
		}
	}
	return out
}

// crimeSummary counts the crimes in area: the force's latest month by type
// against the month before and a year before, the 12 months to it, and
// their outcomes by group. Nil when the force has no crime data.
func (s *Server) crimeSummary(ctx context.Context, snap *snapshot, force, id string, area *geo.Polygon) (*web.CrimeSummary, error) {
	ds := snap.ds
	latest, ok := s.hoods.forceLatest(ds)[force]
	if !ok {
		return nil, nil
	}
	f := geo.Filter{From: latest - trendMonths, To: latest}
	k, err := ds.Count(ctx, area, &f)
	if err != nil {
		return nil, fmt.Errorf("neighbourhood %s/%s: %w", force, id, err)
	}
	col := func(m geo.Month) (int, bool) { return slices.BinarySearch(k.Months, m) }
	c := &web.CrimeSummary{Month: latest.String(), Previous: (latest - 1).String(), YearAgo: (latest - 12).String()}
	cur, _ := col(latest)
	prev, hasPrev := col(latest - 1)
	ago, hasAgo := col(latest - 12)
	c.HasPrevious, c.HasYearAgo = hasPrev, hasAgo
	cats := ds.Categories()
	at := func(cat, i int, has bool) int {
		if !has {
			return 0
		}
		return k.At(geo.Category(cat), i)
	}
	for cat := 0; cat < k.NumCategories; cat++ {
		t := web.TypeChange{Slug: cats.Term(cat).Slug, Name: cats.Term(cat).Name,
			Count: at(cat, cur, true), PreviousCount: at(cat, prev, hasPrev), YearAgoCount: at(cat, ago, hasAgo)}
		c.Total += t.Count
		c.PreviousTotal += t.PreviousCount
		c.YearAgoTotal += t.YearAgoCount
		if t.Count+t.PreviousCount+t.YearAgoCount > 0 {
			c.Types = append(c.Types, t)
		}
	}
	slices.SortStableFunc(c.Types, func(a, b web.TypeChange) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	for m := latest - trendMonths + 1; m <= latest; m++ {
		n := 0
		if i, ok := col(m); ok {
			n = k.ByMonth(i)
		}
		c.Trend = append(c.Trend, web.MonthCount{Month: m.String(), Count: n})
		c.TrendMax = max(c.TrendMax, n)
	}
	for i := range c.Trend {
		if c.TrendMax > 0 {
			c.Trend[i].Percent = c.Trend[i].Count * 100 / c.TrendMax
		}
	}
	if err := s.outcomeShares(ctx, ds, area, latest, c); err != nil {
		return nil, fmt.Errorf("neighbourhood %s/%s: %w", force, id, err)
	}
	q := s.hoodAreaQuery(force, id, area)
	q.Set("from", c.Month)
	q.Set("to", c.Month)
	csv := url.Values{"format": {"csv"}, "limit": {strconv.Itoa(MaxPageSize)}}
	for k, v := range q {
		csv[k] = v
	}
	c.CSVURL = "/v1/crimes?" + csv.Encode()
	b := area.Bound()
	mq := url.Values{"from": {c.Month}, "to": {c.Month}}
	centre := b.Center()
	c.MapURL = "/?" + mq.Encode() + "#" + strconv.FormatFloat(zoomForRadius(geo.Distance(b.Min[0], b.Min[1], b.Max[0], b.Max[1])/2), 'f', 2, 64) + "/" +
		strconv.FormatFloat(centre[1], 'f', 5, 64) + "/" + strconv.FormatFloat(centre[0], 'f', 5, 64)
	return c, nil
}

// outcomeShares counts the crimes of the trend's months, but anti-social
// behaviour, by outcome group (geo.GroupOf).
func (s *Server) outcomeShares(ctx context.Context, ds *geo.Dataset, area geo.Area, latest geo.Month, c *web.CrimeSummary) error {
	f := geo.Filter{From: latest - trendMonths + 1, To: latest}
	asb, hasASB := ds.Categories().BySlug("anti-social-behaviour")
	for i := 0; i < ds.Categories().Len(); i++ {
		if !hasASB || i != asb {
			f.Categories.Add(i)
		}
	}
	sets := geo.OutcomeGroupSets(ds.Outcomes())
	counts := make([]int, geo.NumOutcomeGroups)
	for g := range geo.NumOutcomeGroups {
		if sets[g].Empty() {
			continue
		}
		f.Outcomes = sets[g]
		k, err := ds.Count(ctx, area, &f)
		if err != nil {
			return err
		}
		counts[g] = k.Total
		c.OutcomesTotal += k.Total
	}
	for g, n := range counts {
		share := web.OutcomeShare{Group: geo.OutcomeGroup(g).String(), Count: n}
		if c.OutcomesTotal > 0 {
			share.Percent = (n*100 + c.OutcomesTotal/2) / c.OutcomesTotal
		}
		c.Outcomes = append(c.Outcomes, share)
	}
	return nil
}

// hoodAreaQuery names a neighbourhood's area for the /v1/ API: boundary=ID
// where its KML boundary is loaded, else its outline as poly=.
func (s *Server) hoodAreaQuery(force, id string, area *geo.Polygon) url.Values {
	key := force + "/" + id
	if _, ok := s.deps.Boundaries.Get(key); ok {
		return url.Values{"boundary": {key}}
	}
	var b strings.Builder
	if mp := area.MultiPolygon(); len(mp) > 0 && len(mp[0]) > 0 {
		for i, pt := range mp[0][0] {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(strconv.FormatFloat(pt[1], 'f', -1, 64) + "," + strconv.FormatFloat(pt[0], 'f', -1, 64))
		}
	}
	return url.Values{"poly": {b.String()}}
}

// forceMonths holds each force's latest month for one dataset version.
type forceMonths struct {
	ds     *geo.Dataset
	latest map[string]geo.Month
}

// forceLatest returns, by force id, the latest month with at least
// 1/geo.LatestShare of the force's busiest month's crimes: the dataset's
// rule applied to one force, so another force's later month, or a few stray
// rows, do not set it. Computed once per dataset version.
func (ix *hoodIndex) forceLatest(ds *geo.Dataset) map[string]geo.Month {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if v := ix.months; v != nil && v.ds == ds {
		return v.latest
	}
	out := map[string]geo.Month{}
	lo, counts := ds.ForceMonthCounts()
	for f, byMonth := range counts {
		if byMonth == nil {
			continue
		}
		out[ds.Forces().Term(f).Slug] = lo + geo.Month(geo.LatestIndex(byMonth))
	}
	ix.months = &forceMonths{ds: ds, latest: out}
	return out
}

// parseEmbedNeighbourhood reads neighbourhood=force/id and the filter, and
// counts the crimes in its boundary in the latest month of the force's
// data the filter allows.
func (s *Server) parseEmbedNeighbourhood(r *http.Request, ds *geo.Dataset) (web.EmbedPage, error) {
	var p web.EmbedPage
	v := formValue(r, "neighbourhood")
	force, id, _ := strings.Cut(v, "/")
	reg, _, ok := s.hoods.region(force, id)
	if !ok {
		return p, paramError("neighbourhood", "want force/id of a neighbourhood with a boundary, got %q", v)
	}
	f, err := s.parseFilter(r, ds)
	if err != nil {
		return p, err
	}
	b := reg.Area.Bound()
	c := b.Center()
	p = web.EmbedPage{Lat: c[1], Lng: c[0], FitRadius: true, Place: html.UnescapeString(reg.Name), Boundary: rings(reg.Area),
		StyleURL: s.cfg.StyleURL, OSMBasemap: s.deps.Basemap != nil, Attribution: geo.Attribution}
	p.Zoom = zoomForRadius(geo.Distance(b.Min[0], b.Min[1], b.Max[0], b.Max[1]) / 2)
	q := url.Values{}
	for _, k := range pageFilterParams {
		if v := formValue(r, k); v != "" {
			q.Set(k, v)
		}
	}
	if latest, ok := s.hoods.forceLatest(ds)[force]; ok && (f.To == 0 || f.To > latest) {
		f.To = latest
	}
	if err := embedSummary(r.Context(), ds, reg.Area, f, &p, q); err != nil {
		return p, err
	}
	p.MapURL = hoodPath(force, id)
	return p, nil
}

// rings is an area's outline as [lng,lat] rings, for the page scripts.
func rings(area *geo.Polygon) [][][2]float64 {
	var out [][][2]float64
	for _, part := range area.MultiPolygon() {
		for _, ring := range part {
			rr := make([][2]float64, len(ring))
			for k, pt := range ring {
				rr[k] = [2]float64{pt[0], pt[1]}
			}
			out = append(out, rr)
		}
	}
	return out
}
