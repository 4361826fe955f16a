package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"
)

// bruteCSV counts the Hampshire CSV rows per cell at res, with h3 on the
// raw coordinates, optionally inside a box and of one crime type.
func bruteCSV(t *testing.T, res int, box *[4]float64, ctype string) (map[string]int, map[string]map[string]int) {
	t.Helper()
	counts := map[string]int{}
	byType := map[string]map[string]int{}
	for _, r := range csvRows(t) {
		if r.lon == "" || (ctype != "" && r.ctype != ctype) {
			continue
		}
		lon, _ := strconv.ParseFloat(r.lon, 64)
		lat, _ := strconv.ParseFloat(r.lat, 64)
		if box != nil && (lon < box[0] || lat < box[1] || lon > box[2] || lat > box[3]) {
			continue
		}
		c := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res).String()
		counts[c]++
		if byType[c] == nil {
			byType[c] = map[string]int{}
		}
		byType[c][r.ctype]++
	}
	return counts, byType
}

func TestHexGeoJSONMatchesCSV(t *testing.T) {
	ts := newServer(t)
	names := categoryNames(t, ts)
	box := [4]float64{-1.5, 50.85, -1.3, 50.95}
	tests := []struct {
		name, query string
		res         int
		box         *[4]float64
		ctype       string
	}{
		{"everywhere res 7", "res=7&group_by=category,month", 7, nil, ""},
		{"box res 9", "res=9&bbox=-1.5,50.85,-1.3,50.95&group_by=category", 9, &box, ""},
		{"burglary res 8", "res=8&category=burglary", 8, nil, "Burglary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, ts, "/v1/hex?"+tc.query)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			fc, err := geojson.UnmarshalFeatureCollection(body)
			if err != nil {
				t.Fatal(err)
			}
			want, wantType := bruteCSV(t, tc.res, tc.box, tc.ctype)
			if len(fc.Features) != len(want) {
				t.Fatalf("%d features, want %d", len(fc.Features), len(want))
			}
			for _, f := range fc.Features {
				id := f.Properties["h3"].(string)
				if n := int(f.Properties["count"].(float64)); n != want[id] {
					t.Errorf("cell %s count %d, want %d", id, n, want[id])
				}
				if bc, ok := f.Properties["by_category"].(map[string]any); ok {
					for slug, n := range bc {
						if int(n.(float64)) != wantType[id][names[slug]] {
							t.Errorf("cell %s %s = %v, want %d", id, slug, n, wantType[id][names[slug]])
						}
					}
				}
				if bm, ok := f.Properties["by_month"].(map[string]any); ok && int(bm["2017-02"].(float64)) != want[id] {
					t.Errorf("cell %s by_month %v, want 2017-02: %d", id, bm, want[id])
				}
				poly, ok := f.Geometry.(orb.Polygon)
				if !ok || len(poly) != 1 || len(poly[0]) != 7 || !poly[0].Closed() {
					t.Fatalf("cell %s geometry %v, want a closed hexagon", id, f.Geometry)
				}
				if poly[0].Orientation() != orb.CCW {
					t.Errorf("cell %s ring is not counterclockwise (RFC 7946)", id)
				}
				// Every vertex of the cell, within rounding.
				for i, v := range h3.CellToBoundary(h3.Cell(h3.IndexFromString(id))) {
					found := false
					for _, p := range poly[0] {
						if math.Abs(p[0]-v.Lng) < 1e-6 && math.Abs(p[1]-v.Lat) < 1e-6 {
							found = true
						}
					}
					if !found {
						t.Errorf("cell %s vertex %d %v missing", id, i, v)
					}
				}
			}
		})
	}
}

func TestHexCSV(t *testing.T) {
	ts := newServer(t)
	status, body := get(t, ts, "/v1/hex?res=6&format=csv&group_by=category")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := bruteCSV(t, 6, nil, "")
	if recs[0][0] != "h3" || recs[0][1] != "count" || len(recs)-1 != len(want) {
		t.Fatalf("header %v and %d rows, want h3,count,... and %d rows", recs[0], len(recs)-1, len(want))
	}
	for _, rec := range recs[1:] {
		n, _ := strconv.Atoi(rec[1])
		sum := 0
		for _, v := range rec[2:] {
			k, _ := strconv.Atoi(v)
			sum += k
		}
		if n != want[rec[0]] || sum != n {
			t.Errorf("row %v: count %d, categories sum %d, want %d", rec, n, sum, want[rec[0]])
		}
	}
}

