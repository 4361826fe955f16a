package server_test

import (
	"context"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/fault"
	"crimemap/locate"
	"crimemap/neighbourhood"
	"crimemap/server"
	"crimemap/watch"
)

// newStaffFixture is the Watch fixture served with the team data
// fixtures, their locator and the Hampshire month, with staff of Kent
// (the schemes' force) and of Hampshire (SO14's), an admin and a second
// coordinator.
func newStaffFixture(t testing.TB) *watchFixture {
	t.Helper()
	return staffFixture(t, newWatchFixture(t))
}

// staffFixture adds newStaffFixture's server and accounts to f.
func staffFixture(t testing.TB, f *watchFixture) *watchFixture {
	t.Helper()
	f.serveStaff(t, f.st)
	f.addUser(t, "other@example.org", watch.RoleCoordinator, "")
	f.addUser(t, "kent@example.org", watch.RoleStaff, "kent")
	f.addUser(t, "hants@example.org", watch.RoleStaff, "hampshire")
	f.addUser(t, "admin@example.org", watch.RoleAdmin, "")
	return f
}

// serveStaff serves st in place of the fixture's server, with the team
// data, its locator and the Hampshire month.
func (f *watchFixture) serveStaff(t testing.TB, st watch.Store) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	teams, _, err := neighbourhood.LoadDir(context.Background(), teamDir)
	if err != nil {
		t.Fatal(err)
	}
	loc, _, err := locate.Build(teams, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(cfg, server.Deps{Watch: st, Neighbourhoods: teams, Locator: loc})
	s.SetDataset(dataset(t))
	f.ts.Close()
	f.ts = httptest.NewServer(s)
	t.Cleanup(f.ts.Close)
}

// forwardedFor makes c's requests come from addr, as a trusted proxy
// tells it, so that tests sending many forms keep within the rate limit.
type forwardedFor string

func (a forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", string(a))
	return http.DefaultTransport.RoundTrip(r)
}

// actor is a browser signed in as email ("" for the public) with a CSRF
// token for its forms.
func (f *watchFixture) actor(t testing.TB, email string) (*http.Client, string) {
	t.Helper()
	c := browser(t)
	page := f.ts.URL + "/account/sign-in"
	if email != "" {
		f.signIn(t, c, email)
		page = f.ts.URL + "/watch/inbox"
	}
	return c, wtoken(t, c, page)
}

func TestStaffReviewRoles(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		email string
		want  int // of approving or rejecting a pending Kent scheme
		lists bool
	}{
		{"", 403, false},
		{"coord@example.org", 404, false}, // the scheme's own coordinator
		{"other@example.org", 404, false},
		{"hants@example.org", 404, false},
		{"kent@example.org", 303, true},
		{"admin@example.org", 303, true},
	} {
		c, csrf := f.actor(t, tc.email)
		for _, action := range []struct {
			path string
			to   watch.SchemeStatus
		}{{"approve", watch.SchemeActive}, {"reject", watch.SchemeClosed}} {
			sc, err := f.st.CreateScheme(ctx, watch.Scheme{Name: "Waiting Lane Watch", Force: "kent", Status: watch.SchemePending,
				Area: watch.Area{Centre: orb.Point{0.5, 51.2}, RadiusM: 300}})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.SetCoordinators(ctx, sc.ID, []int64{f.coord.ID}); err != nil {
				t.Fatal(err)
			}
			u := f.ts.URL + "/watch/staff/schemes/" + itoa(sc.ID) + "/" + action.path
			form := url.Values{"csrf": {csrf}}
			if resp, body := wfetch(t, c, "POST", u, form); resp.StatusCode != tc.want {
				t.Errorf("%q %s: %d, want %d: %.200s", tc.email, action.path, resp.StatusCode, tc.want, body)
			}
			got, _ := f.st.Scheme(ctx, sc.ID)
			if want := map[bool]watch.SchemeStatus{true: action.to, false: watch.SchemePending}[tc.want == 303]; got.Status != want {
				t.Errorf("%q %s: status %s, want %s", tc.email, action.path, got.Status, want)
			}
			if tc.want == 303 {
				if resp, _ := wfetch(t, c, "POST", u, form); resp.StatusCode != 409 {
					t.Errorf("%q %s twice: %d, want 409", tc.email, action.path, resp.StatusCode)
				}
			}
			guessed := f.ts.URL + "/watch/staff/schemes/987654/" + action.path
			if resp, _ := wfetch(t, c, "POST", guessed, form); resp.StatusCode != 404 && resp.StatusCode != 403 {
				t.Errorf("%q guessed id: %d, want 403 or 404", tc.email, resp.StatusCode)
			}
		}
		resp, body := wfetch(t, c, "GET", f.ts.URL+"/watch/staff", nil)
		switch {
		case tc.email == "":
			if resp.StatusCode != 303 {
				t.Errorf("public staff page: %d, want 303 to sign in", resp.StatusCode)
			}
		case tc.lists:
			if resp.StatusCode != 200 || !strings.Contains(body, "Hidden Close Watch") || !strings.Contains(body, "coord@example.org") {
				t.Errorf("%q staff page: %d %.600s", tc.email, resp.StatusCode, body)
			}
		default:
			if strings.Contains(body, "Hidden Close Watch") || resp.StatusCode != map[bool]int{true: 403, false: 200}[!strings.Contains(tc.email, "s@")] {
				t.Errorf("%q staff page shows another force's pending scheme: %d", tc.email, resp.StatusCode)
			}
		}
	}
	log, err := f.st.AuditLog(ctx, watch.AuditFilter{Subject: "scheme"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Action] = true
	}
	for _, want := range []string{"approved", "rejected", "read"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q scheme: %v", want, seen)
		}
	}
}

