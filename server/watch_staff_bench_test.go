package server_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"crimemap/neighbourhood"
	"crimemap/server"
	"crimemap/watch"
)

// BenchmarkTeamPeopleEdits is GET /api/hampshire/SO14/people answered
// in-process: without a store, over a store holding no edit of it (the
// cost of asking), and with its team edited (asking and decoding the
// edit).
func BenchmarkTeamPeopleEdits(b *testing.B) {
	ctx := context.Background()
	teams, _, err := neighbourhood.LoadDir(ctx, teamDir)
	if err != nil {
		b.Fatal(err)
	}
	f := newWatchFixture(b)
	edited := newWatchFixture(b)
	if _, err := edited.st.RecordTeamEdit(ctx, watch.TeamEdit{Force: "hampshire", Neighbourhood: "SO14", Field: neighbourhood.FieldTeam,
		New: `[{"name": "Jo Bloggs", "rank": "PCSO", "bio": "<p>New to the team.</p>"}]`, By: edited.coord.ID, At: time.Now()}, watch.AuditEntry{}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		st   watch.Store
	}{{"no-store", nil}, {"no-edit", f.st}, {"edited", edited.st}} {
		b.Run(bc.name, func(b *testing.B) {
			h := server.New(server.DefaultConfig(), server.Deps{Neighbourhoods: teams, Watch: bc.st})
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/hampshire/SO14/people", nil))
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
