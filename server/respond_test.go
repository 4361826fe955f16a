package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/uber/h3-go/v4"

	"crimemap/geo"
)

// jsonRoutes is a GET of every JSON, GeoJSON and CSV route of /api/ and /v1/
// that answers 200 on the test server's data.
func jsonRoutes(t *testing.T, ds *geo.Dataset) []string {
	t.Helper()
	pid := ""
	for c := range ds.Len() {
		if pid = ds.PersistentID(geo.CrimeID(c)); pid != "" && len(ds.OutcomeHistory(geo.CrimeID(c))) > 0 {
			break
		}
	}
	const at = "lat=50.9097&lng=-1.4044"
	cell := h3.LatLngToCell(h3.NewLatLng(50.9097, -1.4044), 8)
	return []string{
		"/api/crimes-street/all-crime?" + at,
		"/api/crimes-street/burglary?poly=50.90,-1.41:50.92,-1.41:50.92,-1.39:50.90,-1.39",
		"/api/crimes-at-location?" + at,
		"/api/crimes-at-location?location_id=" + strconv.FormatInt(ds.LocationID(0), 10),
		"/api/crimes-no-location?force=hampshire",
		"/api/crime-categories",
		"/api/crime-categories?date=2017-02",
		"/api/crimes-street-dates",
		"/api/crime-last-updated",
		"/api/outcomes-for-crime/" + pid,
		"/api/outcomes-at-location?" + at,
		"/api/forces",
		"/api/locate-neighbourhood?q=50.9,-1.4",
		"/api/forces/hampshire",
		"/api/hampshire/neighbourhoods",
		"/api/hampshire/SO14",
		"/api/hampshire/SO14/people",
		"/api/hampshire/SO14/events",
		"/api/hampshire/SO14/priorities",
		"/api/hampshire/SO14/boundary",
		"/v1/meta",
		"/v1/crimes?" + at + "&radius_m=500",
		"/v1/crimes?" + at + "&radius_m=500&format=csv",
		"/v1/crimes?bbox=-1.6,50.8,-1.2,51.0&limit=10000",
		"/v1/counts?" + at + "&radius_m=1000&group_by=category",
		"/v1/counts?" + at + "&radius_m=1000&group_by=category&format=csv",
		"/v1/streets?q=high",
		"/v1/locate?q=50.9,-1.4",
		"/v1/hex?bbox=-1.6,50.8,-1.2,51.0&res=8",
		"/v1/hex?bbox=-1.6,50.8,-1.2,51.0&res=8&format=csv",
		"/v1/hex/" + cell.String(),
		"/v1/hotspots?bbox=-1.6,50.8,-1.2,51.0&res=8",
		"/v1/change?bbox=-1.6,50.8,-1.2,51.0&res=8&from=2017-02&to=2017-02&base_from=2017-02&base_to=2017-02",
		"/v1/boundaries",
	}
}

// TestResponsesCompressAndRevalidate checks the one response path on every
// data route: gzip when accepted, the same bytes inflated, an ETag per
// representation, 304 for either, Cache-Control and Vary.
func TestResponsesCompressAndRevalidate(t *testing.T) {
	ts := newTeamServer(t)
	for _, path := range jsonRoutes(t, dataset(t)) {
		t.Run(path, func(t *testing.T) { checkResponsePath(t, ts, path) })
	}
}

// TestResponsesOfOtherSources: routes whose answers come from the tile
// index and the Watch store take the same path.
func TestResponsesOfOtherSources(t *testing.T) {
	ts := newServer(t)
	dense := denseTile(dataset(t), 9)
	_, body := rawGet(t, ts, fmt.Sprintf("/tiles/9/%d/%d.mvt", dense.X, dense.Y))
	layers, err := mvt.Unmarshal(body)
	if err != nil || len(layers) == 0 || len(layers[0].Features) == 0 {
		t.Fatalf("no cluster in the dense tile: %v", err)
	}
	id := int64(layers[0].Features[0].Properties["cluster_id"].(float64))
	for _, path := range []string{fmt.Sprintf("/v1/clusters/%d/leaves", id), fmt.Sprintf("/v1/clusters/%d/expansion-zoom", id)} {
		t.Run(path, func(t *testing.T) { checkResponsePath(t, ts, path) })
	}
	t.Run("/v1/watch/schemes", func(t *testing.T) {
		checkResponsePath(t, newWatchFixture(t).ts, "/v1/watch/schemes?neighbourhood=kent/KN01")
	})
}

