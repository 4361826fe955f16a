package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"crimemap/server"
)

// TestCrimesLinkCarriesKnownParams: the next-page Link copied every query
// parameter, so 100 KB of junk came back as a 100 KB header line that
// common clients refuse. It carries the parameters of /v1/crimes only.
func TestCrimesLinkCarriesKnownParams(t *testing.T) {
	ts := newServer(t)
	junk := strings.Repeat("x", 100_000)
	path := "/v1/crimes?bbox=-1.5,50.8,-1.3,51&category=burglary&limit=2&format=csv&junk=" + junk
	resp, _ := do(t, http.DefaultClient, mustRequest(t, http.MethodGet, ts.URL+path))
	link := resp.Header.Get("Link")
	if resp.StatusCode != http.StatusOK || link == "" {
		t.Fatalf("status %d, Link %.200q", resp.StatusCode, link)
	}
	if len(link) > 300 || strings.Contains(link, "junk") {
		t.Fatalf("Link of %d bytes: %.300s", len(link), link)
	}
	for _, want := range []string{"bbox=", "category=burglary", "limit=2", "format=csv", "cursor="} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %s lacks %s", link, want)
		}
	}
	next := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	if status, body := get(t, ts, next); status != http.StatusOK || len(body) == 0 {
		t.Errorf("GET %s = %d", next, status)
	}
}

// TestTileJSONIgnoresRequestHost: tile URLs were built from Host and
// X-Forwarded-Proto and cached for an hour, so one forged request could
// point every map at another server. They come from the configured public
// URL, or are root-relative, and carry only the known parameters.
func TestTileJSONIgnoresRequestHost(t *testing.T) {
	cfg := server.DefaultConfig()
	withURL := cfg
	withURL.PublicURL = "https://crime.example.org/"
	for _, tc := range []struct {
		name   string
		cfg    server.Config
		prefix string
	}{
		{"relative", cfg, "/tiles/"},
		{"public URL", withURL, "https://crime.example.org/tiles/"},
	} {
		s := server.New(tc.cfg, server.Deps{})
		s.SetDataset(dataset(t))
		ts := httptest.NewServer(s)
		for _, path := range []string{"/tiles.json", "/tiles/hex.json"} {
			req := mustRequest(t, http.MethodGet, ts.URL+path+"?category=burglary&junk=evil")
			req.Host = "evil.example"
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, body := do(t, http.DefaultClient, req)
			var tj struct{ Tiles []string }
			if err := json.Unmarshal(body, &tj); resp.StatusCode != http.StatusOK || err != nil || len(tj.Tiles) != 1 {
				t.Fatalf("%s %s: %d %s", tc.name, path, resp.StatusCode, body)
			}
			u := tj.Tiles[0]
			if !strings.HasPrefix(u, tc.prefix) || strings.Contains(u, "evil") || !strings.Contains(u, "category=burglary") {
				t.Errorf("%s %s: tile URL %q, want it under %q with the filter and nothing of the request's host", tc.name, path, u, tc.prefix)
			}
		}
		ts.Close()
	}
}
