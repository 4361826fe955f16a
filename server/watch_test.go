package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/server"
	"crimemap/store/sqlite"
	"crimemap/watch"
)

// watchFixture is a server over a SQLite store holding one coordinator,
// an active scheme of theirs near Maidstone and a pending one.
type watchFixture struct {
	ts              *httptest.Server
	st              watch.Store
	coord           watch.User
	active, pending watch.Scheme
}

func newWatchFixture(t testing.TB, configure ...func(*server.Config)) *watchFixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newWatchFixtureOn(t, st, configure...)
}

// newWatchFixtureOn is newWatchFixture over st, an empty store.
func newWatchFixtureOn(t testing.TB, st watch.Store, configure ...func(*server.Config)) *watchFixture {
	t.Helper()
	ctx := context.Background()
	f := &watchFixture{st: st}
	hash, err := watch.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if f.coord, err = st.CreateUser(ctx, watch.User{Email: "coord@example.org", PasswordHash: hash, Role: watch.RoleCoordinator}); err != nil {
		t.Fatal(err)
	}
	mk := func(name string, status watch.SchemeStatus, centre orb.Point) watch.Scheme {
		sc, err := st.CreateScheme(ctx, watch.Scheme{Name: name, Description: "Streets near the park", Force: "kent", Status: status,
			Contact: "watch@example.org", Area: watch.Area{Centre: centre, RadiusM: 200, Neighbourhood: "KN01"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetCoordinators(ctx, sc.ID, []int64{f.coord.ID}); err != nil {
			t.Fatal(err)
		}
		sc, err = st.Scheme(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	f.active = mk("Park Road Watch", watch.SchemeActive, orb.Point{0.52, 51.27})
	f.pending = mk("Hidden Close Watch", watch.SchemePending, orb.Point{0.53, 51.27})
	cfg := server.DefaultConfig()
	for _, c := range configure {
		c(&cfg)
	}
	f.ts = httptest.NewServer(server.New(cfg, server.Deps{Watch: st}))
	t.Cleanup(f.ts.Close)
	return f
}

// browser is a client with cookies that does not follow redirects.
func browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func wfetch(t testing.TB, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, b := do(t, c, req)
	return resp, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token loads a page with c and returns the CSRF token of its forms.
func wtoken(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	resp, body := wfetch(t, c, "GET", u, nil)
	m := csrfRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s: %d, no CSRF token in %.300s", u, resp.StatusCode, body)
	}
	return m[1]
}

func (f *watchFixture) schemeURL(sc watch.Scheme) string {
	return f.ts.URL + "/watch/schemes/" + itoa(sc.ID)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func applyForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "name": {"Ann Example"}, "email": {"ann@example.org"}, "address": {"ME14 1AA"}, "consent": {"yes"}}
}

func TestWatchCSRF(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	good := wtoken(t, c, f.schemeURL(f.active))
	apply := f.schemeURL(f.active) + "/apply"
	for _, tc := range []struct {
		name   string
		client *http.Client
		csrf   string
		want   int
	}{
		{"no token", c, "", 403},
		{"wrong token", c, good[:len(good)-2] + "xx", 403},
		{"another browser's token", browser(t), good, 403},
		{"right token", c, good, 303},
	} {
		resp, _ := wfetch(t, tc.client, "POST", apply, applyForm(tc.csrf))
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	apps, err := f.st.ListApplications(context.Background(), f.active.ID)
	if err != nil || len(apps) != 1 {
		t.Errorf("stored %d applications (%v), want 1", len(apps), err)
	}
}

// TestWatchApplyAndWithdraw sends markup and SQL as they are, checks they
// are stored as given and escaped on every page, and that withdrawing
// deletes the row.
func TestWatchApplyAndWithdraw(t *testing.T) {
	f := newWatchFixture(t)
	ctx := context.Background()
	c := browser(t)
	form := applyForm(wtoken(t, c, f.schemeURL(f.active)))
	form.Set("name", `<script>alert(1)</script>`)
	form.Set("address", `'; DROP TABLE applications; --`)
	form.Set("message", `<img src=x onerror=alert(2)> "quoted" & more`)

	// Without consent the form comes back, escaped, and nothing is kept.
	noConsent := url.Values{}
	for k, v := range form {
		noConsent[k] = v
	}
	noConsent.Del("consent")
	resp, body := wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", noConsent)
	if resp.StatusCode != 400 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("without consent: %d %.500s", resp.StatusCode, body)
	}

	resp, _ = wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/watch/sent" {
		t.Fatalf("apply: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	apps, err := f.st.ListApplications(ctx, f.active.ID)
	if err != nil || len(apps) != 1 {
		t.Fatalf("stored %d applications (%v)", len(apps), err)
	}
	if a := apps[0]; a.Name != form.Get("name") || a.Address != form.Get("address") || a.Message != form.Get("message") || !a.Consent {
		t.Errorf("stored %+v, not as sent", a)
	}
	_, body = wfetch(t, c, "GET", f.ts.URL+"/watch/sent", nil)
	link := regexp.MustCompile(`href="(/watch/applications/[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no private link on the confirmation: %.500s", body)
	}
	resp, body = wfetch(t, c, "GET", f.ts.URL+link[1], nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "pending") {
		t.Fatalf("private link: %d %.300s", resp.StatusCode, body)
	}
	csrf := csrfRe.FindStringSubmatch(body)[1]
	resp, _ = wfetch(t, c, "POST", f.ts.URL+link[1]+"/withdraw", url.Values{"csrf": {csrf}})
	if resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if apps, err := f.st.ListApplications(ctx, f.active.ID); err != nil || len(apps) != 0 {
		t.Errorf("after withdrawing, %d applications (%v)", len(apps), err)
	}
	if resp, _ := wfetch(t, c, "GET", f.ts.URL+link[1], nil); resp.StatusCode != 404 {
		t.Errorf("withdrawn link: %d, want 404", resp.StatusCode)
	}
}

func TestWatchMessageEscapedAndWithdrawn(t *testing.T) {
	f := newWatchFixture(t)
	ctx := context.Background()
	c := browser(t)
	text := `<b>bold</b> ' OR 1=1 --`
	form := url.Values{"csrf": {wtoken(t, c, f.schemeURL(f.active))}, "name": {"Bo"}, "email": {"bo@example.org"}, "text": {text}}
	if resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/message", form); resp.StatusCode != 303 {
		t.Fatalf("message: %d", resp.StatusCode)
	}
	msgs, err := f.st.ListMessages(ctx, f.active.ID)
	if err != nil || len(msgs) != 1 || msgs[0].Text != text {
		t.Fatalf("stored %+v (%v)", msgs, err)
	}
	_, body := wfetch(t, c, "GET", f.ts.URL+"/watch/sent", nil)
	link := regexp.MustCompile(`href="(/watch/messages/[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no private link: %.300s", body)
	}
	_, body = wfetch(t, c, "GET", f.ts.URL+link[1], nil)
	if strings.Contains(body, "<b>bold") || !strings.Contains(body, "&lt;b&gt;bold") {
		t.Errorf("message page does not escape the text: %.500s", body)
	}
	csrf := csrfRe.FindStringSubmatch(body)[1]
	// The writer answers through the link until the thread is closed.
	reply := url.Values{"csrf": {csrf}, "text": {"<em>more</em>"}}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+link[1]+"/reply", reply); resp.StatusCode != 303 || resp.Header.Get("Location") != link[1] {
		t.Fatalf("reply: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = wfetch(t, c, "GET", f.ts.URL+link[1], nil); !strings.Contains(body, "You wrote") || !strings.Contains(body, "&lt;em&gt;more") {
		t.Errorf("thread lacks the reply, escaped: %.800s", body)
	}
	if err := f.st.CloseMessage(ctx, msgs[0].ID, time.Now(), watch.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+link[1]+"/reply", reply); resp.StatusCode != 409 {
		t.Errorf("reply to a closed thread: %d, want 409", resp.StatusCode)
	}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+link[1]+"/withdraw", url.Values{"csrf": {csrf}}); resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if msgs, err := f.st.ListMessages(ctx, f.active.ID); err != nil || len(msgs) != 0 {
		t.Errorf("after withdrawing, %d messages (%v)", len(msgs), err)
	}
}

func TestWatchHoneypot(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	form := applyForm(wtoken(t, c, f.schemeURL(f.active)))
	form.Set("website", "http://spam.example")
	resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/watch/sent" {
		t.Fatalf("honeypot: %d to %q, want the same 303 as a person", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/watch/sent", nil); !strings.Contains(body, "/watch/applications/") {
		t.Errorf("honeypot confirmation lacks the private link: %.300s", body)
	}
	if apps, err := f.st.ListApplications(context.Background(), f.active.ID); err != nil || len(apps) != 0 {
		t.Errorf("honeypot stored %d applications (%v)", len(apps), err)
	}
}

func TestWatchRateLimit(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	form := applyForm(wtoken(t, c, f.schemeURL(f.active)))
	form.Set("website", "x") // keep the store out of it
	for i := 0; i < server.FormBurst; i++ {
		if resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", form); resp.StatusCode != 303 {
			t.Fatalf("form %d: %d", i, resp.StatusCode)
		}
	}
	resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/message", form)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("form past the burst: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestWatchBodyLimit(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	form := applyForm(wtoken(t, c, f.schemeURL(f.active)))
	form.Set("message", strings.Repeat("a", server.MaxWatchBodyBytes))
	if resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", form); resp.StatusCode != 413 {
		t.Errorf("oversized form: %d, want 413", resp.StatusCode)
	}
	form.Set("message", strings.Repeat("a", watch.MaxText+1))
	if resp, _ := wfetch(t, c, "POST", f.schemeURL(f.active)+"/apply", form); resp.StatusCode != 413 {
		t.Errorf("oversized message: %d, want 413", resp.StatusCode)
	}
}

func TestWatchHeaders(t *testing.T) {
	f := newWatchFixture(t)
	for _, p := range []string{"/watch", "/watch/schemes/" + itoa(f.active.ID), "/watch/schemes/999"} {
		resp, _ := wfetch(t, browser(t), "GET", f.ts.URL+p, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}

func TestWatchFind(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	resp, body := wfetch(t, c, "GET", f.ts.URL+"/watch?lat=51.27&lng=0.5203", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Park Road Watch") || !strings.Contains(body, "covers this place") {
		t.Errorf("find inside: %d %.600s", resp.StatusCode, body)
	}
	if strings.Contains(body, "Hidden Close") {
		t.Error("a pending scheme is listed")
	}
	_, body = wfetch(t, c, "GET", f.ts.URL+"/watch?q=51.28,0.52", nil)
	if !strings.Contains(body, "Park Road Watch") || !strings.Contains(body, " m<") {
		t.Errorf("find by q: %.600s", body)
	}
	for _, p := range []string{"/watch/schemes/" + itoa(f.pending.ID), "/watch/schemes/abc", "/watch/schemes/0", "/watch/schemes/999999"} {
		if resp, _ := wfetch(t, c, "GET", f.ts.URL+p, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := wfetch(t, c, "GET", f.ts.URL+"/watch?lat=95&lng=0", nil); resp.StatusCode != 400 {
		t.Errorf("bad lat: %d, want 400", resp.StatusCode)
	}
}

func TestWatchSchemesJSON(t *testing.T) {
	f := newWatchFixture(t)
	for _, tc := range []struct {
		q    string
		want int
		has  string
	}{
		{"lat=51.27&lng=0.52", 200, `"distance_m":0`},
		{"neighbourhood=kent/KN01", 200, `"Park Road Watch"`},
		{"bbox=0.5,51.2,0.6,51.3", 200, `"Park Road Watch"`},
		{"bbox=1,52,1.1,52.1", 200, `"schemes":[]`},
		{"neighbourhood=kent", 400, ""},
		{"", 400, ""},
	} {
		resp, body := wfetch(t, browser(t), "GET", f.ts.URL+"/v1/watch/schemes?"+tc.q, nil)
		if resp.StatusCode != tc.want || !strings.Contains(body, tc.has) {
			t.Errorf("%s: %d %s", tc.q, resp.StatusCode, body)
		}
		if strings.Contains(body, "coord@example.org") || strings.Contains(body, "Hidden Close") || strings.Contains(body, "coordinators") {
			t.Errorf("%s: leaks private fields: %s", tc.q, body)
		}
	}
}

// TestWatchFormKeyShared checks that a form loaded from one replica posts
// to another that has the same key, and not to one with another key.
func TestWatchFormKeyShared(t *testing.T) {
	f := newWatchFixture(t, func(c *server.Config) { c.FormKey = strings.Repeat("k", 32) })
	c := browser(t)
	form := applyForm(wtoken(t, c, f.schemeURL(f.active)))
	for _, tc := range []struct {
		key  string
		want int
	}{
		{strings.Repeat("k", 32), 303},
		{strings.Repeat("j", 32), 403},
	} {
		cfg := server.DefaultConfig()
		cfg.FormKey = tc.key
		other := httptest.NewServer(server.New(cfg, server.Deps{Watch: f.st}))
		jarURL, _ := url.Parse(f.ts.URL)
		otherURL, _ := url.Parse(other.URL)
		c.Jar.SetCookies(otherURL, c.Jar.Cookies(jarURL))
		resp, _ := wfetch(t, c, "POST", other.URL+"/watch/schemes/"+itoa(f.active.ID)+"/apply", form)
		other.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("key %q: %d, want %d", tc.key[:1], resp.StatusCode, tc.want)
		}
	}
}

// TestWatchFindStreet resolves q as /v1/locate does: a street name of the
// crime data on several streets lists them to choose from.
func TestWatchFindStreet(t *testing.T) {
	f := newWatchFixture(t)
	srv := server.New(server.DefaultConfig(), server.Deps{Watch: f.st})
	srv.SetDataset(dataset(t))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	resp, body := wfetch(t, browser(t), "GET", ts.URL+"/watch?q=high+street", nil)
	if resp.StatusCode != 200 || strings.Count(body, `<li><a href="/watch?lat=`) < 2 || !strings.Contains(body, "High Street (") {
		t.Errorf("ambiguous street: %d %.600s", resp.StatusCode, body)
	}
	if resp, _ := wfetch(t, browser(t), "GET", ts.URL+"/watch?q=no+such+road+anywhere", nil); resp.StatusCode != 404 {
		t.Errorf("unknown street: %d, want 404", resp.StatusCode)
	}
}
