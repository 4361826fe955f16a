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

// An aria-label on an element without a role (a plain div) names nothing
// that assistive technology reads (axe's aria-prohibited-attr); the pages
// label only landmarks, regions and controls.
func TestPagesLabelOnlyElementsWithRoles(t *testing.T) {
	ts := webServer(t, server.DefaultConfig())
	bare := regexp.MustCompile(`<(div|span|p)\b[^>]*\baria-label=[^>]*>`)
	for _, path := range []string{"/", "/embed?lat=50.9097&lng=-1.4044"} {
		_, body := fetch(t, ts, path)
		for _, tag := range bare.FindAllString(body, -1) {
			if !regexp.MustCompile(`\brole="`).MatchString(tag) {
				t.Errorf("%s: %s has an aria-label and no role", path, tag)
			}
		}
	}
	// The embed's content is its main landmark (axe's landmark-one-main).
	if _, body := fetch(t, ts, "/embed?lat=50.9097&lng=-1.4044"); !regexp.MustCompile(`<main\b`).MatchString(body) {
		t.Error("the embed has no main landmark")
	}
}
