package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"crimemap/fault"
	"crimemap/watch"
)

// TestReplyWaitsForClose holds a thread's close open in a transaction
// while a reply arrives: the reply waits for it and, once the close
// commits, is refused, rather than landing, mail and all, in a thread
// closed under it.
func TestReplyWaitsForClose(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	sc, err := s.CreateScheme(ctx, watch.Scheme{Name: "green", Force: "kent", Status: watch.SchemeActive, Contact: "https://example.org/w",
		Area: watch.Area{Centre: orb.Point{0.5, 51.2}, RadiusM: 300}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMessage(ctx, watch.Message{SchemeID: sc.ID, Name: "Bob", Email: "bob@example.com", Text: "Hello",
		TokenHash: watch.HashToken("t"), Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Writer().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET closed = $1 WHERE id = $2 AND closed = 0`, time.Now().UnixMicro(), m.ID); err != nil {
		t.Fatal(err)
	}
	replied := make(chan error, 1)
	go func() {
		_, err := s.AddReply(ctx, watch.Reply{MessageID: m.ID, Text: "Thanks", Created: time.Now()}, watch.AuditEntry{},
			watch.OutboxMail{To: "c@example.com", Subject: "A reply", Body: "b", Created: time.Now(), NextAttempt: time.Now()})
		replied <- err
	}()
	select {
	case err := <-replied:
		t.Fatalf("the reply did not wait for the close in progress: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-replied; !fault.Is(err, fault.Conflict) {
		t.Fatalf("reply after the close committed: %v, want a conflict", err)
	}
	if rs, err := s.Replies(ctx, m.ID); err != nil || len(rs) != 0 {
		t.Fatalf("replies %+v %v", rs, err)
	}
	if due, err := s.ClaimMail(ctx, time.Now().Add(time.Hour), time.Minute, 10); err != nil || len(due) != 0 {
		t.Fatalf("mails due %+v %v, want none", due, err)
	}
}