const so14 = "/watch/staff/neighbourhoods/hampshire/SO14"

func TestTeamEditRoles(t *testing.T) {
	f := newStaffFixture(t)
	for _, tc := range []struct {
		email     string
		get, post int
	}{
		{"", 303, 403},
		{"coord@example.org", 403, 403},
		{"kent@example.org", 404, 404},
		{"hants@example.org", 200, 303},
		{"admin@example.org", 200, 303},
	} {
		c, csrf := f.actor(t, tc.email)
		if resp, _ := wfetch(t, c, "GET", f.ts.URL+so14, nil); resp.StatusCode != tc.get {
			t.Errorf("%q GET: %d, want %d", tc.email, resp.StatusCode, tc.get)
		}
		form := url.Values{"csrf": {csrf}, neighbourhood.FieldPriorities: {`[{"issue": "Parking by ` + tc.email + `"}]`}}
		if resp, body := wfetch(t, c, "POST", f.ts.URL+so14, form); resp.StatusCode != tc.post {
			t.Errorf("%q POST: %d, want %d: %.300s", tc.email, resp.StatusCode, tc.post, body)
		}
		for _, p := range []string{"/watch/staff/neighbourhoods/hampshire/NOPE", "/watch/staff/neighbourhoods/nowhere/SO14"} {
			if resp, _ := wfetch(t, c, "POST", f.ts.URL+p, form); resp.StatusCode != 404 && resp.StatusCode != 403 {
				t.Errorf("%q %s: %d, want 403 or 404", tc.email, p, resp.StatusCode)
			}
		}
	}
	edits, err := f.st.TeamEdits(context.Background(), "hampshire", "SO14")
	if err != nil || len(edits) != 2 {
		t.Fatalf("%d edits (%v), want those of Hampshire's staff and the admin", len(edits), err)
	}
	for _, e := range edits {
		if !strings.Contains(e.New, "hants@") && !strings.Contains(e.New, "admin@") {
			t.Errorf("edit by someone who may not: %+v", e)
		}
	}
}

