package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"crimemap/server"
	"crimemap/watch"
)

// FuzzWatchApply sends arbitrary fields to the application form: every
// answer is a stored application (303) or a refusal naming the field
// (400, 413), never a failure, and a refused form shows the values back
// escaped.
func FuzzWatchApply(f *testing.F) {
	f.Add("Ann", "ann@example.org", "ME14 1AA", "hi", true)
	f.Add("<script>x</script>", "a@b", "'; DROP TABLE x; --", "\x00", false)
	f.Add(strings.Repeat("é", 150), "not an email", "", "\r\n", true)
	fx := newWatchFixture(f)
	h := server.New(server.DefaultConfig(), server.Deps{Watch: fx.st})
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest("GET", "/watch/schemes/"+itoa(fx.active.ID), nil))
	csrf := csrfRe.FindStringSubmatch(get.Body.String())
	cookies := get.Result().Cookies()
	if csrf == nil || len(cookies) == 0 {
		f.Fatal("no CSRF token or cookie")
	}
	// A refused form's page without the values: what any value may match
	// without being shown back.
	blank := httptest.NewRecorder()
	h.ServeHTTP(blank, httptest.NewRequest("GET", "/watch/schemes/"+itoa(fx.active.ID), nil))
	n := 0
	f.Fuzz(func(t *testing.T, name, email, address, message string, consent bool) {
		form := url.Values{"csrf": {csrf[1]}, "name": {name}, "email": {email}, "address": {address}, "message": {message}}
		if consent {
			form.Set("consent", "yes")
		}
		req := httptest.NewRequest("POST", "/watch/schemes/"+itoa(fx.active.ID)+"/apply", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		n++
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", n>>16&255, n>>8&255, n&255) // past the rate limit
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			body := rec.Body.String()
			for _, v := range []string{name, address, message} {
				if strings.Contains(v, "<") && strings.Contains(body, v) && !strings.Contains(blank.Body.String(), v) {
					t.Errorf("refused form shows %q unescaped", v)
				}
			}
		default:
			t.Errorf("status %d: %.300s", rec.Code, rec.Body.String())
		}
	})
}

// FuzzWatchRegister sends arbitrary fields to the registration form of a
// signed-in coordinator: every answer is a stored scheme (303) or a
// refusal (400, 404 for a place that matches nothing, 413), never a
// failure, and a stored scheme is pending and valid.
func FuzzWatchRegister(f *testing.F) {
	f.Add("Park Watch", "Streets", "watch@example.org", "50.9,-1.4", "400", "circle")
	f.Add("<b>x</b>", "'; DROP TABLE schemes; --", "", "SO14 7LY", "1e9", "neighbourhood")
	f.Add("x", "\x00", "coord@example.org", "high street", "NaN", "")
	fx := newStaffFixture(f)
	c, csrf := fx.actor(f, "other@example.org")
	n := 0
	f.Fuzz(func(t *testing.T, name, description, contact, place, radius, area string) {
		n++
		c.Transport = forwardedFor(fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)) // past the rate limit
		form := url.Values{"csrf": {csrf}, "name": {name}, "description": {description}, "contact": {contact},
			"place": {place}, "radius_m": {radius}, "area": {area}}
		resp, body := wfetch(t, c, "POST", fx.ts.URL+"/watch/register", form)
		switch resp.StatusCode {
		case http.StatusSeeOther, http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		if strings.Contains(name, "<") && strings.Contains(body, name) {
			t.Errorf("refused form shows %q unescaped", name)
		}
		if resp.StatusCode == http.StatusSeeOther {
			listed, err := fx.st.ListSchemes(context.Background(), watch.SchemeFilter{Force: "hampshire", Status: watch.SchemeActive})
			if err != nil || len(listed) > 0 {
				t.Fatalf("a registered scheme is active: %+v %v", listed, err)
			}
		}
	})
}
