package server

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/uber/h3-go/v4"

	"crimemap/analysis"
	"crimemap/geo"
	"crimemap/tiles"
)

// Limits of the hex endpoints.
const (
	// MaxHexCells bounds the cells of a /v1/hex or /v1/change answer; a
	// request beyond it gets 400 naming the finest resolution that fits.
	MaxHexCells = 50_000
	// MaxCellK bounds k of /v1/hex/{cell}.
	MaxCellK = 10
)

// parseSmallInt reads an optional parameter as a decimal integer in lo..hi;
// only canonical digits are accepted (no sign, space or leading zero).
func parseSmallInt(r *http.Request, name string, lo, hi, def int, required bool) (int, error) {
	v := formValue(r, name)
	if v == "" {
		if required {
			return 0, paramError(name, "required: an integer %d..%d", lo, hi)
		}
		return def, nil
	}
	n, err := parseCanonicalInt(v)
	if err != nil || n < lo || n > hi {
		return 0, paramError(name, "want an integer %d..%d, got %q", lo, hi, v)
	}
	return n, nil
}

func parseCanonicalInt(s string) (int, error) {
	if s == "" || len(s) > 6 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical integer")
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a canonical integer")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// parseRes reads res, the H3 resolution 0..13.
func parseRes(r *http.Request, required bool, def int) (int, error) {
	return parseSmallInt(r, "res", 0, geo.FinestRes, def, required)
}

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
	g, err := s.parseGrouped(r, "geojson", "csv")
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
			geoms = cellGeometries(hc.Cells[i:min(i+geomBatch, len(hc.Cells))])
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

// featureWriter streams GeoJSON features of cells, building each in a
// reused buffer: fmt and encoding/json cost more than the cells.
type featureWriter struct {
	bw  *bufio.Writer
	buf []byte
}

func newFeatureWriter(w http.ResponseWriter) *featureWriter {
	return &featureWriter{bw: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 1024)}
}

// start opens a cell's feature, with its geometry as GeoJSON, up to its
// properties object, which already holds h3; add properties, then call end.
func (fw *featureWriter) start(c h3.Cell, geom []byte) {
	fw.buf = append(fw.buf, `{"type":"Feature","id":"`...)
	fw.buf = strconv.AppendUint(fw.buf, uint64(c), 16)
	fw.buf = append(fw.buf, `","geometry":`...)
	fw.buf = append(fw.buf, geom...)
	fw.buf = append(fw.buf, `,"properties":{"h3":"`...)
	fw.buf = strconv.AppendUint(fw.buf, uint64(c), 16)
	fw.buf = append(fw.buf, '"')
}

func (fw *featureWriter) intProp(key string, v int) {
	fw.buf = append(fw.buf, `,"`...)
	fw.buf = append(fw.buf, key...)
	fw.buf = append(fw.buf, `":`...)
	fw.buf = strconv.AppendInt(fw.buf, int64(v), 10)
}

func (fw *featureWriter) floatProp(key string, v float64) {
	fw.buf = append(fw.buf, `,"`...)
	fw.buf = append(fw.buf, key...)
	fw.buf = append(fw.buf, `":`...)
	fw.buf = append(fw.buf, jsonFloat(v)...)
}

// end closes the feature and hands it to the writer.
func (fw *featureWriter) end() {
	fw.buf = append(fw.buf, "}}"...)
	fw.bw.Write(fw.buf)
	fw.buf = fw.buf[:0]
}

// geomBatch is how many cell geometries are computed at once: enough to
// spread over every core, few enough that an answer of 50,000 cells is not
// held whole while a slow client reads it.
const geomBatch = 4096

// writeFeatures writes a feature per row's cell, comma-separated; props
// adds the row's properties.
func writeFeatures[T any](fw *featureWriter, rows []T, cell func(*T) h3.Cell, props func(*T)) {
	cells := make([]h3.Cell, 0, min(len(rows), geomBatch))
	for lo := 0; lo < len(rows); lo += geomBatch {
		batch := rows[lo:min(lo+geomBatch, len(rows))]
		cells = cells[:0]
		for i := range batch {
			cells = append(cells, cell(&batch[i]))
		}
		geoms := cellGeometries(cells)
		for i, c := range cells {
			if lo+i > 0 {
				fw.buf = append(fw.buf, ',')
			}
			fw.start(c, geoms[i])
			props(&batch[i])
			fw.end()
		}
	}
}

func (fw *featureWriter) flush() {
	fw.bw.Write(fw.buf)
	fw.buf = fw.buf[:0]
	_ = fw.bw.Flush()
}

