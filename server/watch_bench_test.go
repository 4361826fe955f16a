package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"crimemap/watch"
)

// BenchmarkInbox200 is a coordinator's inbox of 200 applications, each read
// written to the audit log in its own durable transaction.
func BenchmarkInbox200(b *testing.B) {
	f := newWatchFixture(b)
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		if _, err := f.st.CreateApplication(ctx, watch.Application{SchemeID: f.active.ID, Name: "A", Email: "a@example.org",
			Address: "ME14 1AA", Consent: true, TokenHash: watch.HashToken(strconv.Itoa(i)), Created: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	c := browser(b)
	f.signIn(b, c, "coord@example.org")
	for b.Loop() {
		if resp, _ := wfetch(b, c, "GET", f.ts.URL+"/watch/inbox", nil); resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}
