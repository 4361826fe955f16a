package server_test

import (
	"regexp"
	"testing"

	"crimemap/server"
)

// The embed's map holds MapLibre's canvas and zoom buttons, which a
// role="img" would hide from assistive technology (axe's
// nested-interactive); a labelled region keeps them reachable.
func TestEmbedMapIsARegion(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	_, body := fetch(t, ts, "/embed?lat=50.9097&lng=-1.4044")
	m := regexp.MustCompile(`<div id="map"[^>]*>`).FindString(body)
	if !regexp.MustCompile(`role="region"`).MatchString(m) || !regexp.MustCompile(`aria-label="[^"]+"`).MatchString(m) {
		t.Errorf("the embed's map is %s, want a labelled region", m)
	}
}
