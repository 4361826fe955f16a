package server

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/paulmach/orb/encoding/wkt"
	"github.com/uber/h3-go/v4"

	"crimemap/analysis"
	"crimemap/geo"
)

// Limits of the hex endpoints.
const (
	// MaxHexCells bounds the cells of a /v1/hex or /v1/change answer; a
	// request beyond it gets 400 naming the finest resolution that fits.
	MaxHexCells = 50_000
	// MaxCellK bounds k of /v1/hex/{cell}.
	MaxCellK = 10
)

// cellLimitParam reports a hex answer over its cell limit against res,
// naming the finest resolution that fits; other errors pass unchanged.
func cellLimitParam(err error) error {
	var le *geo.CellLimitError
	if !errors.As(err, &le) {
		return err
	}
	msg := fmt.Sprintf("%d cells at resolution %d exceed the limit of %d even at resolution 0; use a smaller area", le.Cells, le.Res, le.Limit)
	if le.Fits >= 0 {
		msg = fmt.Sprintf("%d cells at resolution %d exceed the limit of %d; use res=%d or a smaller area", le.Cells, le.Res, le.Limit, le.Fits)
	}
	return &ParamError{Param: "res", Msg: msg, Err: err}
}

// handleHex serves /v1/hex: crime counts per H3 cell over an area (or
// everywhere), as GeoJSON polygons or CSV.
func (s *Server) handleHex(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	g, err := s.parseGrouped(r, snap.ds, "geojson", "csv")
	if err != nil {
		return err
	}
	res, err := parseRes(r, true, 0)
	if err != nil {
		return err
	}
	format, byCat, byMonth := g.format, g.byCat, g.byMonth
	hc, err := ds.HexCounts(r.Context(), geo.HexQuery{Res: res, Area: g.area, Filter: g.filter, ByCategory: byCat, ByMonth: byMonth, Limit: MaxHexCells})
	if err != nil {
		return cellLimitParam(err)
	}
	if format == "csv" {
		writeHexCSV(w, ds, hc)
		return nil
	}
	writeHexGeoJSON(w, r, ds, hc)
	return nil
}

func writeHexCSV(w http.ResponseWriter, ds *geo.Dataset, hc *geo.HexCounts) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	head := []string{"h3", "count"}
	if hc.HasCategories() {
		for _, t := range ds.Categories().Terms() {
			head = append(head, t.Slug)
		}
	}
	if hc.HasMonths() {
		for _, m := range hc.Months {
			head = append(head, m.String())
		}
	}
	// The cell's centre and its polygon as WKT close the row: GDAL and QGIS
	// open the file as polygons without options (see crimeCSVHeader).
	head = append(head, "longitude", "latitude", "WKT")
	_ = cw.Write(head)
	row := make([]string, len(head))
	for i, c := range hc.Cells {
		row = append(row[:0], c.String(), strconv.Itoa(int(hc.Count[i])))
		if hc.HasCategories() {
			for k := 0; k < hc.NumCategories; k++ {
				row = append(row, strconv.Itoa(hc.Category(i, geo.Category(k))))
			}
		}
		if hc.HasMonths() {
			for m := range hc.Months {
				row = append(row, strconv.Itoa(hc.Month(i, m)))
			}
		}
		centre := c.LatLng()
		row = append(row, formatCoord(centre.Lng), formatCoord(centre.Lat), wkt.MarshalString(geo.CellGeometry(c)))
		_ = cw.Write(row)
	}
	cw.Flush()
}

func writeHexGeoJSON(w http.ResponseWriter, r *http.Request, ds *geo.Dataset, hc *geo.HexCounts) {
	w.Header().Set("Content-Type", "application/geo+json")
	if r.Method == http.MethodHead {
		return
	}
	fw := newFeatureWriter(w)
	fw.buf = fmt.Appendf(fw.buf, `{"type":"FeatureCollection","res":%d,"total":%d,"dataset_version":%q,"features":[`, hc.Res, hc.Total, ds.Version())
	// Property keys are quoted once, not per cell.
	catKeys := make([][]byte, hc.NumCategories)
	for k := range catKeys {
		catKeys[k], _ = json.Marshal(ds.Categories().Term(k).Slug)
	}
	monthKeys := make([][]byte, len(hc.Months))
	for m, month := range hc.Months {
		monthKeys[m] = []byte(`"` + month.String() + `"`)
	}
	var geoms [][]byte
	for i, c := range hc.Cells {
		if i > 0 {
			fw.buf = append(fw.buf, ',')
		}
		if i%geomBatch == 0 {
			geoms = geo.CellGeoJSON(hc.Cells[i:min(i+geomBatch, len(hc.Cells))])
		}
		fw.start(c, geoms[i%geomBatch])
		fw.intProp("count", int(hc.Count[i]))
		if hc.HasCategories() {
			fw.buf = append(fw.buf, `,"by_category":{`...)
			first := true
			for k := 0; k < hc.NumCategories; k++ {
				if n := hc.Category(i, geo.Category(k)); n > 0 {
					if !first {
						fw.buf = append(fw.buf, ',')
					}
					first = false
					fw.buf = append(fw.buf, catKeys[k]...)
					fw.buf = append(fw.buf, ':')
					fw.buf = strconv.AppendInt(fw.buf, int64(n), 10)
				}
			}
			fw.buf = append(fw.buf, '}')
		}
		if hc.HasMonths() {
			fw.buf = append(fw.buf, `,"by_month":{`...)
			for m := range hc.Months {
				if m > 0 {
					fw.buf = append(fw.buf, ',')
				}
				fw.buf = append(fw.buf, monthKeys[m]...)
				fw.buf = append(fw.buf, ':')
				fw.buf = strconv.AppendInt(fw.buf, int64(hc.Month(i, m)), 10)
			}
			fw.buf = append(fw.buf, '}')
		}
		fw.end()
	}
	fw.buf = append(fw.buf, "]}\n"...)
	fw.flush()
}