func TestHexCellAndRing(t *testing.T) {
	ts := newServer(t)
	want, _ := bruteCSV(t, 9, nil, "")
	busiest, most := "", 0
	for c, n := range want {
		if n > most || (n == most && c < busiest) {
			busiest, most = c, n
		}
	}
	for _, k := range []int{0, 1, 2} {
		status, body := get(t, ts, "/v1/hex/"+busiest+"?k="+strconv.Itoa(k))
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var got struct {
			Total int
			Cells []struct {
				H3    string
				Count int
			}
			ByCategory []struct{ Count int } `json:"by_category"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		ring := h3.GridDisk(h3.Cell(h3.IndexFromString(busiest)), k)
		total := 0
		for _, c := range ring {
			total += want[c.String()]
		}
		if got.Total != total || len(got.Cells) != len(ring) {
			t.Errorf("k=%d: total %d over %d cells, want %d over %d", k, got.Total, len(got.Cells), total, len(ring))
		}
		for _, c := range got.Cells {
			if c.Count != want[c.H3] {
				t.Errorf("k=%d cell %s: %d, want %d", k, c.H3, c.Count, want[c.H3])
			}
		}
		sum := 0
		for _, c := range got.ByCategory {
			sum += c.Count
		}
		if sum != total {
			t.Errorf("k=%d: categories sum to %d, want %d", k, sum, total)
		}
	}
}

func TestHotspotsAndChange(t *testing.T) {
	ts := newServer(t)
	status, body := get(t, ts, "/v1/hotspots?res=8&k=1&lat=50.91&lng=-1.40&radius_m=5000")
	if status != http.StatusOK {
		t.Fatalf("hotspots status %d: %s", status, body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	hot := 0
	for _, f := range fc.Features {
		z, p, bin := f.Properties["z"].(float64), f.Properties["p"].(float64), int(f.Properties["bin"].(float64))
		if wp := math.Erfc(math.Abs(z) / math.Sqrt2); math.Abs(p-wp) > 1e-8 {
			t.Errorf("cell %v: p %v, want %v for z %v", f.Properties["h3"], p, wp, z)
		}
		if bin == 3 {
			hot++
		}
	}
	if hot == 0 {
		t.Errorf("no 99%% hotspot in central Southampton")
	}

	status, body = get(t, ts, "/v1/change?res=8&from=2017-02&to=2017-02&base_from=2017-02&base_to=2017-02&format=csv")
	if status != http.StatusOK {
		t.Fatalf("change status %d: %s", status, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := bruteCSV(t, 8, nil, "")
	total := 0
	for _, n := range want {
		total += n
	}
	if recs[1][0] != "all" || recs[1][1] != strconv.Itoa(total) || recs[1][4] != "0" {
		t.Errorf("summary line %v, want all,%d,%d,0,0", recs[1], total, total)
	}
	if len(recs)-2 != len(want) {
		t.Errorf("%d cell lines, want %d", len(recs)-2, len(want))
	}
	for _, rec := range recs[2:] {
		if rec[1] != strconv.Itoa(want[rec[0]]) || rec[3] != "0" {
			t.Errorf("line %v, want base %d and no change", rec, want[rec[0]])
		}
	}

	status, body = get(t, ts, "/v1/change?res=8&from=2017-02&to=2017-02&base_from=2017-02&base_to=2017-02&format=geojson&category=burglary")
	if status != http.StatusOK {
		t.Fatalf("change GeoJSON status %d: %.300s", status, body)
	}
	var head struct {
		Change struct {
			Summary struct{ Base, Current int }
		}
	}
	if err := json.Unmarshal(body, &head); err != nil {
		t.Fatal(err)
	}
	fc, err = geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	want, _ = bruteCSV(t, 8, nil, "Burglary")
	total = 0
	for _, n := range want {
		total += n
	}
	if head.Change.Summary.Base != total || head.Change.Summary.Current != total || len(fc.Features) != len(want) {
		t.Errorf("summary %+v over %d cells, want %d over %d", head.Change.Summary, len(fc.Features), total, len(want))
	}
	for _, f := range fc.Features {
		id := f.Properties["h3"].(string)
		if int(f.Properties["base"].(float64)) != want[id] || f.Properties["diff"].(float64) != 0 || f.Properties["pct"].(float64) != 0 {
			t.Errorf("cell %s: %v, want base %d and no change", id, f.Properties, want[id])
		}
	}
}

func TestHexBadParameters(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		path, param, contains string
	}{
		{"/v1/hex", "res", ""},
		{"/v1/hex?res=14", "res", ""},
		{"/v1/hex?res=-1", "res", ""},
		{"/v1/hex?res=07", "res", ""},
		{"/v1/hex?res=13&group_by=street", "group_by", ""},
		{"/v1/hex?res=9&format=xml", "format", ""},
		{"/v1/hex/zzz", "cell", ""},
		{"/v1/hex/89194ad3353ffff?k=11", "k", ""},
		{"/v1/hotspots?res=8&k=1", "area", ""},
		{"/v1/hotspots?res=8&k=6&bbox=-1.5,50.8,-1.3,51", "k", ""},
		{"/v1/hotspots?res=13&bbox=-2,50,0,52", "res", "use res="},
		{"/v1/change?res=8&from=2017-02&to=2017-02", "base_from", ""},
		{"/v1/change?res=8&from=2017-02&to=2017-02&base_from=2017-03&base_to=2017-01", "base_to", ""},
		{"/tiles/hex/3/0/0.mvt?res=20", "res", ""},
		{"/tiles/hex/3/9/0.mvt", "z/x/y", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, body := get(t, ts, tc.path)
			if status != http.StatusBadRequest || !strings.Contains(string(body), `\"`+tc.param+`\"`) || !strings.Contains(string(body), tc.contains) {
				t.Errorf("GET %s = %d %.300s, want 400 naming %q", tc.path, status, body, tc.param)
			}
		})
	}
}

