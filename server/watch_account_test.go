package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crimemap/server"
	"crimemap/watch"
)

const password = "correct horse battery"

// addUser makes an account with the fixture's password.
func (f *watchFixture) addUser(t testing.TB, email string, role watch.Role, force string) watch.User {
	t.Helper()
	hash, err := watch.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.st.CreateUser(context.Background(), watch.User{Email: email, PasswordHash: hash, Role: role, Force: force})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn signs c in and returns the session cookie the server set.
func (f *watchFixture) signIn(t testing.TB, c *http.Client, email string) *http.Cookie {
	t.Helper()
	form := url.Values{"csrf": {wtoken(t, c, f.ts.URL+"/account/sign-in")}, "email": {email}, "password": {password}}
	resp, body := wfetch(t, c, "POST", f.ts.URL+"/account/sign-in", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/watch/inbox" {
		t.Fatalf("sign in %s: %d %.300s", email, resp.StatusCode, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "watch_session" {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestSignInCookie(t *testing.T) {
	for _, tc := range []struct {
		name       string
		publicURL  string
		wantSecure bool
	}{
		{"plain HTTP", "", false},
		{"published over HTTPS", "https://crime.example.org", true},
	} {
		f := newWatchFixture(t, func(c *server.Config) { c.PublicURL = tc.publicURL })
		ck := f.signIn(t, browser(t), "coord@example.org")
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.wantSecure {
			t.Errorf("%s: cookie %+v", tc.name, ck)
		}
	}
}

func TestSignInThrottledAndSignOut(t *testing.T) {
	f := newWatchFixture(t)
	c := browser(t)
	csrf := wtoken(t, c, f.ts.URL+"/account/sign-in")
	wrong := url.Values{"csrf": {csrf}, "email": {"coord@example.org"}, "password": {"not the password"}}
	for i := 0; i < watch.MaxAccountFailures; i++ {
		if resp, _ := wfetch(t, c, "POST", f.ts.URL+"/account/sign-in", wrong); resp.StatusCode != 401 {
			t.Fatalf("wrong password %d: %d, want 401", i, resp.StatusCode)
		}
	}
	right := url.Values{"csrf": {csrf}, "email": {"coord@example.org"}, "password": {password}}
	resp, _ := wfetch(t, c, "POST", f.ts.URL+"/account/sign-in", right)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after %d failures: %d, Retry-After %q; want 429", watch.MaxAccountFailures, resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	other := f.addUser(t, "other@example.org", watch.RoleCoordinator, "")
	c2 := browser(t)
	f.signIn(t, c2, other.Email)
	if resp, body := wfetch(t, c2, "GET", f.ts.URL+"/watch/inbox", nil); resp.StatusCode != 200 || !strings.Contains(body, "other@example.org") {
		t.Fatalf("inbox: %d", resp.StatusCode)
	}
	csrf = wtoken(t, c2, f.ts.URL+"/watch/inbox")
	if resp, _ := wfetch(t, c2, "POST", f.ts.URL+"/account/sign-out", url.Values{"csrf": {csrf}}); resp.StatusCode != 303 {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := wfetch(t, c2, "GET", f.ts.URL+"/watch/inbox", nil); resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/sign-in" {
		t.Errorf("inbox after signing out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSessionExpires(t *testing.T) {
	f := newWatchFixture(t)
	past := time.Now().Add(-time.Hour)
	if err := f.st.CreateSession(context.Background(), watch.Session{TokenHash: watch.HashToken("old"), UserID: f.coord.ID, Created: past.Add(-time.Hour), Expires: past}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", f.ts.URL+"/watch/inbox", nil)
	req.AddCookie(&http.Cookie{Name: "watch_session", Value: "old"})
	resp, _ := do(t, browser(t), req)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/sign-in" {
		t.Errorf("expired session: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestInboxRoles checks every inbox action for each kind of account
// against a scheme it does or does not answer for, and a guessed id.
func TestInboxRoles(t *testing.T) {
	f := newWatchFixture(t)
	ctx := context.Background()
	f.addUser(t, "other@example.org", watch.RoleCoordinator, "")
	f.addUser(t, "kent@example.org", watch.RoleStaff, "kent")
	f.addUser(t, "essex@example.org", watch.RoleStaff, "essex")
	f.addUser(t, "admin@example.org", watch.RoleAdmin, "")
	newRows := func() (app, msg int64) {
		a, err := f.st.CreateApplication(ctx, watch.Application{SchemeID: f.active.ID, Name: "<i>Ann</i>", Email: "ann@example.org",
			Address: "ME14 1AA", Consent: true, TokenHash: watch.HashToken(time.Now().String()), Created: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.st.CreateMessage(ctx, watch.Message{SchemeID: f.active.ID, Name: "Bo", Email: "bo@example.org", Text: "Hello",
			TokenHash: watch.HashToken(time.Now().String() + "m"), Created: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID, m.ID
	}
	for _, actor := range []struct {
		email string // "" for the public
		want  int
	}{
		{"", 403},
		{"other@example.org", 404},
		{"essex@example.org", 404},
		{"coord@example.org", 303},
		{"kent@example.org", 303},
		{"admin@example.org", 303},
	} {
		c := browser(t)
		page := f.ts.URL + "/account/sign-in"
		if actor.email != "" {
			f.signIn(t, c, actor.email)
			page = f.ts.URL + "/watch/inbox"
		}
		csrf := wtoken(t, c, page)
		app, msg := newRows()
		for _, action := range []struct {
			path string
			form url.Values
		}{
			{"/watch/inbox/applications/" + itoa(app) + "/approve", nil},
			{"/watch/inbox/applications/" + itoa(app) + "/decline", nil},
			{"/watch/inbox/messages/" + itoa(msg) + "/reply", url.Values{"text": {"Thanks"}}},
			{"/watch/inbox/messages/" + itoa(msg) + "/close", nil},
		} {
			form := url.Values{"csrf": {csrf}}
			for k, v := range action.form {
				form[k] = v
			}
			want := actor.want
			if want == 303 && strings.HasSuffix(action.path, "/decline") {
				want = 409 // approved a moment ago
			}
			if resp, body := wfetch(t, c, "POST", f.ts.URL+action.path, form); resp.StatusCode != want {
				t.Errorf("%q %s: %d, want %d: %.200s", actor.email, action.path, resp.StatusCode, want, body)
			}
			guessed := strings.Replace(strings.Replace(action.path, "/"+itoa(app)+"/", "/987654/", 1), "/"+itoa(msg)+"/", "/987654/", 1)
			if resp, _ := wfetch(t, c, "POST", f.ts.URL+guessed, form); resp.StatusCode != 404 && resp.StatusCode != 403 {
				t.Errorf("%q %s: %d, want 403 or 404", actor.email, guessed, resp.StatusCode)
			}
		}
		if actor.email == "" {
			continue
		}
		resp, body := wfetch(t, c, "GET", f.ts.URL+"/watch/inbox", nil)
		sees := strings.Contains(body, "ann@example.org")
		if resp.StatusCode != 200 || sees != (actor.want == 303) {
			t.Errorf("%s inbox: %d, shows the applicant: %v", actor.email, resp.StatusCode, sees)
		}
		if sees && (strings.Contains(body, "<i>Ann") || !strings.Contains(body, "&lt;i&gt;Ann")) {
			t.Errorf("%s inbox does not escape the applicant's name", actor.email)
		}
	}
	// Every read and change of personal data is in the audit log.
	log, err := f.st.AuditLog(ctx, watch.AuditFilter{ActorID: f.coord.ID})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Action+" "+e.Subject] = true
	}
	for _, want := range []string{"read application", "read message", "approved application", "reply message", "close message"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %v", want, seen)
		}
	}
}