type cellCount struct {
	H3    string `json:"h3"`
	Count int    `json:"count"`
}

type hexCellBody struct {
	H3         string      `json:"h3"`
	Res        int         `json:"res"`
	K          int         `json:"k"`
	Total      int         `json:"total"`
	Cells      []cellCount `json:"cells"`
	ByCategory []countItem `json:"by_category"`
	ByMonth    []countItem `json:"by_month"`
}

// handleHexCell serves /v1/hex/{cell}: counts by category and month for one
// cell or, with k, for its k-ring.
func (s *Server) handleHexCell(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	cell, err := geo.ParseCell(pathVar(r, "cell"))
	if err != nil {
		return paramError("cell", "want an H3 cell index of resolution 0..%d such as 89194ad3353ffff, got %q", geo.FinestRes, pathVar(r, "cell"))
	}
	k, err := parseSmallInt(r, "k", 0, MaxCellK, 0, false)
	if err != nil {
		return err
	}
	f, err := s.parseFilter(r, snap.ds)
	if err != nil {
		return err
	}
	cells := []h3.Cell{cell}
	if k > 0 {
		cells = h3.GridDisk(cell, k)
	}
	cc, err := ds.CountCells(r.Context(), cells, &f)
	if err != nil {
		return err
	}
	body := hexCellBody{H3: cell.String(), Res: geo.CellRes(cell), K: k, Total: cc.Total,
		Cells: make([]cellCount, len(cells)), ByCategory: []countItem{}, ByMonth: []countItem{}}
	for i, c := range cc.Cells {
		body.Cells[i] = cellCount{H3: c.String(), Count: cc.Count[i]}
	}
	for c := 0; c < cc.NumCategories; c++ {
		if n := cc.ByCategory(geo.Category(c)); n > 0 {
			t := ds.Categories().Term(c)
			body.ByCategory = append(body.ByCategory, countItem{Category: t.Slug, Name: t.Name, Count: n})
		}
	}
	for i, m := range cc.Months {
		body.ByMonth = append(body.ByMonth, countItem{Month: m.String(), Count: cc.ByMonth(i)})
	}
	writeJSON(w, r, http.StatusOK, body)
	return nil
}

