package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAreaBody POSTs arbitrary bodies as GeoJSON areas through the router
// and the area parser: every answer is 200, or 400 naming the body, never a
// panic or a 500.
func FuzzAreaBody(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range []string{
		`{"type":"Polygon","coordinates":[[[-1.42,50.9],[-1.38,50.9],[-1.38,50.92],[-1.42,50.92],[-1.42,50.9]]]}`,
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[-1.4,50.9],[-1.3,50.9],[-1.3,51],[-1.4,50.9]]]]}}`,
		`{"type":"Feature"}`, `{"type":"Feature","geometry":null}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
		`{"type":"FeatureCollection","features":[null]}`, `{"type":"FeatureCollection","features":[]}`,
		`{"type":"Polygon","coordinates":[]}`, `{"type":"Polygon","coordinates":[[]]}`,
		`{"type":"GeometryCollection","geometries":[]}`, `{"type":"Point","coordinates":[1,2]}`,
		`null`, `[]`, `{}`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/counts", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/geo+json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, `"body"`) {
				t.Fatalf("POST %q = 400 %s, want the error to name body", body, w.Body.Bytes())
			}
		default:
			t.Fatalf("POST %q = %d %s", body, w.Code, w.Body.Bytes())
		}
	})
}