// TestTeamEditOverrides edits SO14's team through the form and reads it
// back from the API and the page, escaped and sanitised as imported data
// is, then empties the field to go back to the imported team.
func TestTeamEditOverrides(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	c, csrf := f.actor(t, "hants@example.org")
	_, form := wfetch(t, c, "GET", f.ts.URL+so14, nil)
	if !strings.Contains(form, "Aisha Khan") {
		t.Fatalf("form does not start from the imported team: %.800s", form)
	}
	_, imported := wfetch(t, c, "GET", f.ts.URL+"/api/hampshire/SO14/people", nil)
	if resp, body := wfetch(t, c, "GET", f.ts.URL+"/watch/staff/neighbourhoods/hampshire/Bargate%20Ward", nil); resp.StatusCode != 200 || !strings.Contains(body, `action="/watch/staff/neighbourhoods/hampshire/Bargate%20Ward"`) {
		t.Errorf("an id with a space: %d %.300s", resp.StatusCode, body)
	}
	team := `[{"name": "Jo <b>Bold</b>", "rank": "PCSO", "bio": "<p>New here</p><script>alert(1)</script>"}]`
	post := url.Values{"csrf": {csrf}, neighbourhood.FieldTeam: {team},
		neighbourhood.FieldContactDetails: {`{"email": "so14.team@example.org"}`}}
	if resp, body := wfetch(t, c, "POST", f.ts.URL+so14, post); resp.StatusCode != 303 {
		t.Fatalf("edit: %d %.400s", resp.StatusCode, body)
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/api/hampshire/SO14/people", nil); !strings.Contains(body, `"Jo <b>Bold</b>"`) || strings.Contains(body, "Aisha") {
		t.Errorf("API people after the edit: %s", body)
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/api/hampshire/SO14", nil); !strings.Contains(body, "so14.team@example.org") {
		t.Errorf("API detail after the edit: %s", body)
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/api/hampshire/Bargate%20Ward/people", nil); strings.Contains(body, "Jo ") {
		t.Errorf("another neighbourhood shows the edit: %s", body)
	}
	resp, page := wfetch(t, browser(t), "GET", f.ts.URL+"/neighbourhoods/hampshire/SO14", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Jo &lt;b&gt;Bold&lt;/b&gt;") || !strings.Contains(page, "New here") ||
		strings.Contains(page, "<script>alert") || !strings.Contains(page, "mailto:so14.team@example.org") {
		t.Errorf("page after the edit: %d %.2000s", resp.StatusCode, page)
	}
	edits, err := f.st.TeamEdits(ctx, "hampshire", "SO14")
	if err != nil || len(edits) != 2 {
		t.Fatalf("edits: %+v %v", edits, err)
	}
	if e := edits[0]; e.Field != neighbourhood.FieldTeam || e.New != team || !strings.Contains(e.Old, "Aisha Khan") || e.By == 0 || time.Since(e.At) > time.Minute {
		t.Errorf("recorded %+v", e)
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+so14, nil); !strings.Contains(body, "hants@example.org") || !strings.Contains(body, "contact_details") {
		t.Errorf("history lacks who changed what: %.2000s", body)
	}

	// A field that is not the API's shape changes nothing.
	bad := url.Values{"csrf": {csrf}, neighbourhood.FieldTeam: {`[{"rank": "PC"}]`}}
	if resp, body := wfetch(t, c, "POST", f.ts.URL+so14, bad); resp.StatusCode != 400 || !strings.Contains(body, "name") {
		t.Errorf("bad team: %d %.400s", resp.StatusCode, body)
	}
	big := url.Values{"csrf": {csrf}, neighbourhood.FieldEvents: {`[{"title": "` + strings.Repeat("x", watch.MaxFieldValue) + `", "start_date": "2030-01-01T00:00:00"}]`}}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+so14, big); resp.StatusCode != 413 {
		t.Errorf("oversized field: %d, want 413", resp.StatusCode)
	}
	if edits, _ := f.st.TeamEdits(ctx, "hampshire", "SO14"); len(edits) != 2 {
		t.Errorf("refused forms recorded edits: %d", len(edits))
	}

	// Emptying the field goes back to the imported team.
	revert := url.Values{"csrf": {csrf}, neighbourhood.FieldTeam: {""}}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+so14, revert); resp.StatusCode != 303 {
		t.Fatalf("revert: %d", resp.StatusCode)
	}
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/api/hampshire/SO14/people", nil); body != imported {
		t.Errorf("after reverting: %s, want %s", body, imported)
	}
}

// registerForm is a registration of a scheme around a point of SO14.
func registerForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "name": {"Guildhall <Square> Watch"}, "description": {"'; DROP TABLE schemes; --"},
		"contact": {"guildhall.watch@example.org"}, "place": {"50.9,-1.4"}, "radius_m": {"300"}}
}