// CellGeometry returns the boundary of a cell as RFC 7946 wants it: the
// exterior ring counterclockwise, and a cell crossing the antimeridian split
// in two along it.
func CellGeometry(c h3.Cell) orb.Geometry {
	bd := geo.CellShapeOf(c).Vertices
	ring := make(orb.Ring, 0, len(bd)+1)
	lon0 := bd[0][0]
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	for _, v := range bd {
		lon := lon0 + math.Remainder(v[0]-lon0, 360)
		ring = append(ring, orb.Point{lon, v[1]})
		minLon, maxLon = math.Min(minLon, lon), math.Max(maxLon, lon)
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	if minLon >= -180 && maxLon <= 180 {
		return orb.Polygon{ring}
	}
	// Across the antimeridian: the part on each side of it.
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	var mp orb.MultiPolygon
	for _, shift := range []float64{0, 360, -360} {
		moved := make(orb.Ring, len(ring))
		for i, p := range ring {
			moved[i] = orb.Point{p[0] + shift, p[1]}
		}
		if part := clip.Polygon(world, orb.Polygon{moved}); len(part) > 0 && len(part[0]) >= 4 {
			mp = append(mp, part)
		}
	}
	return mp
}

// geomCache keeps the GeoJSON geometry of cells drawn recently: a boundary
// costs a few microseconds of cgo and maps ask for the same cells again and
// again. Cells do not depend on the dataset. The cache is emptied when full.
var geomCache struct {
	sync.RWMutex
	m map[h3.Cell][]byte
}

// geomCacheMax bounds geomCache, about 250 bytes an entry.
const geomCacheMax = 200_000

// cellGeometries returns the GeoJSON geometry of each cell, computing the
// ones not cached on all cores.
func cellGeometries(cells []h3.Cell) [][]byte {
	out := make([][]byte, len(cells))
	workers := 1
	if len(cells) >= 1024 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := (len(cells) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(cells); lo += chunk {
		hi := min(lo+chunk, len(cells))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				geomCache.RLock()
				g, ok := geomCache.m[cells[i]]
				geomCache.RUnlock()
				if !ok {
					g = appendCellGeometry(nil, cells[i])
					geomCache.Lock()
					if len(geomCache.m) >= geomCacheMax || geomCache.m == nil {
						geomCache.m = make(map[h3.Cell][]byte, 1024)
					}
					geomCache.m[cells[i]] = g
					geomCache.Unlock()
				}
				out[i] = g
			}
		})
	}
	wg.Wait()
	return out
}

func appendCellGeometry(buf []byte, c h3.Cell) []byte {
	ring := func(r orb.Ring) {
		buf = append(buf, '[')
		for i, p := range r {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = strconv.AppendFloat(buf, math.Round(p[0]*1e7)/1e7, 'f', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, math.Round(p[1]*1e7)/1e7, 'f', -1, 64)
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	switch g := CellGeometry(c).(type) {
	case orb.Polygon:
		buf = append(buf, `{"type":"Polygon","coordinates":[`...)
		ring(g[0])
		buf = append(buf, "]}"...)
	case orb.MultiPolygon:
		buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			ring(p[0])
			buf = append(buf, ']')
		}
		buf = append(buf, "]}"...)
	}
	return buf
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
	f, err := s.parseFilter(r)
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
	f, err := s.parseFilter(r)
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

// jsonFloat formats a finite float compactly, rounded to 1e-9.
func jsonFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(math.Round(v*1e9)/1e9, 'f', -1, 64)
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
	cur, err := s.parseFilter(r)
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

// hexTileKey keys a hex tile in the shared tile cache apart from crime tiles.
func hexTileKey(version string, z, x, y, res int, f *geo.Filter) string {
	return "hex/" + strconv.Itoa(res) + "/" + tiles.TileKey(version, z, x, y, f)
}

// handleHexTile serves /tiles/hex/{z}/{x}/{y}.mvt, with res= overriding the
// zoom's resolution (tiles.HexZoomRes).
func (s *Server) handleHexTile(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	z, x, y, err := tiles.ParseTile(pathVar(r, "z"), pathVar(r, "x"), pathVar(r, "y"), tiles.MaxZoom)
	if err != nil {
		return paramCause("z/x/y", err)
	}
	res, err := parseRes(r, false, -1)
	if err != nil {
		return err
	}
	if res < 0 {
		res = tiles.HexZoomRes[z]
	}
	f, err := s.parseFilter(r)
	if err != nil {
		return err
	}
	key := hexTileKey(ds.Version(), z, x, y, res, &f)
	e, ok := s.tileCache.Get(key)
	if !ok {
		raw, err := tiles.HexTile(r.Context(), ds, z, x, y, res, &f)
		var re *tiles.HexResError
		if errors.As(err, &re) {
			return paramCause("res", re)
		}
		if err != nil {
			return cellLimitParam(err)
		}
		if e, err = tiles.NewEntry(raw); err != nil {
			return err
		}
		s.tileCache.Put(key, e)
	}
	s.writeTileEntry(w, r, e, ds.Version())
	return nil
}

// handleHexTileJSON serves /tiles/hex.json: TileJSON of the hex tiles whose
// URL carries the dataset version, the filter and res when given; with res,
// the tiles start at the lowest zoom that allows it.
func (s *Server) handleHexTileJSON(w http.ResponseWriter, r *http.Request, snap *snapshot) error {
	ds := snap.ds
	if _, err := s.parseFilter(r); err != nil {
		return err
	}
	res, err := parseRes(r, false, -1)
	if err != nil {
		return err
	}
	tmpl := s.tileTemplate(r, "/tiles/hex/{z}/{x}/{y}.mvt", ds.Version(), append([]string{"res"}, filterParams...))
	w.Header().Set("Cache-Control", s.cfg.CacheControl)
	writeJSON(w, r, http.StatusOK, tiles.HexTileJSON(ds, tmpl, res))
	return nil
}
