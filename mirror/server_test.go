package mirror

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"crimemap/internal/testsupport/datasets"
	"crimemap/neighbourhood"
	"crimemap/server"
)

// serveSet serves set's API through a crimemap server and returns its base
// URL. The server lists forces (GET forces) from its crime dataset, which
// names every force, so any dataset will do.
func serveSet(t *testing.T, set *neighbourhood.Set) string {
	t.Helper()
	s := server.New(server.DefaultConfig(), server.Deps{Neighbourhoods: set})
	s.SetDataset(datasets.Southampton())
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL + "/api"
}

// apiPaths lists every neighbourhood path of the API for set's forces,
// path-escaped, and some the API has no answer for.
func apiPaths(t *testing.T, set *neighbourhood.Set, forces []string) []string {
	t.Helper()
	paths := []string{"forces", "forces/no-such-force", "no-such-force/neighbourhoods"}
	for _, force := range forces {
		f := url.PathEscape(force)
		paths = append(paths, "forces/"+f, "forces/"+f+"/people", f+"/neighbourhoods", f+"/no-such-id")
		refs, err := set.Neighbourhoods(force)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range refs {
			id := f + "/" + url.PathEscape(r.ID)
			paths = append(paths, id, id+"/people", id+"/events", id+"/priorities", id+"/boundary")
		}
	}
	return paths
}

// reply is one API response, as far as a client can tell two apart.
type reply struct {
	status      int
	contentType string
	body        string
}

func fetchReply(t *testing.T, u string) reply {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// TestMirrorOfServerServesTheSame mirrors a crimemap serving the fixture,
// serves the mirrored folder with a second crimemap, and checks that both
// give the same answer, byte for byte, to every neighbourhood request, and
// that mirroring the second gives the same folder again.
func TestMirrorOfServerServesTheSame(t *testing.T) {
	_, fixtureSet := reachable(t)
	first := serveSet(t, fixtureSet)
	opt := testOptions(t, first, fixtureForces)
	fetchFrom(t, opt)
	// The server's answers are not the fixture's files (it lists every
	// force and answers [] where the fixture has no file), so the mirrored
	// folder is the reference from here on.
	mirrored := loadSet(t, opt.Dir)
	second := serveSet(t, mirrored)
	mirrorsTo(t, second, fixtureForces, mirrored)

	found := 0
	for _, p := range apiPaths(t, fixtureSet, fixtureForces) {
		a, b := fetchReply(t, first+"/"+p), fetchReply(t, second+"/"+p)
		if a != b {
			t.Errorf("GET %s:\nsource %d %s %s\nmirror %d %s %s", p, a.status, a.contentType, a.body, b.status, b.contentType, b.body)
		}
		if a.status == http.StatusOK {
			found++
		}
	}
	// Most paths of the fixture have an answer; the comparison would prove
	// little otherwise.
	if found < 10 {
		t.Errorf("%d paths answered 200, want at least 10", found)
	}
}