func TestRegisterScheme(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	c := browser(t)
	csrf := wtoken(t, c, f.ts.URL+"/watch/register")
	form := registerForm(csrf)
	form.Set("email", "New.Coord@Example.org")
	form.Set("password", password)
	for i, tc := range []struct {
		name   string
		change func(url.Values)
		want   int
	}{
		{"no csrf", func(v url.Values) { v.Del("csrf") }, 403},
		{"outside every neighbourhood", func(v url.Values) { v.Set("place", "51.5,0.1") }, 400},
		{"radius too large", func(v url.Values) { v.Set("radius_m", "50000") }, 400},
		{"short password", func(v url.Values) { v.Set("password", "short") }, 400},
		{"contact is the coordinator's own", func(v url.Values) { v.Set("contact", "new.coord@example.org") }, 400},
		{"name too long", func(v url.Values) { v.Set("name", strings.Repeat("n", watch.MaxName+1)) }, 413},
	} {
		v := url.Values{}
		for k, vs := range form {
			v[k] = vs
		}
		tc.change(v)
		c.Transport = forwardedFor("192.0.2." + itoa(int64(i+1)))
		if resp, body := wfetch(t, c, "POST", f.ts.URL+"/watch/register", v); resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, resp.StatusCode, tc.want, body)
		} else if tc.want != 403 && !strings.Contains(body, html.EscapeString(v.Get("name"))) {
			t.Errorf("%s: the form does not come back with its values, escaped", tc.name)
		}
	}
	if all, _ := f.st.ListSchemes(ctx, watch.SchemeFilter{Force: "hampshire"}); len(all) != 0 {
		t.Fatalf("refused forms stored %d schemes", len(all))
	}
	if _, err := f.st.UserByEmail(ctx, "new.coord@example.org"); err == nil {
		t.Fatal("a refused form made an account")
	}

	outbox(t, f.st)
	c.Transport = nil
	resp, body := wfetch(t, c, "POST", f.ts.URL+"/watch/register", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/watch/register/sent" || len(resp.Cookies()) != 0 {
		t.Fatalf("register: %d %v %.300s", resp.StatusCode, resp.Cookies(), body)
	}
	all, err := f.st.ListSchemes(ctx, watch.SchemeFilter{Force: "hampshire"})
	if err != nil || len(all) != 1 {
		t.Fatalf("stored %+v (%v)", all, err)
	}
	sc := all[0]
	u, err := f.st.UserByEmail(ctx, "new.coord@example.org")
	if err != nil || u.Role != watch.RoleCoordinator {
		t.Fatalf("account %+v (%v)", u, err)
	}
	if sc.Status != watch.SchemePending || sc.Area.Neighbourhood != "SO14" || sc.Area.RadiusM != 300 ||
		sc.Name != form.Get("name") || sc.Description != form.Get("description") || len(sc.Coordinators) != 1 || sc.Coordinators[0] != u.ID {
		t.Errorf("stored %+v", sc)
	}
	// Hampshire's staff and the admin are told, with no more than the
	// scheme's name and where to review it; the new coordinator is mailed.
	mails := map[string]watch.OutboxMail{}
	for _, m := range outbox(t, f.st) {
		mails[m.To] = m
	}
	if len(mails) != 3 || mails["new.coord@example.org"].To == "" {
		t.Errorf("mailed %v, want the new coordinator, Hampshire's staff and the admin", slices.Collect(maps.Keys(mails)))
	}
	for _, to := range []string{"hants@example.org", "admin@example.org"} {
		m := mails[to]
		if !strings.Contains(m.Subject, form.Get("name")) || !strings.Contains(m.Body, "/watch/staff") || strings.Contains(m.Body, "new.coord") {
			t.Errorf("notice to %s: %+v", to, m)
		}
	}
	// The new coordinator signs in and sees it; the public does not.
	f.signIn(t, c, "new.coord@example.org")
	if _, body := wfetch(t, c, "GET", f.ts.URL+"/watch/inbox", nil); !strings.Contains(body, "Guildhall &lt;Square&gt; Watch") || !strings.Contains(body, "pending") {
		t.Errorf("inbox: %.600s", body)
	}
	pub := browser(t)
	if resp, _ := wfetch(t, pub, "GET", f.schemeURL(sc), nil); resp.StatusCode != 404 {
		t.Errorf("pending scheme to the public: %d", resp.StatusCode)
	}
	if _, body := wfetch(t, pub, "GET", f.ts.URL+"/watch?lat=50.9&lng=-1.4", nil); strings.Contains(body, "Guildhall") {
		t.Error("pending scheme listed")
	}
	// Hampshire's staff approve it, and it is listed.
	hc, hcsrf := f.actor(t, "hants@example.org")
	if _, body := wfetch(t, hc, "GET", f.ts.URL+"/watch/staff", nil); !strings.Contains(body, "Guildhall &lt;Square&gt; Watch") || !strings.Contains(body, "new.coord@example.org") {
		t.Errorf("staff page: %.800s", body)
	}
	if resp, _ := wfetch(t, hc, "POST", f.ts.URL+"/watch/staff/schemes/"+itoa(sc.ID)+"/approve", url.Values{"csrf": {hcsrf}}); resp.StatusCode != 303 {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if _, body := wfetch(t, pub, "GET", f.ts.URL+"/watch?lat=50.9&lng=-1.4", nil); !strings.Contains(body, "Guildhall") {
		t.Errorf("approved scheme not listed: %.600s", body)
	}

	// A signed-in coordinator registers without making an account; staff
	// do not register; a robot is answered and nothing is kept.
	cc, ccsrf := f.actor(t, "other@example.org")
	if resp, body := wfetch(t, cc, "POST", f.ts.URL+"/watch/register", registerForm(ccsrf)); resp.StatusCode != 303 {
		t.Errorf("coordinator registers: %d %.300s", resp.StatusCode, body)
	}
	if resp, _ := wfetch(t, hc, "POST", f.ts.URL+"/watch/register", registerForm(hcsrf)); resp.StatusCode != 403 {
		t.Errorf("staff registers: %d, want 403", resp.StatusCode)
	}
	whole := registerForm(ccsrf)
	whole.Set("area", "neighbourhood")
	whole.Set("radius_m", "")
	whole.Set("name", "City Centre Watch")
	if resp, body := wfetch(t, cc, "POST", f.ts.URL+"/watch/register", whole); resp.StatusCode != 303 {
		t.Errorf("coordinator registers a neighbourhood: %d %.300s", resp.StatusCode, body)
	}
	robot := registerForm(ccsrf)
	robot.Set("website", "http://spam.example")
	if resp, _ := wfetch(t, cc, "POST", f.ts.URL+"/watch/register", robot); resp.StatusCode != 303 {
		t.Errorf("honeypot: %d, want 303", resp.StatusCode)
	}
	all, _ = f.st.ListSchemes(ctx, watch.SchemeFilter{Force: "hampshire"})
	if len(all) != 3 {
		t.Fatalf("%d schemes, want 3", len(all))
	}
	if a := all[2].Area; all[2].Name != "City Centre Watch" || a.IsCircle() || a.Neighbourhood != "SO14" || len(a.Polygon) != 1 || len(a.Polygon[0][0]) != 5 {
		t.Errorf("whole neighbourhood stored as %+v", all[2])
	}
}