func checkResponsePath(t *testing.T, ts *httptest.Server, path string) {
	t.Helper()
	// The transport would ask for gzip and inflate on its own.
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	plain, body := do(t, c, mustRequest(t, http.MethodGet, ts.URL+path))
	if plain.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d %s", plain.StatusCode, body)
	}
	etag := plain.Header.Get("ETag")
	if etag == "" || plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("plain: ETag %q, Content-Encoding %q", etag, plain.Header.Get("Content-Encoding"))
	}
	if !strings.Contains(plain.Header.Get("Vary"), "Accept-Encoding") || plain.Header.Get("Cache-Control") == "" {
		t.Errorf("plain: Vary %q, Cache-Control %q", plain.Header.Get("Vary"), plain.Header.Get("Cache-Control"))
	}

	req := mustRequest(t, http.MethodGet, ts.URL+path)
	req.Header.Set("Accept-Encoding", "br;q=1, gzip;q=0.8")
	zipped, zbody := do(t, c, req)
	if zipped.StatusCode != http.StatusOK || zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %d, Content-Encoding %q", zipped.StatusCode, zipped.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	inflated, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(inflated, body) {
		t.Fatalf("gzip body inflates to %d bytes (%v); want the %d plain ones", len(inflated), err, len(body))
	}
	zetag := zipped.Header.Get("ETag")
	if zetag == "" || zetag == etag {
		t.Errorf("gzip ETag %q; want its own beside %q", zetag, etag)
	}

	for _, held := range []string{etag, zetag, "W/" + etag} {
		req := mustRequest(t, http.MethodGet, ts.URL+path)
		req.Header.Set("If-None-Match", held)
		resp, b := do(t, c, req)
		if resp.StatusCode != http.StatusNotModified || len(b) != 0 || resp.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d with %d bytes, ETag %q; want 304, none, %q",
				held, resp.StatusCode, len(b), resp.Header.Get("ETag"), etag)
		}
	}
}

// TestResponseCacheControl: a URL naming the dataset version may be kept
// for good; one that does not, for --cache-control; POST answers carry no
// validator.
func TestResponseCacheControl(t *testing.T) {
	ts := newServer(t)
	version := dataset(t).Version()
	for _, tc := range []struct {
		path, want string
	}{
		{"/v1/meta", "public, max-age=3600"},
		{"/v1/meta?v=" + version, "public, max-age=31536000, immutable"},
		{"/v1/meta?v=0000", "public, max-age=3600"},
	} {
		resp, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+tc.path))
		if got := resp.Header.Get("Cache-Control"); got != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.want)
		}
	}
	form := url.Values{"lat": {"50.9097"}, "lng": {"-1.4044"}}
	resp, err := http.PostForm(ts.URL+"/api/crimes-street/all-crime", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "" {
		t.Errorf("POST: %d, ETag %q, Cache-Control %q; want 200 without either", resp.StatusCode,
			resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
}

// TestResponseETagIgnoresParameterOrder: one answer, one validator.
func TestResponseETagIgnoresParameterOrder(t *testing.T) {
	ts := newServer(t)
	a, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+"/v1/crimes?lat=50.9097&lng=-1.4044&radius_m=500"))
	b, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+"/v1/crimes?radius_m=500&lng=-1.4044&lat=50.9097"))
	if a.Header.Get("ETag") == "" || a.Header.Get("ETag") != b.Header.Get("ETag") {
		t.Errorf("ETags %q and %q; want one", a.Header.Get("ETag"), b.Header.Get("ETag"))
	}
}

// TestResponseRange: a held body answers a byte range.
func TestResponseRange(t *testing.T) {
	ts := newServer(t)
	_, whole := get(t, ts, "/v1/meta")
	req := mustRequest(t, http.MethodGet, ts.URL+"/v1/meta")
	req.Header.Set("Range", "bytes=0-9")
	resp, b := do(t, http.DefaultClient, req)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(b, whole[:10]) {
		t.Errorf("Range: %d %q; want 206 %q", resp.StatusCode, b, whole[:10])
	}
}

// TestErrorsCarryNoValidator: a 400 is not cached under the answer's ETag.
func TestErrorsCarryNoValidator(t *testing.T) {
	ts := newServer(t)
	resp, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+"/v1/crimes?radius_m=x"))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("ETag") != "" {
		t.Errorf("bad parameter: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}
