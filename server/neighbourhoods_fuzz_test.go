package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"crimemap/internal/testsupport/datasets"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/postcode"
)

// FuzzLocateQuery sends arbitrary q values to /v1/locate and
// /api/locate-neighbourhood: every answer is 200, 400 naming q, or 404,
// always JSON, never a panic or a 500.
func FuzzLocateQuery(f *testing.F) {
	ctx := context.Background()
	teams, _, err := neighbourhood.LoadDir(ctx, "../neighbourhood/testdata/api")
	if err != nil {
		f.Fatal(err)
	}
	loc, _, err := locate.Build(teams, nil)
	if err != nil {
		f.Fatal(err)
	}
	pcs, _, err := postcode.LoadFile(ctx, "../postcode/testdata/onspd-sample.csv", postcode.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	s := New(DefaultConfig(), Deps{Neighbourhoods: teams, Locator: loc, Postcodes: pcs})
	s.SetDataset(datasets.Hampshire(f))
	for _, seed := range []string{
		"SO14 7LY", "so149zy", "50.9,-1.4", "50.9, -1.4", "91,0", "NaN,1", "1e400,0", ",", "50.9,",
		"High Street", "on or near ", "Compton Walk", "ZZ99 9ZZ", "", " ", "\x00", "%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, path := range []string{"/v1/locate", "/api/locate-neighbourhood"} {
			r := httptest.NewRequest(http.MethodGet, path+"?q="+url.QueryEscape(q), nil)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			var e errorBody
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("GET %s q=%q: not JSON: %s", path, q, w.Body.Bytes())
			}
			switch w.Code {
			case http.StatusOK, http.StatusNotFound:
			case http.StatusBadRequest:
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, `"q"`) {
					t.Fatalf("GET %s q=%q = 400 %s, want the error to name q", path, q, w.Body.Bytes())
				}
			default:
				t.Fatalf("GET %s q=%q = %d %s", path, q, w.Code, w.Body.Bytes())
			}
		}
	})
}
