package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"crimemap/geo"
)

// Paging limits of /v1/crimes.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 10_000
)

type metaTerm struct {
	Slug string `json:"url"`
	Name string `json:"name"`
}

type meta struct {
	Version     string      `json:"version"`
	Crimes      int         `json:"crimes"`
	Located     int         `json:"located"`
	Points      int         `json:"points"`
	Months      []geo.Month `json:"months"`
	LatestMonth geo.Month   `json:"latest_month"`
	// DefaultFrom, DefaultTo and DataBounds are where the map opens: the
	// last 12 months most forces have published, and the middle 98% of
	// the crimes' positions.
	DefaultFrom geo.Month  `json:"default_from"`
	DefaultTo   geo.Month  `json:"default_to"`
	DataBounds  [4]float64 `json:"data_bounds"`
	Categories  []metaTerm `json:"categories"`
	Forces      []metaTerm `json:"forces"`
	Outcomes    []metaTerm `json:"outcomes"`
	Bounds      [4]float64 `json:"bounds"`
	Center      [3]float64 `json:"center"`
	StyleURL    string     `json:"style_url,omitempty"`
	Attribution string     `json:"attribution"`
	Limits      limits     `json:"limits"`
	Stops       stopsMeta  `json:"stops"`
}

type limits struct {
	MaxRadiusM    float64 `json:"max_radius_m"`
	MaxPageSize   int     `json:"max_page_size"`
	MaxPolyPoints int     `json:"max_poly_points"`
	PoliceMax     int     `json:"police_api_max_results"`
}

func terms(v *geo.Vocab, keep func(i int) bool) []metaTerm {
	out := []metaTerm{}
	for i, t := range v.Terms() {
		if keep(i) {
			out = append(out, metaTerm(t))
		}
	}
	return out
}

func (s *Server) handleMeta(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	b := ds.Bound()
	c := b.Center()
	m := meta{
		Version: ds.Version(), Crimes: ds.Len(), Located: ds.Located(), Points: ds.NumPoints(),
		Months: ds.Months(), LatestMonth: ds.LatestMonth(),
		DefaultFrom: snap.view.From, DefaultTo: snap.view.To,
		DataBounds: [4]float64{snap.view.Bounds.Min[0], snap.view.Bounds.Min[1], snap.view.Bounds.Max[0], snap.view.Bounds.Max[1]},
		Categories: terms(ds.Categories(), func(i int) bool { return snap.totals.ByCategory(geo.Category(i)) > 0 }),
		Forces:     terms(ds.Forces(), func(i int) bool { return snap.forceUsed(i) }),
		Outcomes:   terms(ds.Outcomes(), func(i int) bool { return i != int(geo.NoOutcome) }),
		Bounds:     [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]},
		Center:     [3]float64{c[0], c[1], 10},
		StyleURL:   s.cfg.StyleURL, Attribution: geo.Attribution,
		Limits: limits{MaxRadiusM: MaxRadiusM, MaxPageSize: MaxPageSize, MaxPolyPoints: MaxPolyPoints, PoliceMax: MaxPoliceResults},
		Stops:  stopsMetaOf(snap.stops),
	}
	if m.Months == nil {
		m.Months = []geo.Month{}
	}
	writeJSON(w, r, http.StatusOK, m)
	return nil
}

// forceUsed reports whether any crime belongs to force i.
func (snap *snapshot) forceUsed(i int) bool { return snap.forcesUsed.Has(i) }

// crimeRow is one crime of /v1/crimes, as GeoJSON properties or a CSV row.
type crimeRow struct {
	ID           int64   `json:"id"`
	PersistentID string  `json:"persistent_id"`
	Month        string  `json:"month"`
	Category     string  `json:"category"`
	Force        string  `json:"force"`
	Outcome      string  `json:"outcome"`
	OutcomeName  string  `json:"outcome_name"`
	LocationID   int64   `json:"location_id"`
	Street       string  `json:"street"`
	LSOACode     string  `json:"lsoa_code"`
	LSOAName     string  `json:"lsoa_name"`
	Context      string  `json:"context"`
	Lon          float64 `json:"-"`
	Lat          float64 `json:"-"`
}

