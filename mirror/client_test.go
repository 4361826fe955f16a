package mirror

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 2 ", 2 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"99999999999999999999", 0},
		{"86400", MaxRetryAfter},
		{"Mon, 01 Jan 2024 12:00:30 GMT", 30 * time.Second},
		{"Mon, 01 Jan 2024 11:00:00 GMT", 0},
		{"Mon, 01 Jan 2024 18:00:00 GMT", 6 * time.Hour}, // capped where it is used
		{"soon", 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 100; attempt++ {
		full := backoffCap
		if attempt < 16 {
			full = min(backoffBase<<(attempt-1), backoffCap)
		}
		for range 50 {
			if d := backoff(attempt); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within %v..%v", attempt, d, full/2, full)
			}
		}
	}
}

func TestShapeOK(t *testing.T) {
	tests := []struct {
		in          string
		array, want bool
	}{
		{`[]`, true, true},
		{` [{"id": "a"}]` + "\n", true, true},
		{`{"id": "a"}`, false, true},
		{`{"id": "a"}`, true, false},
		{`[]`, false, false},
		{`[{"id": "a"`, true, false},
		{``, true, false},
		{`null`, true, false},
		{`"x"`, false, false},
		{`<html></html>`, false, false},
	}
	for _, tc := range tests {
		if got := shapeOK([]byte(tc.in), tc.array); got != tc.want {
			t.Errorf("shapeOK(%q, array=%v) = %v, want %v", tc.in, tc.array, got, tc.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "Mon, 01 Jan 2024 12:00:30 GMT", "", "-1", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 {
			t.Errorf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}

// FuzzList feeds a force's list as a server might answer it: whatever it
// holds, the ids taken are distinct non-empty strings.
func FuzzList(f *testing.F) {
	for _, s := range []string{`[{"id": "SO14", "name": "x"}, {"id": "Bargate Ward"}]`, `[{"id": 4}]`, `{"id": "a"}`, `[{"id": "a"}, {"id": "a"}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fe := &fetcher{ids: map[string][]string{}}
		fe.list(job{force: "f"}, []byte(s))
		seen := map[string]bool{}
		for _, id := range fe.ids["f"] {
			if id == "" || seen[id] {
				t.Fatalf("ids %q from %q", fe.ids["f"], s)
			}
			seen[id] = true
		}
	})
}