func TestRegisterRateLimited(t *testing.T) {
	f := newStaffFixture(t)
	c := browser(t)
	form := registerForm(wtoken(t, c, f.ts.URL+"/watch/register"))
	form.Set("website", "x") // keep the store out of it
	for i := 0; i < server.FormBurst; i++ {
		if resp, _ := wfetch(t, c, "POST", f.ts.URL+"/watch/register", form); resp.StatusCode != 303 {
			t.Fatalf("form %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+"/watch/register", form); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("past the burst: %d", resp.StatusCode)
	}
}

// TestWatchPagesLinkIcon: without a linked icon the browser asks for
// /favicon.ico, whose 404 is an error in the console of every Watch page.
func TestWatchPagesLinkIcon(t *testing.T) {
	f := newWatchFixture(t)
	for _, p := range []string{"/watch", "/watch/register", "/account/sign-in"} {
		if _, body := wfetch(t, browser(t), "GET", f.ts.URL+p, nil); !strings.Contains(body, `rel="icon" href="/static/app/icon.svg"`) {
			t.Errorf("%s links no icon", p)
		}
	}
}

// outbox takes every queued mail from st, so the next call sees only
// newer ones.
func outbox(t testing.TB, st watch.Store) []watch.OutboxMail {
	t.Helper()
	m, err := st.ClaimMail(context.Background(), time.Now().Add(time.Hour), time.Hour, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStaffReviewRace has Kent's staff and an admin decide the same
// pending scheme at once: one decision stands, the other is told 409, and
// the coordinator gets one mail.
func TestStaffReviewRace(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	kc, kcsrf := f.actor(t, "kent@example.org")
	ac, acsrf := f.actor(t, "admin@example.org")
	outbox(t, f.st)
	for round := range 8 {
		sc, err := f.st.CreateScheme(ctx, watch.Scheme{Name: "Race Lane Watch", Force: "kent", Status: watch.SchemePending,
			Area: watch.Area{Centre: orb.Point{0.5, 51.2}, RadiusM: 300}, Coordinators: []int64{f.coord.ID}})
		if err != nil {
			t.Fatal(err)
		}
		base := f.ts.URL + "/watch/staff/schemes/" + itoa(sc.ID)
		start := make(chan struct{})
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for k, a := range []struct {
			c    *http.Client
			csrf string
			path string
		}{{kc, kcsrf, "/approve"}, {ac, acsrf, "/reject"}} {
			wg.Go(func() {
				<-start
				resp, _ := wfetch(t, a.c, "POST", base+a.path, url.Values{"csrf": {a.csrf}})
				codes[k] = resp.StatusCode
			})
		}
		close(start)
		wg.Wait()
		slices.Sort(codes)
		if !slices.Equal(codes, []int{303, 409}) {
			t.Errorf("round %d: answers %v, want one 303 and one 409", round, codes)
		}
		if m := outbox(t, f.st); len(m) != 1 || m[0].To != "coord@example.org" {
			t.Errorf("round %d: mails %+v, want one to the coordinator", round, m)
		}
	}
}

// TestRegisterExistingAccount registers with an address that has an
// account and with one that has not: the answers are the same, so they
// tell no one which addresses have accounts. Nothing is stored for the
// existing one, whose owner is mailed instead.
func TestRegisterExistingAccount(t *testing.T) {
	f := newStaffFixture(t)
	ctx := context.Background()
	before, err := f.st.UserByEmail(ctx, "coord@example.org")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(email, addr string) (int, string, []*http.Cookie, string) {
		c := browser(t)
		c.Transport = forwardedFor(addr)
		form := registerForm(wtoken(t, c, f.ts.URL+"/watch/register"))
		form.Set("email", email)
		form.Set("password", "another long enough secret")
		outbox(t, f.st)
		resp, body := wfetch(t, c, "POST", f.ts.URL+"/watch/register", form)
		if resp.StatusCode == 303 {
			_, body = wfetch(t, c, "GET", f.ts.URL+resp.Header.Get("Location"), nil)
		}
		body = csrfRe.ReplaceAllString(body, "")
		return resp.StatusCode, resp.Header.Get("Location"), resp.Cookies(), body
	}
	code, loc, cookies, page := answer("Coord@Example.org", "192.0.2.10")
	mails := outbox(t, f.st)
	newCode, newLoc, newCookies, newPage := answer("someone.new@example.org", "192.0.2.11")
	if code != newCode || loc != newLoc || len(cookies) != len(newCookies) || page != newPage {
		t.Errorf("existing account answered %d %q %v, a new one %d %q %v; pages equal: %v",
			code, loc, cookies, newCode, newLoc, newCookies, page == newPage)
	}
	if code != 303 || !strings.Contains(page, "sent a mail") {
		t.Errorf("existing account: %d %.400s", code, page)
	}
	if len(mails) != 1 || mails[0].To != "coord@example.org" || !strings.Contains(mails[0].Body, "already has an account") ||
		strings.Contains(mails[0].Body, "Guildhall") {
		t.Errorf("mails %+v, want one to the account's owner without the registrant's text", mails)
	}
	all, err := f.st.ListSchemes(ctx, watch.SchemeFilter{Force: "hampshire"})
	if err != nil || len(all) != 1 || all[0].Coordinators[0] == before.ID {
		t.Errorf("schemes %+v (%v), want only the new account's", all, err)
	}
	if after, err := f.st.UserByEmail(ctx, "coord@example.org"); err != nil || after != before {
		t.Errorf("the existing account changed: %+v (%v)", after, err)
	}
}

// failingSchemes is a store whose scheme writes fail after an account
// has been stored.
type failingSchemes struct{ watch.Store }

var errDiskFull = fault.New(fault.Unavailable, "disk full")

func (failingSchemes) CreateScheme(context.Context, watch.Scheme) (watch.Scheme, error) {
	return watch.Scheme{}, errDiskFull
}

// RegisterScheme makes the real store fail within its transaction, after
// the account's insert: the contact becomes the new coordinator's own.
func (s failingSchemes) RegisterScheme(ctx context.Context, r watch.Registration, notify ...watch.OutboxMail) (watch.Scheme, error) {
	r.Scheme.Contact = "mailto:" + r.Account.Email
	return s.Store.RegisterScheme(ctx, r, notify...)
}

func TestRegisterLeavesNoAccount(t *testing.T) {
	f := newStaffFixture(t)
	f.serveStaff(t, failingSchemes{f.st})
	c := browser(t)
	form := registerForm(wtoken(t, c, f.ts.URL+"/watch/register"))
	form.Set("email", "orphan@example.org")
	form.Set("password", password)
	if resp, _ := wfetch(t, c, "POST", f.ts.URL+"/watch/register", form); resp.StatusCode == 303 {
		t.Errorf("a scheme that was not saved: %d", resp.StatusCode)
	}
	if u, err := f.st.UserByEmail(context.Background(), "orphan@example.org"); err == nil {
		t.Errorf("the account outlived its scheme: %+v", u)
	}
}