// crimeCSVHeader ends with WKT, the column GDAL's CSV driver (and QGIS's
// delimited text) reads as the geometry without being told, so a download
// opens as points in EPSG:4326 as it is.
var crimeCSVHeader = []string{"id", "persistent_id", "month", "category", "force", "outcome", "outcome_name", "location_id", "street", "lsoa_code", "lsoa_name", "longitude", "latitude", "context", "WKT"}

func (r *crimeRow) csv() []string {
	lon, lat := formatCoord(r.Lon), formatCoord(r.Lat)
	return []string{strconv.FormatInt(r.ID, 10), r.PersistentID, r.Month, r.Category, r.Force, r.Outcome, r.OutcomeName,
		strconv.FormatInt(r.LocationID, 10), r.Street, r.LSOACode, r.LSOAName, lon, lat, r.Context, "POINT (" + lon + " " + lat + ")"}
}

func rowOf(ds *geo.Dataset, c geo.CrimeID, p geo.PointID) crimeRow {
	pt := ds.Point(p)
	o := ds.Outcomes().Term(int(ds.Outcome(c)))
	return crimeRow{
		ID: ds.PublicID(c), PersistentID: ds.PersistentID(c), Month: ds.Month(c).String(),
		Category: ds.Categories().Term(int(ds.Category(c))).Slug,
		Force:    ds.Forces().Term(int(ds.Force(c))).Slug,
		Outcome:  o.Slug, OutcomeName: o.Name,
		LocationID: ds.LocationID(p), Street: pt.Street, LSOACode: pt.LSOACode, LSOAName: pt.LSOAName,
		Context: ds.Context(c), Lon: pt.Lon, Lat: pt.Lat,
	}
}

// parseFormat reads format: geojson (default), json or csv.
func parseFormat(r *http.Request, allowed ...string) (string, error) {
	f := formValue(r, "format")
	if f == "" {
		return allowed[0], nil
	}
	if !slices.Contains(allowed, f) {
		return "", paramError("format", "want one of %s, got %q", strings.Join(allowed, ", "), f)
	}
	return f, nil
}

