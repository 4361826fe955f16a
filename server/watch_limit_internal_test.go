package server

import (
	"strconv"
	"testing"
	"time"
)

func TestAddrLimiterBoundedMemory(t *testing.T) {
	l := newAddrLimiter(time.Minute, 2, 100)
	now := time.Unix(1e9, 0)
	for i := 0; i < 1000; i++ {
		l.allow("10.0.0."+strconv.Itoa(i), now)
		if len(l.buckets) > 100 {
			t.Fatalf("%d addresses remembered, bound 100", len(l.buckets))
		}
	}
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > time.Minute {
		t.Errorf("past the burst: ok %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow("a", now.Add(time.Minute)); !ok {
		t.Error("refused after the bucket refilled")
	}
}
