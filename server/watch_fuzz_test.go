package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"crimemap/server"
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
