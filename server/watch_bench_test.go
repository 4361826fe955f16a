package server_test

import (
	"testing"
)

// BenchmarkInbox200 is a coordinator's inbox of 200 applications, their
// reads written to the audit log in one durable transaction.
func BenchmarkInbox200(b *testing.B) {
	f := newWatchFixture(b)
	f.seedInbox(b, 200, 0)
	c := browser(b)
	f.signIn(b, c, "coord@example.org")
	for b.Loop() {
		if resp, _ := wfetch(b, c, "GET", f.ts.URL+"/watch/inbox", nil); resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}