func TestHexTileEndpoint(t *testing.T) {
	ts := newServer(t)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/tiles/hex/10/508/343.mvt", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	layers, err := mvt.Unmarshal(raw)
	if err != nil || len(layers) != 1 || layers[0].Name != "hexes" || len(layers[0].Features) == 0 {
		t.Fatalf("layers %v, %v", layers, err)
	}
	etag := resp.Header.Get("ETag")
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if status, _ := get(t, ts, "/tiles/hex/8/10/120.mvt"); status != http.StatusNoContent {
		t.Errorf("empty tile: status %d, want 204", status)
	}
	status, tj := get(t, ts, "/tiles/hex.json?category=burglary")
	if status != http.StatusOK || !strings.Contains(string(tj), `"id":"hexes"`) || !strings.Contains(string(tj), "/tiles/hex/{z}/{x}/{y}.mvt?") || !strings.Contains(string(tj), "category=burglary") {
		t.Errorf("TileJSON %d: %s", status, tj)
	}
}

// TestHexTileResTooFine: res= finer than a zoom can carry made tiles of
// megabytes, or lost crimes at low zooms; it is refused with a 400 naming
// res and the finest resolution of that zoom, and hex.json with res starts
// the tiles at the first zoom that allows it.
func TestHexTileResTooFine(t *testing.T) {
	ts := newServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/tiles/hex/5/15/10.mvt?res=9", "use res=4"},
		{"/tiles/hex/0/0/0.mvt?res=8", "use res=1"},
	} {
		status, body := get(t, ts, tc.path)
		if status != http.StatusBadRequest || !strings.Contains(string(body), `\"res\"`) || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s = %d %s, want 400 naming res and %q", tc.path, status, body, tc.want)
		}
	}
	if status, _ := get(t, ts, "/tiles/hex/12/2035/1374.mvt?res=9"); status != http.StatusOK {
		t.Errorf("res 9 at zoom 12: status %d, want 200", status)
	}
	status, body := get(t, ts, "/tiles/hex.json?res=9")
	var tj struct {
		MinZoom int `json:"minzoom"`
	}
	if err := json.Unmarshal(body, &tj); status != http.StatusOK || err != nil || tj.MinZoom != 12 {
		t.Errorf("hex.json?res=9 = %d %s, want minzoom 12", status, body)
	}
}
