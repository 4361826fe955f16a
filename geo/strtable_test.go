package geo

import (
	"testing"
	"unsafe"
)

// TestBuildPacksStrings checks that a build's strings sit side by side in
// one allocation, a build on a base's new ones too with the base's own
// left where they were: strings copied out of the files one by one keep
// pages of the load's garbage in the heap (see packStrings).
func TestBuildPacksStrings(t *testing.T) {
	o, _, feb, _ := threeMonths()
	full, _, err := o.builder(t, func(Unit) bool { return true }).Build()
	if err != nil {
		t.Fatal(err)
	}
	checkPacked(t, "one piece", full.strs[1:], 10)
	base, _, err := o.builder(t, func(u Unit) bool { return u.Month < feb }).Build()
	if err != nil {
		t.Fatal(err)
	}
	month, _, err := o.builder(t, func(u Unit) bool { return u.Month >= feb }).BuildOn(base)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range base.strs {
		if s != "" && unsafe.StringData(month.strs[i]) != unsafe.StringData(s) {
			t.Fatalf("the base's string %d %q was moved", i, s)
		}
	}
	if len(month.strs) <= len(base.strs) {
		t.Fatal("the month brings no strings of its own")
	}
	checkPacked(t, "on a base", month.strs[len(base.strs):], 3)
}

func checkPacked(t *testing.T, name string, strs []string, least int) {
	t.Helper()
	var end *byte
	n := 0
	for _, s := range strs {
		if s == "" {
			continue
		}
		if p := unsafe.StringData(s); end != nil && p != end {
			t.Fatalf("%s: %q is not where the string before it ends", name, s)
		}
		end = (*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), len(s)))
		n++
	}
	if n < least {
		t.Fatalf("%s: %d strings, too few to tell", name, n)
	}
}