// handleHotspots serves /v1/hotspots: Getis-Ord Gi* per cell of the study
// area, as GeoJSON.
func (s *Server) handleHotspots(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	res, err := parseRes(r, true, 0)
	if err != nil {
		return err
	}
	k, err := parseSmallInt(r, "k", 1, analysis.MaxK, 1, false)
	if err != nil {
		return err
	}
	f, err := s.parseFilter(r, snap.ds)
	if err != nil {
		return err
	}
	a, err := s.requireArea(r, MaxRadiusM)
	if err != nil {
		return err
	}
	hs, err := analysis.FindHotspots(r.Context(), ds, analysis.HotspotQuery{Res: res, K: k, Area: a, Filter: f})
	if errors.Is(err, analysis.ErrBadK) {
		return paramCause("k", err)
	}
	if err != nil {
		return cellLimitParam(err)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	if r.Method == http.MethodHead {
		return nil
	}
	fw := newFeatureWriter(w)
	fw.buf = fmt.Appendf(fw.buf, `{"type":"FeatureCollection","res":%d,"k":%d,"cells":%d,"total":%d,"mean":%s,"sd":%s,"dataset_version":%q,"features":[`,
		hs.Res, hs.K, len(hs.Cells), hs.Total, jsonFloat(hs.Mean), jsonFloat(hs.SD), ds.Version())
	writeFeatures(fw, hs.Cells, func(h *analysis.Hotspot) h3.Cell { return h.Cell }, func(h *analysis.Hotspot) {
		fw.intProp("count", h.Count)
		fw.floatProp("z", h.Z)
		fw.floatProp("p", h.P)
		fw.intProp("bin", h.Bin)
	})
	fw.buf = append(fw.buf, "]}\n"...)
	fw.flush()
	return nil
}

type changeItem struct {
	H3      string   `json:"h3"`
	Base    int      `json:"base"`
	Current int      `json:"current"`
	Diff    int      `json:"diff"`
	Pct     *float64 `json:"pct"`
}

type changeBody struct {
	Res           int          `json:"res"`
	BaseFrom      string       `json:"base_from"`
	BaseTo        string       `json:"base_to"`
	From          string       `json:"from"`
	To            string       `json:"to"`
	BaseMonths    int          `json:"base_months"`
	CurrentMonths int          `json:"current_months"`
	Summary       changeItem   `json:"summary"`
	Cells         []changeItem `json:"cells,omitzero"`
}

func changeItemOf(c analysis.CellChange) changeItem {
	it := changeItem{H3: "all", Base: c.Base, Current: c.Current, Diff: c.Diff}
	if c.Cell != 0 {
		it.H3 = c.Cell.String()
	}
	if c.HasPct {
		p := math.Round(c.Pct*1e6) / 1e6
		it.Pct = &p
	}
	return it
}

// handleChange serves /v1/change: per-cell counts in a base period
// (base_from..base_to) and a current one (from..to), their difference and
// percent change, the whole area first.
func (s *Server) handleChange(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	format, err := parseFormat(r, "json", "csv", "geojson")
	if err != nil {
		return err
	}
	res, err := parseRes(r, true, 0)
	if err != nil {
		return err
	}
	cur, err := s.parseFilter(r, snap.ds)
	if err != nil {
		return err
	}
	base := cur
	if base.From, err = parseMonthParam(r, "base_from"); err != nil {
		return err
	}
	if base.To, err = parseMonthParam(r, "base_to"); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		m    geo.Month
	}{{"from", cur.From}, {"to", cur.To}, {"base_from", base.From}, {"base_to", base.To}} {
		if p.m == 0 {
			return paramError(p.name, "required: a month as YYYY-MM")
		}
	}
	if base.From > base.To {
		return paramError("base_to", "must not be before base_from (%s > %s)", base.From, base.To)
	}
	a, err := s.parseArea(r, MaxRadiusM)
	if err != nil && !errors.Is(err, errNoArea) {
		return err
	}
	ch, err := analysis.PeriodChange(r.Context(), ds, analysis.ChangeQuery{Res: res, Area: a, Current: cur, Base: base, Limit: MaxHexCells})
	if err != nil {
		return cellLimitParam(err)
	}
	body := changeBody{Res: res, BaseFrom: base.From.String(), BaseTo: base.To.String(), From: cur.From.String(), To: cur.To.String(),
		BaseMonths: ch.BaseMonths, CurrentMonths: ch.CurrentMonths, Summary: changeItemOf(ch.Summary), Cells: make([]changeItem, len(ch.Cells))}
	for i, c := range ch.Cells {
		body.Cells[i] = changeItemOf(c)
	}
	if format == "geojson" {
		writeChangeGeoJSON(w, r, ds, body, ch)
		return nil
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"h3", "base", "current", "diff", "pct"})
		for _, it := range append([]changeItem{body.Summary}, body.Cells...) {
			pct := ""
			if it.Pct != nil {
				pct = strconv.FormatFloat(*it.Pct, 'f', -1, 64)
			}
			_ = cw.Write([]string{it.H3, strconv.Itoa(it.Base), strconv.Itoa(it.Current), strconv.Itoa(it.Diff), pct})
		}
		cw.Flush()
		return nil
	}
	writeJSON(w, r, http.StatusOK, body)
	return nil
}

// writeChangeGeoJSON writes a change as cell polygons, the whole-area
// summary and the periods as members of the collection ahead of the cells.
func writeChangeGeoJSON(w http.ResponseWriter, r *http.Request, ds *geo.Dataset, body changeBody, ch *analysis.Change) {
	w.Header().Set("Content-Type", "application/geo+json")
	if r.Method == http.MethodHead {
		return
	}
	head := body
	head.Cells = nil
	hj, _ := json.Marshal(head)
	fw := newFeatureWriter(w)
	fw.buf = append(fw.buf, `{"type":"FeatureCollection","change":`...)
	fw.buf = append(fw.buf, hj...)
	fw.buf = fmt.Appendf(fw.buf, `,"dataset_version":%q,"features":[`, ds.Version())
	writeFeatures(fw, ch.Cells, func(c *analysis.CellChange) h3.Cell { return c.Cell }, func(c *analysis.CellChange) {
		fw.intProp("base", c.Base)
		fw.intProp("current", c.Current)
		fw.intProp("diff", c.Diff)
		if c.HasPct {
			fw.floatProp("pct", math.Round(c.Pct*1e6)/1e6)
		} else {
			fw.buf = append(fw.buf, `,"pct":null`...)
		}
	})
	fw.buf = append(fw.buf, "]}\n"...)
	fw.flush()
}
