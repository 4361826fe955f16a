// Package server translates HTTP requests into calls on the dataset (package
// geo) and the tile encoders (package tiles) and their results back into
// HTTP: the data.police.uk-compatible API under /api/, the analyst API under
// /v1/, tiles and the map page. Handlers parse and validate parameters, call
// one domain method and encode the answer; errors become statuses in one
// place (errors.go) and routes are listed in one place (routes.go).
package server
