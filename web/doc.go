// Package web holds the browser side of crimemap: the map page, the
// embeddable neighbourhood map, their scripts and styles, and the vendored
// MapLibre GL JS, all compiled into the binary with go:embed so a deployment
// serves its own front end with no outside network access.
//
// The package knows nothing of HTTP or of the dataset: package server renders
// the pages with the values it computes and serves the assets from Assets.
// Scripts are plain ES modules with no build step; each file under static/
// is served as is.
package web