// cursor values are "<dataset version>.<position>", the listing key
// (geo.Dataset.ListingKey) of the crime after which the page starts, or a
// stop's position: a page is only meaningful within one version.
func parseCursor(r *http.Request, version string) (int64, error) {
	v := formValue(r, "cursor")
	if v == "" {
		return -1, nil
	}
	ver, id, ok := strings.Cut(v, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n < 0 {
		return 0, paramError("cursor", "malformed cursor %q", v)
	}
	if ver != version {
		return 0, paramError("cursor", "cursor is from dataset version %q, now %q; start again without cursor", ver, version)
	}
	return n, nil
}

func parseLimit(r *http.Request, def, max int) (int, error) {
	v := formValue(r, "limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, paramError("limit", "want an integer 1..%d, got %q", max, v)
	}
	return n, nil
}

// crimesPageParams are the parameters of /v1/crimes that a next-page link
// carries. Nothing else of the request is echoed: a query padded with junk
// would otherwise come back as a header line too long for many clients.
var crimesPageParams = []string{"format", "limit", "lat", "lng", "radius_m", "bbox", "poly", "boundary",
	"from", "to", "category", "force", "outcome"}

// nextLink is the Link header value of the page after cursor, carrying
// the request's params.
func nextLink(r *http.Request, cursor string, params []string) string {
	in := r.URL.Query()
	q := url.Values{"cursor": {cursor}}
	for _, p := range params {
		if v := in.Get(p); v != "" {
			q.Set(p, v)
		}
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return "<" + u.String() + `>; rel="next"`
}

func (s *Server) handleCrimes(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	format, err := parseFormat(r, "geojson", "csv")
	if err != nil {
		return err
	}
	f, err := s.parseFilter(r, snap.ds)
	if err != nil {
		return err
	}
	after, err := parseCursor(r, ds.Version())
	if err != nil {
		return err
	}
	limit, err := parseLimit(r, DefaultPageSize, MaxPageSize)
	if err != nil {
		return err
	}
	a, err := s.requireArea(r, MaxRadiusM)
	if err != nil {
		return err
	}
	if format == "geojson" && after < 0 {
		runs, ok, err := firstPageRuns(r.Context(), snap, a, &f, limit)
		if err != nil {
			return err
		}
		if ok {
			w.Header().Set("X-Dataset-Version", ds.Version())
			writeCrimeCollection(w, r, ds, "", func(sb *streamBody) {
				for i, run := range runs {
					if i > 0 {
						sb.b = append(sb.b, ',')
					}
					sb.b = append(sb.b, run.b[:len(run.b)-1]...)
					sb.maybeFlush()
				}
			})
			return nil
		}
	}
	pg, err := ds.PageIn(r.Context(), a, &f, after, limit)
	if err != nil {
		return err
	}
	next := ""
	if pg.More {
		next = ds.Version() + "." + strconv.FormatInt(int64(pg.Next), 10)
		w.Header().Set("Link", nextLink(r, next, crimesPageParams))
	}
	w.Header().Set("X-Dataset-Version", ds.Version())
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if next != "" {
			w.Header().Set("X-Next-Cursor", next)
		}
		cw := csv.NewWriter(w)
		_ = cw.Write(crimeCSVHeader)
		for i, c := range pg.Crimes {
			row := rowOf(ds, c, pg.Points[i])
			_ = cw.Write(row.csv())
		}
		cw.Flush()
		return nil
	}
	lw := newListingWriter(snap, featureFormat)
	writeCrimeCollection(w, r, ds, next, func(sb *streamBody) {
		for i, c := range pg.Crimes {
			if i > 0 {
				sb.b = append(sb.b, ',')
			}
			sb.b = lw.appendCrime(sb.b, c, pg.Points[i])
			sb.maybeFlush()
		}
	})
	return nil
}

// writeCrimeCollection writes a /v1/crimes FeatureCollection whose features
// features appends, with next as its next_cursor ("" for none).
func writeCrimeCollection(w http.ResponseWriter, r *http.Request, ds *geo.Dataset, next string, features func(*streamBody)) {
	w.Header().Set("Content-Type", "application/geo+json")
	sb := newStreamBody(w, r)
	sb.b = append(sb.b, `{"type":"FeatureCollection","features":[`...)
	features(sb)
	sb.b = append(sb.b, `],"dataset_version":`...)
	sb.b = appendJSONString(sb.b, ds.Version())
	sb.b = append(sb.b, `,"next_cursor":`...)
	if next == "" {
		sb.b = append(sb.b, "null"...)
	} else {
		sb.b = appendJSONString(sb.b, next)
	}
	sb.b = append(sb.b, "}\n"...)
	sb.finish()
}

type countItem struct {
	Category string `json:"category,omitempty"`
	Name     string `json:"name,omitempty"`
	Month    string `json:"month,omitempty"`
	Count    int    `json:"count"`
}

type countsBody struct {
	Total           int         `json:"total"`
	ByCategory      []countItem `json:"by_category,omitempty"`
	ByMonth         []countItem `json:"by_month,omitempty"`
	ByCategoryMonth []countItem `json:"by_category_month,omitempty"`
}

// parseGroupBy reads group_by: a comma list (or repeated parameter) of
// category and month.
func parseGroupBy(r *http.Request) (byCat, byMonth bool, err error) {
	if r.Form == nil {
		_ = r.ParseForm()
	}
	vals := r.Form["group_by"]
	for _, v := range vals {
		for _, g := range strings.Split(v, ",") {
			switch strings.TrimSpace(g) {
			case "category":
				byCat = true
			case "month":
				byMonth = true
			case "":
			default:
				return false, false, paramError("group_by", "want category and/or month, got %q", g)
			}
		}
	}
	return byCat, byMonth, nil
}

func (s *Server) handleCounts(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	g, err := s.parseGrouped(r, snap.ds, "json", "csv")
	if err != nil {
		return err
	}
	format, byCat, byMonth := g.format, g.byCat, g.byMonth
	k, err := ds.Count(r.Context(), g.area, &g.filter)
	if err != nil {
		return err
	}
	body := countsBody{Total: k.Total}
	cats := ds.Categories()
	if byCat && !byMonth {
		body.ByCategory = []countItem{}
		for c := 0; c < k.NumCategories; c++ {
			if n := k.ByCategory(geo.Category(c)); n > 0 {
				t := cats.Term(c)
				body.ByCategory = append(body.ByCategory, countItem{Category: t.Slug, Name: t.Name, Count: n})
			}
		}
	}
	if byMonth && !byCat {
		body.ByMonth = []countItem{}
		for i, m := range k.Months {
			body.ByMonth = append(body.ByMonth, countItem{Month: m.String(), Count: k.ByMonth(i)})
		}
	}
	if byCat && byMonth {
		body.ByCategoryMonth = []countItem{}
		for c := 0; c < k.NumCategories; c++ {
			if k.ByCategory(geo.Category(c)) == 0 {
				continue
			}
			t := cats.Term(c)
			for i, m := range k.Months {
				body.ByCategoryMonth = append(body.ByCategoryMonth, countItem{Category: t.Slug, Name: t.Name, Month: m.String(), Count: k.At(geo.Category(c), i)})
			}
		}
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		switch {
		case byCat && byMonth:
			_ = cw.Write([]string{"category", "month", "count"})
			for _, it := range body.ByCategoryMonth {
				_ = cw.Write([]string{it.Category, it.Month, strconv.Itoa(it.Count)})
			}
		case byCat:
			_ = cw.Write([]string{"category", "count"})
			for _, it := range body.ByCategory {
				_ = cw.Write([]string{it.Category, strconv.Itoa(it.Count)})
			}
		case byMonth:
			_ = cw.Write([]string{"month", "count"})
			for _, it := range body.ByMonth {
				_ = cw.Write([]string{it.Month, strconv.Itoa(it.Count)})
			}
		default:
			_ = cw.Write([]string{"count"})
			_ = cw.Write([]string{strconv.Itoa(body.Total)})
		}
		cw.Flush()
		return nil
	}
	writeJSON(w, r, http.StatusOK, body)
	return nil
}

// streetIndex answers street-name searches over the snap points.
type streetIndex struct {
	lower []string // lower-case street name per point
}

type streetHit struct {
	LocationID int64   `json:"location_id"`
	Street     string  `json:"street"`
	Latitude   float64 `json:"lat"`
	Longitude  float64 `json:"lng"`
}

// MaxStreetResults bounds /v1/streets.
const MaxStreetResults = 100

func (s *Server) handleStreets(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	q := strings.ToLower(strings.TrimSpace(formValue(r, "q")))
	q = strings.TrimPrefix(q, "on or near ")
	if len(q) < 2 {
		return paramError("q", "want at least 2 characters of a street name")
	}
	limit, err := parseLimit(r, 20, MaxStreetResults)
	if err != nil {
		return err
	}
	out := []streetHit{}
	for p, name := range snap.streets.lower {
		if !strings.Contains(name, q) {
			continue
		}
		lon, lat := snap.ds.PointLonLat(geo.PointID(p))
		out = append(out, streetHit{LocationID: snap.ds.LocationID(geo.PointID(p)), Street: snap.ds.PointStreet(geo.PointID(p)), Latitude: lat, Longitude: lon})
		if len(out) == limit {
			break
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}
