package main

import "testing"

func TestCheckPublicURL(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"https://crime.example.org", true},
		{"http://127.0.0.1:8080/crimemap/", true},
		{"crime.example.org", false},
		{"/crimemap", false},
		{"ftp://crime.example.org", false},
		{"https://crime.example.org/?a=b", false},
		{"https://crime.example.org/#x", false},
	} {
		if err := checkPublicURL(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkPublicURL(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}
