package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"crimemap/analysis"
	"crimemap/geo"
	"crimemap/ogc"
)

// apiRoute documents one route of routes() for /openapi.json. path is the
// route's gorilla/mux template exactly as registered; a test walks the
// router and fails when a route and this table disagree.
type apiRoute struct {
	path string
	// oasPath names a prefix route's path in the document; "" derives it
	// from path.
	oasPath string
	ops     []apiOp
}

// apiOp is one method of a route. GET routes answer HEAD alike.
type apiOp struct {
	method  string
	summary string
	params  []string // keys of apiParams
	body    string   // "", bodyArea, bodyForm
	ok      string   // key of okResponses
	also    []int    // statuses beyond those every operation may answer
	tag     string
}

// Request bodies an operation takes.
const (
	bodyArea      = "area"      // a form, or a GeoJSON polygon
	bodyFormField = "formfield" // a form of the page
)

// Parameter groups shared by many routes.
var (
	filterNames = []string{"from", "to", "category", "force", "outcome"}
	areaNames   = []string{"lat", "lng", "radius_m", "bbox", "poly", "boundary"}
)

// stopFilterNames are /v1/stops's filters besides the months.
var stopFilterNames = []string{"force", "stopType", "stopOutcome", "stopObject", "stopLegislation", "stopEthnicity", "stopSelfEthnicity", "stopAge", "stopGender"}

// ogcStopOnlyFilters are the stops' items filters the crimes' do not share
// by name (force and outcome are both's).
var ogcStopOnlyFilters = slices.DeleteFunc(slices.Clone(stopFilterNames), func(k string) bool { return k == "force" || k == "stopOutcome" })

func with(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func list(names ...string) []string { return names }

func statuses(s ...int) []int { return s }

// apiRoutes is the API definition, route by route, in the order of routes().
var apiRoutes = []apiRoute{
	{path: "/healthz", ops: []apiOp{{method: "GET", tag: "service", summary: "Liveness: 200 once a dataset serves, 503 while loading or draining", ok: "json", also: statuses(503)}}},
	{path: "/admin/reload", ops: []apiOp{{method: "POST", tag: "service", summary: "Ask for a reload of the data paths (Authorization: Bearer TOKEN; 404 without --admin-token-file)", ok: "accepted", also: statuses(401)}}},
	{path: "/readyz", ops: []apiOp{{method: "GET", tag: "service", summary: "Readiness: 200 once the hex columns are built too", ok: "json", also: statuses(503)}}},
	{path: "/metrics", ops: []apiOp{{method: "GET", tag: "service", summary: "Prometheus metrics (served on --metrics-addr instead when that is set)", ok: "text"}}},

	{path: "/api/crimes-street/{category}", ops: getPost(apiOp{tag: "police", summary: "Crimes within a mile of a point or in a polygon (more than 10,000 → 503)", params: list("categoryPath", "lat", "lng", "poly", "date"), ok: "json", also: statuses(503)})},
	{path: "/api/crimes-at-location", ops: getPost(apiOp{tag: "police", summary: "Crimes at a snap point", params: list("location_id", "lat", "lng", "date"), ok: "json"})},
	{path: "/api/crimes-no-location", ops: getPost(apiOp{tag: "police", summary: "Crimes without a location of a force", params: list("forceRequired", "policeCategory", "date"), ok: "json"})},
	{path: "/api/crime-categories", ops: []apiOp{{method: "GET", tag: "police", summary: "Crime categories of a month", params: list("date"), ok: "json"}}},
	{path: "/api/crimes-street-dates", ops: []apiOp{{method: "GET", tag: "police", summary: "Months with data and the forces of each with stop-and-search", ok: "json"}}},
	{path: "/api/crime-last-updated", ops: []apiOp{{method: "GET", tag: "police", summary: "The latest month", ok: "json"}}},
	{path: "/api/outcomes-for-crime/{persistent_id}", ops: []apiOp{{method: "GET", tag: "police", summary: "A crime and its outcome history", params: list("persistent_id"), ok: "json"}}},
	{path: "/api/outcomes-at-location", ops: getPost(apiOp{tag: "police", summary: "Outcomes at a snap point, near a point or in a polygon (more than 10,000 → 503)", params: list("location_id", "lat", "lng", "poly", "date"), ok: "json", also: statuses(503)})},
	{path: "/api/forces", ops: []apiOp{{method: "GET", tag: "police", summary: "Forces", ok: "json"}}},
	{path: "/api/stops-street", ops: getPost(apiOp{tag: "police", summary: "Stop and search within a mile of a point or in a polygon (more than 10,000 → 503)", params: list("lat", "lng", "poly", "date"), ok: "json", also: statuses(503)})},
	{path: "/api/stops-at-location", ops: getPost(apiOp{tag: "police", summary: "Stop and search at a snap point (404 for an unknown location_id)", params: list("location_id", "date"), ok: "json"})},
	{path: "/api/stops-no-location", ops: getPost(apiOp{tag: "police", summary: "A force's stop and search without a location (404 for an unknown force)", params: list("forceRequired", "date"), ok: "json"})},
	{path: "/api/stops-force", ops: getPost(apiOp{tag: "police", summary: "Every stop and search of a force in a month (404 for an unknown force)", params: list("forceRequired", "date"), ok: "json"})},
	{path: "/api/locate-neighbourhood", ops: []apiOp{{method: "GET", tag: "police", summary: "The neighbourhood holding a point (404 outside every boundary)", params: list("qLatLng"), ok: "json"}}},
	{path: "/api/forces/{force}", ops: []apiOp{{method: "GET", tag: "police", summary: "A force's details (from --neighbourhoods)", params: list("forcePath"), ok: "json"}}},
	{path: "/api/forces/{force}/people", ops: []apiOp{{method: "GET", tag: "police", summary: "A force's senior officers (from --neighbourhoods)", params: list("forcePath"), ok: "json"}}},
	{path: "/api/{force}/neighbourhoods", ops: []apiOp{{method: "GET", tag: "police", summary: "A force's neighbourhoods", params: list("forcePath"), ok: "json"}}},
	{path: "/api/{force}/{id}", ops: []apiOp{{method: "GET", tag: "police", summary: "A neighbourhood's team details", params: list("forcePath", "neighbourhoodPath"), ok: "json"}}},
	{path: "/api/{force}/{id}/people", ops: []apiOp{{method: "GET", tag: "police", summary: "A neighbourhood's team", params: list("forcePath", "neighbourhoodPath"), ok: "json"}}},
	{path: "/api/{force}/{id}/events", ops: []apiOp{{method: "GET", tag: "police", summary: "A neighbourhood's events", params: list("forcePath", "neighbourhoodPath"), ok: "json"}}},
	{path: "/api/{force}/{id}/priorities", ops: []apiOp{{method: "GET", tag: "police", summary: "A neighbourhood's priorities", params: list("forcePath", "neighbourhoodPath"), ok: "json"}}},
	{path: "/api/{force}/{id}/boundary", ops: []apiOp{{method: "GET", tag: "police", summary: "A neighbourhood's boundary vertices", params: list("forcePath", "neighbourhoodPath"), ok: "json"}}},

	{path: "/v1/meta", ops: []apiOp{{method: "GET", tag: "analyst", summary: "Dataset version, months, vocabularies, bounds and limits", ok: "json"}}},
	{path: "/v1/crimes", ops: getPost(apiOp{tag: "analyst", summary: "Crimes in an area, a page at a time (next_cursor, Link)", params: with(areaNames, filterNames, list("crimesFormat", "crimesLimit", "cursor")), body: bodyArea, ok: "geojsonOrCSV"})},
	{path: "/v1/counts", ops: getPost(apiOp{tag: "analyst", summary: "Counts in an area or everywhere, by category and/or month", params: with(areaNames, filterNames, list("countsFormat", "group_by")), body: bodyArea, ok: "jsonOrCSV"})},
	{path: "/v1/streets", ops: []apiOp{{method: "GET", tag: "analyst", summary: "Snap points whose street name holds q", params: list("qStreet", "streetsLimit"), ok: "json"}}},
	{path: "/v1/locate", ops: []apiOp{{method: "GET", tag: "analyst", summary: "A postcode, lat,lng or street name resolved to a point, force and neighbourhood", params: list("qLocate"), ok: "json"}}},
	{path: "/v1/clusters/{id}/expansion-zoom", ops: []apiOp{{method: "GET", tag: "analyst", summary: "The zoom at which a tile cluster splits", params: with(list("clusterPath"), filterNames), ok: "json"}}},
	{path: "/v1/clusters/{id}/leaves", ops: []apiOp{{method: "GET", tag: "analyst", summary: "A tile cluster's snap points", params: with(list("clusterPath", "leavesLimit", "offset"), filterNames), ok: "json"}}},
	{path: "/v1/hex", ops: getPost(apiOp{tag: "analyst", summary: "Crimes per H3 cell (at most 50,000 cells)", params: with(list("res"), areaNames, filterNames, list("hexFormat", "group_by")), body: bodyArea, ok: "geojsonOrCSV"})},
	{path: "/v1/hex/{cell}", ops: []apiOp{{method: "GET", tag: "analyst", summary: "One H3 cell or its k-ring, by category and month", params: with(list("cellPath", "cellK"), filterNames), ok: "json"}}},
	{path: "/v1/hotspots", ops: getPost(apiOp{tag: "analyst", summary: "Getis-Ord Gi* per H3 cell of an area (at most 50,000 cells)", params: with(list("res", "hotspotK"), areaNames, filterNames), body: bodyArea, ok: "geojson"})},
	{path: "/v1/change", ops: getPost(apiOp{tag: "analyst", summary: "Per-cell counts in two periods and their change", params: with(list("res", "base_from", "base_to", "changeFormat"), areaNames, filterNames), body: bodyArea, ok: "jsonOrCSV"})},
	{path: "/v1/stops", ops: getPost(apiOp{tag: "analyst", summary: "Stop and search in an area, a page at a time (next_cursor, Link)", params: with(areaNames, list("from", "to"), stopFilterNames, list("crimesFormat", "crimesLimit", "cursor")), body: bodyArea, ok: "geojsonOrCSV"})},
	{path: "/v1/stops/counts", ops: getPost(apiOp{tag: "analyst", summary: "Stop and search counts grouped by up to two dimensions, with the share linked to the object of search and the rates with and without no further action", params: with(areaNames, list("from", "to"), stopFilterNames, list("stopGroupBy")), body: bodyArea, ok: "json"})},
	{path: "/v1/boundaries", ops: []apiOp{{method: "GET", tag: "analyst", summary: "The loaded force and neighbourhood boundaries", ok: "json"}}},
	{path: "/v1/boundaries/{id:.+}", ops: []apiOp{{method: "GET", tag: "analyst", summary: "One boundary as a GeoJSON Feature; ids may hold a slash", params: list("boundaryPath", "detail"), ok: "geojson"}}},

	{path: "/tiles/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "Crime clusters (below z14) or snap points as a Mapbox Vector Tile; 204 when empty, 304 for a matching If-None-Match", params: with(list("z", "x", "y", "v"), filterNames), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the crime tiles", params: filterNames, ok: "json"}}},
	{path: "/tiles/hex/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "H3 cells as a Mapbox Vector Tile; 204 when empty, 304 for a matching If-None-Match", params: with(list("z", "x", "y", "v", "tileRes"), filterNames), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles/hex.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the hex tiles", params: with(list("tileRes"), filterNames), ok: "json"}}},

	{path: "/tiles/land/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "The default basemap's land polygons (OpenStreetMap, ODbL), z0..12; 204 when empty or deeper", params: list("z", "x", "y", "v"), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles/land.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the land tiles", ok: "json"}}},
	{path: "/tiles/labels/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "Town names (to z14) and street names (from z15) from the crime data; 204 when empty", params: list("z", "x", "y", "v"), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles/labels.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the label tiles", ok: "json"}}},
	{path: "/tiles/osm/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "The --basemap archive's OpenStreetMap tiles (Protomaps schema), uncompressed MVT as stored; 204 outside the archive, 404 without --basemap", params: list("z", "x", "y", "v"), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles/osm.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the --basemap archive, its zooms, bounds and layers from its header and metadata; 404 without --basemap", ok: "json"}}},
	{path: "/fonts/{stack}/{range}.pbf", ops: []apiOp{{method: "GET", tag: "tiles", summary: "SDF glyphs (Noto Sans, SIL OFL 1.1) for any font stack; ranges outside those served are empty", params: list("fontStack", "glyphRange"), ok: "glyphs"}}},
	{path: "/tiles/stops/{z}/{x}/{y}.mvt", ops: []apiOp{{method: "GET", tag: "tiles", summary: "Stop and search, merged on a grid below z14 and by location from it, with counts per outcome; 204 when empty, 304 for a matching If-None-Match", params: list("z", "x", "y", "v", "from", "to", "force"), ok: "mvt", also: statuses(204, 304)}}},
	{path: "/tiles/stops.json", ops: []apiOp{{method: "GET", tag: "tiles", summary: "TileJSON 3.0.0 of the stop and search tiles", params: list("from", "to", "force"), ok: "json"}}},

	{path: "/", ops: []apiOp{{method: "GET", tag: "pages", summary: "The crime map page", ok: "html"}}},
	{path: "/embed", ops: []apiOp{{method: "GET", tag: "pages", summary: "A compact map for an iframe", params: with(list("lat", "lng", "embedRadius", "zoom", "neighbourhood"), filterNames), ok: "html"}}},
	{path: "/neighbourhoods", ops: []apiOp{{method: "GET", tag: "pages", summary: "Neighbourhood search; 303 to the neighbourhood found", params: list("qLocate"), ok: "html", also: statuses(303)}}},
	{path: "/neighbourhoods/{force}/{id}", ops: []apiOp{{method: "GET", tag: "pages", summary: "A neighbourhood's page", params: list("forcePath", "neighbourhoodPath"), ok: "html"}}},
	{path: "/static/", oasPath: "/static/{file}", ops: []apiOp{{method: "GET", tag: "pages", summary: "The page's scripts, styles and MapLibre", params: list("filePath"), ok: "asset"}}},

	{path: "/watch", ops: []apiOp{{method: "GET", tag: "watch", summary: "Find Neighbourhood Watch schemes near a place", params: list("qLocate", "lat", "lng"), ok: "html"}}},
	{path: "/watch/schemes/{id}", ops: []apiOp{{method: "GET", tag: "watch", summary: "A scheme's page", params: list("schemePath"), ok: "html"}}},
	{path: "/watch/schemes/{id}/apply", ops: []apiOp{{method: "POST", tag: "watch", summary: "Apply to join a scheme; 303 to /watch/sent", params: list("schemePath"), body: bodyFormField, ok: "redirect", also: statuses(403, 413)}}},
	{path: "/watch/schemes/{id}/message", ops: []apiOp{{method: "POST", tag: "watch", summary: "Message a scheme's coordinators; 303 to /watch/sent", params: list("schemePath"), body: bodyFormField, ok: "redirect", also: statuses(403, 413)}}},
	{path: "/watch/sent", ops: []apiOp{{method: "GET", tag: "watch", summary: "The sender's private link, once", ok: "html"}}},
	{path: "/watch/applications/{token}", ops: []apiOp{{method: "GET", tag: "watch", summary: "An application's status by its private link", params: list("token"), ok: "html"}}},
	{path: "/watch/applications/{token}/withdraw", ops: []apiOp{{method: "POST", tag: "watch", summary: "Withdraw an application, deleting it", params: list("token"), body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/watch/messages/{token}", ops: []apiOp{{method: "GET", tag: "watch", summary: "A message thread by its private link", params: list("token"), ok: "html"}}},
	{path: "/watch/messages/{token}/reply", ops: []apiOp{{method: "POST", tag: "watch", summary: "Reply in an open thread (409 once closed)", params: list("token"), body: bodyFormField, ok: "redirect", also: statuses(403, 409, 413)}}},
	{path: "/watch/messages/{token}/withdraw", ops: []apiOp{{method: "POST", tag: "watch", summary: "Withdraw a thread, deleting it", params: list("token"), body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/watch/inbox", ops: []apiOp{{method: "GET", tag: "watch", summary: "The signed-in account's applications and messages", ok: "html", also: statuses(403)}}},
	{path: "/watch/inbox/applications/{id}/approve", ops: []apiOp{{method: "POST", tag: "watch", summary: "Approve an application", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/watch/inbox/applications/{id}/decline", ops: []apiOp{{method: "POST", tag: "watch", summary: "Decline an application", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/watch/inbox/messages/{id}/reply", ops: []apiOp{{method: "POST", tag: "watch", summary: "Reply to a message", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403, 409, 413)}}},
	{path: "/watch/inbox/messages/{id}/close", ops: []apiOp{{method: "POST", tag: "watch", summary: "Close a thread", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/watch/register", ops: []apiOp{
		{method: "GET", tag: "watch", summary: "The form to register a scheme (403 for staff and admins)", ok: "html", also: statuses(403)},
		{method: "POST", tag: "watch", summary: "Register a pending scheme; 303 to /watch/inbox when signed in, else to /watch/register/sent whether or not the address has an account", body: bodyFormField, ok: "redirect", also: statuses(403, 413)},
	}},
	{path: "/watch/register/sent", ops: []apiOp{{method: "GET", tag: "watch", summary: "The confirmation of a registration with an email address", ok: "html"}}},
	{path: "/watch/staff", ops: []apiOp{{method: "GET", tag: "watch", summary: "Staff: their force's pending schemes and neighbourhoods", params: list("force"), ok: "html", also: statuses(403)}}},
	{path: "/watch/staff/schemes/{id}/approve", ops: []apiOp{{method: "POST", tag: "watch", summary: "Approve a pending scheme (409 once decided)", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403, 409)}}},
	{path: "/watch/staff/schemes/{id}/reject", ops: []apiOp{{method: "POST", tag: "watch", summary: "Reject a pending scheme (409 once decided)", params: list("itemPath"), body: bodyFormField, ok: "redirect", also: statuses(403, 409)}}},
	{path: "/watch/staff/neighbourhoods/{force}/{id}", ops: []apiOp{
		{method: "GET", tag: "watch", summary: "Staff: the form to edit a neighbourhood's team", params: list("forcePath", "neighbourhoodPath"), ok: "html", also: statuses(403)},
		{method: "POST", tag: "watch", summary: "Staff: edit a neighbourhood's team, contact details, events and priorities", params: list("forcePath", "neighbourhoodPath"), body: bodyFormField, ok: "redirect", also: statuses(403, 413)},
	}},
	{path: "/account/sign-in", ops: []apiOp{
		{method: "GET", tag: "watch", summary: "The sign-in form", ok: "html"},
		{method: "POST", tag: "watch", summary: "Sign in (5 failures an account, 20 attempts an address in 15 minutes → 429)", body: bodyFormField, ok: "redirect", also: statuses(403)},
	}},
	{path: "/account/sign-out", ops: []apiOp{{method: "POST", tag: "watch", summary: "Sign out", body: bodyFormField, ok: "redirect", also: statuses(403)}}},
	{path: "/v1/watch/schemes", ops: []apiOp{{method: "GET", tag: "watch", summary: "Active schemes' public fields near a point, in a neighbourhood or meeting a box (503 without a store)", params: list("lat", "lng", "neighbourhood", "bbox", "schemesFormat"), ok: "json", also: statuses(503)}}},

	{path: "/openapi.json", ops: []apiOp{{method: "GET", tag: "service", summary: "This API definition (OpenAPI 3.1)", ok: "openapi"}}},
	{path: "/ogc", ops: []apiOp{{method: "GET", tag: "ogc", summary: "OGC API - Features landing page", params: list("f"), ok: "json"}}},
	{path: "/ogc/", ops: []apiOp{{method: "GET", tag: "ogc", summary: "OGC API - Features landing page", params: list("f"), ok: "json"}}},
	{path: "/ogc/conformance", ops: []apiOp{{method: "GET", tag: "ogc", summary: "Conformance classes: Core, GeoJSON, OpenAPI 3.0", params: list("f"), ok: "json"}}},
	{path: "/ogc/collections", ops: []apiOp{{method: "GET", tag: "ogc", summary: "The collections: crimes and stops", params: list("f"), ok: "json"}}},
	{path: "/ogc/collections/{collectionId}", ops: []apiOp{{method: "GET", tag: "ogc", summary: "A collection with its extent", params: list("collectionId", "f"), ok: "json"}}},
	{path: "/ogc/collections/{collectionId}/items", ops: []apiOp{{method: "GET", tag: "ogc", summary: "The collection's features, a page at a time (next links): crimes take the /v1/crimes filters, stops the /v1/stops ones (outcome an outcome id of /v1/stops for stops); unknown parameters → 400", params: with(list("collectionId", "f", "ogcBBox", "datetime", "ogcLimit", "cursor"), filterNames, ogcStopOnlyFilters, areaNames[:3], areaNames[4:]), ok: "ogcItems"}}},
	{path: "/ogc/collections/{collectionId}/items/{featureId}", ops: []apiOp{{method: "GET", tag: "ogc", summary: "One crime or stop by its id", params: list("collectionId", "featureId", "f"), ok: "geojson"}}},
}

// getPost documents a route served alike by GET and POST.
func getPost(op apiOp) []apiOp {
	g, p := op, op
	g.method, p.method = "GET", "POST"
	if p.body == "" {
		p.body = bodyFormField
	}
	p.also = append(append([]int{}, op.also...), 408, 413, 415)
	return []apiOp{g, p}
}

type obj = map[string]any

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func month(desc string) obj {
	return obj{"type": "string", "pattern": `^[0-9]{4}-(0[1-9]|1[0-2])$`, "description": desc}
}

func integer(lo, hi int, def any, desc string) obj {
	o := obj{"type": "integer", "minimum": lo, "description": desc}
	if hi >= 0 {
		o["maximum"] = hi
	}
	if def != nil {
		o["default"] = def
	}
	return o
}

func enum(def string, desc string, values ...string) obj {
	return obj{"type": "string", "enum": values, "default": def, "description": desc}
}

// param is a parameter: in path when its key ends in "Path" or names a
// path variable, else in the query; name is the wire name.
type param struct {
	name, in string
	schema   obj
	required bool
}

func q(name string, schema obj) param { return param{name: name, in: "query", schema: schema} }
func p(name string, schema obj) param {
	return param{name: name, in: "path", schema: schema, required: true}
}

// apiParams are the parameters by key.
var apiParams = map[string]param{
	"from":           q("from", month("first month, inclusive")),
	"to":             q("to", month("last month, inclusive")),
	"category":       q("category", str("comma list of category slugs from /api/crime-categories")),
	"force":          q("force", str("comma list of force ids from /api/forces")),
	"outcome":        q("outcome", str("comma list of outcome codes from /v1/meta; none for the blank outcome")),
	"lat":            q("lat", obj{"type": "number", "minimum": -90, "maximum": 90, "description": "latitude (WGS84), with lng"}),
	"lng":            q("lng", obj{"type": "number", "minimum": -180, "maximum": 180, "description": "longitude (WGS84), with lat"}),
	"radius_m":       q("radius_m", obj{"type": "number", "exclusiveMinimum": 0, "maximum": MaxRadiusM, "description": "radius in metres around lat,lng (great-circle, inclusive)"}),
	"bbox":           q("bbox", str("minLon,minLat,maxLon,maxLat")),
	"poly":           q("poly", str(fmt.Sprintf("lat,lng:lat,lng:... (at most %d points)", MaxPolyPoints))),
	"boundary":       q("boundary", str("id of a loaded boundary, from /v1/boundaries")),
	"date":           q("date", obj{"type": "string", "pattern": `^([0-9]{4}-(0[1-9]|1[0-2])|undefined|null)$`, "description": "month (YYYY-MM); the latest when omitted or undefined or null, as JavaScript clients send a date left out"}),
	"location_id":    q("location_id", integer(0, geo.MaxPublicID, nil, "snap point id (street.id), derived from the point: stable across months")),
	"cursor":         q("cursor", str("the next page's cursor, valid while the dataset version stays")),
	"group_by":       q("group_by", str("category, month or category,month")),
	"res":            q("res", integer(0, geo.FinestRes, nil, "H3 resolution")),
	"tileRes":        q("res", integer(0, geo.FinestRes, nil, "H3 resolution, at most the zoom's finest (400 naming it)")),
	"cellK":          q("k", integer(0, MaxCellK, 0, "k-ring radius")),
	"hotspotK":       q("k", integer(1, analysis.MaxK, 1, "neighbourhood ring of the Gi* statistic")),
	"base_from":      q("base_from", month("first month of the base period")),
	"base_to":        q("base_to", month("last month of the base period")),
	"detail":         q("detail", enum("simplified", "geometry detail", "simplified", "full")),
	"offset":         q("offset", integer(0, -1, 0, "leaves to skip")),
	"v":              q("v", str("dataset version, as TileJSON writes it: the tile is then cacheable for good")),
	"zoom":           q("zoom", obj{"type": "number", "description": "initial zoom"}),
	"neighbourhood":  q("neighbourhood", str("a neighbourhood as force/id")),
	"embedRadius":    q("radius_m", obj{"type": "number", "exclusiveMinimum": 0, "maximum": 5000, "default": 500, "description": "radius of the counts in metres"}),
	"crimesFormat":   q("format", enum("geojson", "response format", "geojson", "csv")),
	"hexFormat":      q("format", enum("geojson", "response format", "geojson", "csv")),
	"countsFormat":   q("format", enum("json", "response format", "json", "csv")),
	"schemesFormat":  q("format", enum("json", "response format", "json", "geojson")),
	"changeFormat":   q("format", enum("json", "response format", "json", "csv", "geojson")),
	"crimesLimit":    q("limit", integer(1, MaxPageSize, DefaultPageSize, "crimes a page")),
	"streetsLimit":   q("limit", integer(1, MaxStreetResults, 20, "results")),
	"leavesLimit":    q("limit", integer(1, -1, 10, "leaves")),
	"qStreet":        q("q", str("at least 2 characters of a street name")),
	"qLocate":        q("q", str("a postcode, lat,lng or a street name")),
	"qLatLng":        q("q", str("lat,lng")),
	"forceRequired":  {name: "force", in: "query", schema: str("force id"), required: true},
	"policeCategory": q("category", obj{"type": "string", "default": "all-crime", "description": "category slug"}),
	"f":              q("f", enum("json", "encoding; JSON is the only one", "json", "geojson")),
	"ogcBBox":        q("bbox", obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}, "description": "minLon,minLat,maxLon,maxLat (CRS84)"}),
	"datetime":       q("datetime", str("an RFC 3339 date or date-time, or an interval START/END with .. for an open end: the months it touches (not with from/to)")),
	"ogcLimit":       q("limit", integer(1, MaxOGCLimit, DefaultOGCLimit, fmt.Sprintf("features a page; more than %d are served as %d", MaxOGCLimit, MaxOGCLimit))),

	"stopGroupBy":       q("group_by", str("up to two of force, month, type, outcome, object_of_search, legislation, ethnicity, self_defined_ethnicity, age_range, gender")),
	"stopType":          q("type", str("comma list of search types, as /v1/stops/counts?group_by=type lists them")),
	"stopOutcome":       q("outcome", str("comma list of outcome ids (current data.police.uk labels)")),
	"stopObject":        q("object_of_search", str("comma list of objects of search")),
	"stopLegislation":   q("legislation", str("comma list of legislation")),
	"stopEthnicity":     q("ethnicity", str("comma list of officer-defined ethnicities")),
	"stopSelfEthnicity": q("self_defined_ethnicity", str("comma list of self-defined ethnicities")),
	"stopAge":           q("age_range", str("comma list of age ranges")),
	"stopGender":        q("gender", str("comma list of genders")),

	"categoryPath":      p("category", str("category slug, or all-crime")),
	"persistent_id":     p("persistent_id", str("Crime ID (64 hex digits)")),
	"forcePath":         p("force", str("force id")),
	"neighbourhoodPath": p("id", str("neighbourhood id, URL-escaped")),
	"clusterPath":       p("id", integer(0, -1, nil, "cluster id from a tile")),
	"cellPath":          p("cell", str("H3 cell index in hex")),
	"boundaryPath":      p("id", str("boundary id; may hold a slash")),
	"z":                 p("z", integer(0, 18, nil, "zoom")),
	"x":                 p("x", integer(0, -1, nil, "tile column")),
	"y":                 p("y", integer(0, -1, nil, "tile row")),
	"fontStack":         p("stack", str("comma list of font names; every stack gets Noto Sans")),
	"glyphRange":        p("range", str("START-END, a range of 256 code points starting at a multiple of 256")),
	"filePath":          p("file", str("file path under /static/")),
	"schemePath":        p("id", integer(1, -1, nil, "scheme id")),
	"itemPath":          p("id", integer(1, -1, nil, "application or message id")),
	"token":             p("token", str("private link token")),
	"collectionId":      p("collectionId", enum(ogcCollection, "collection id", ogcCollection, ogcStopsCollection)),
	"featureId":         p("featureId", str("crime id (an integer)")),
}

// okResponses are the success responses by key.
var okResponses = map[string]obj{
	"json":         content("OK", "application/json"),
	"geojson":      content("OK", ogc.TypeGeoJSON),
	"geojsonOrCSV": content("OK", ogc.TypeGeoJSON, "text/csv"),
	"jsonOrCSV":    content("OK", "application/json", "text/csv"),
	"mvt":          content("Mapbox Vector Tile 2.1", "application/vnd.mapbox-vector-tile"),
	"html":         content("OK", "text/html"),
	"text":         content("OK", "text/plain"),
	"asset":        {"description": "the file"},
	"glyphs":       content("glyph ranges as MapLibre reads them", "application/x-protobuf"),
	"openapi":      content("OK", "application/json"),
	"accepted":     content("the reload is queued", "application/json"),
	"redirect":     {"description": "See Other: the next page"},
	"ogcItems": {"description": "a page of features", "content": obj{ogc.TypeGeoJSON: obj{"schema": obj{"$ref": "#/components/schemas/FeatureCollection"}}},
		"headers": obj{"X-Dataset-Version": obj{"schema": obj{"type": "string"}}}},
}

func content(desc string, types ...string) obj {
	c := obj{}
	for _, t := range types {
		c[t] = obj{}
	}
	return obj{"description": desc, "content": c}
}

// errorResponses describe each error status; every one carries the one
// error shape, {"error": "..."}.
var errorResponses = map[int]string{
	400: "a bad parameter, named in the message",
	401: "no or a wrong bearer token",
	403: "not allowed, or a form without its CSRF token",
	404: "no such path or item",
	405: "a method the path does not serve (Allow lists those it does)",
	408: "the request body did not arrive within --read-timeout",
	409: "the thread is closed",
	413: "a POST body over 8 MiB or a form field over its limit",
	415: "a POST body that is neither a form nor (Geo)JSON",
	429: "over the client's rate (Retry-After)",
	503: "loading, too busy (Retry-After), over the time budget, or over data.police.uk's 10,000 crimes",
}

// everyOp are the statuses any operation may answer.
var everyOp = []int{400, 404, 405, 429, 503}

// oasPathOf turns a gorilla/mux template into an OpenAPI path.
var muxPattern = regexp.MustCompile(`\{([A-Za-z_]+):[^}]*\}`)

func (rt apiRoute) oas() string {
	if rt.oasPath != "" {
		return rt.oasPath
	}
	return muxPattern.ReplaceAllString(rt.path, "{$1}")
}

// openAPIDocument builds the OpenAPI 3.1 document of apiRoutes.
func openAPIDocument() obj {
	paths := obj{}
	errRef := func(status int) obj { return obj{"$ref": fmt.Sprintf("#/components/responses/E%d", status)} }
	usedOK := map[string]bool{}
	for _, rt := range apiRoutes {
		item := obj{}
		for _, op := range rt.ops {
			var params []any
			for _, k := range op.params {
				params = append(params, obj{"$ref": "#/components/parameters/" + k})
			}
			responses := obj{}
			status := "200"
			switch op.ok {
			case "redirect":
				status = "303"
			case "accepted":
				status = "202"
			}
			responses[status] = obj{"$ref": "#/components/responses/" + op.ok}
			usedOK[op.ok] = true
			for _, s := range append(append([]int{}, everyOp...), op.also...) {
				switch s {
				case 204:
					responses["204"] = obj{"description": "no features in the tile"}
				case 303:
					responses["303"] = obj{"description": "See Other"}
				case 304:
					responses["304"] = obj{"description": "Not Modified"}
				default:
					responses[fmt.Sprint(s)] = errRef(s)
				}
			}
			o := obj{
				"summary":     op.summary,
				"operationId": operationID(op.method, rt.oas()),
				"tags":        []string{op.tag},
				"responses":   responses,
			}
			if len(params) > 0 {
				o["parameters"] = params
			}
			switch op.body {
			case bodyArea:
				o["requestBody"] = obj{"$ref": "#/components/requestBodies/area"}
			case bodyFormField:
				o["requestBody"] = obj{"$ref": "#/components/requestBodies/form"}
			}
			item[strings.ToLower(op.method)] = o
		}
		paths[rt.oas()] = item
	}
	parameters := obj{}
	for k, p := range apiParams {
		o := obj{"name": p.name, "in": p.in, "schema": p.schema}
		if d, ok := p.schema["description"]; ok {
			o["description"] = d
		}
		if p.required {
			o["required"] = true
		}
		if p.schema["type"] == "array" {
			o["style"], o["explode"] = "form", false
		}
		parameters[k] = o
	}
	responses := obj{}
	for k, r := range okResponses {
		responses[k] = r
	}
	errSchema := obj{"$ref": "#/components/schemas/Error"}
	for s, d := range errorResponses {
		responses[fmt.Sprintf("E%d", s)] = obj{"description": d, "content": obj{"application/json": obj{"schema": errSchema}}}
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":   "crimemap",
			"version": "1",
			"summary": "UK street-level crime from data.police.uk: its API, an analyst API, vector tiles and OGC API - Features",
			"description": "Every GET answers HEAD alike. Every error is JSON {\"error\": \"...\"} naming the parameter at fault. " +
				"Requests per client are rate limited by route group (429 with Retry-After), heavy requests wait up to --heavy-wait for a slot (503 with Retry-After: 1), " +
				"and each request has a time budget (--request-timeout, 30 s; then 503). " + geo.Attribution,
			"license": obj{"name": "Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
		},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{
			"parameters": parameters,
			"responses":  responses,
			"requestBodies": obj{
				"area": obj{"description": "the parameters as a form, or the area as a GeoJSON Polygon or MultiPolygon (geometry, Feature or one-feature FeatureCollection) of at most 100,000 points; at most 8 MiB",
					"content": obj{
						"application/x-www-form-urlencoded": obj{"schema": obj{"type": "object"}},
						"multipart/form-data":               obj{"schema": obj{"type": "object"}},
						"application/geo+json":              obj{"schema": obj{"type": "object"}},
						"application/json":                  obj{"schema": obj{"type": "object"}},
					}},
				"form": obj{"description": "the parameters or the form's fields, at most 8 MiB (64 KiB for /watch/ and /account/ forms)",
					"content": obj{
						"application/x-www-form-urlencoded": obj{"schema": obj{"type": "object"}},
						"multipart/form-data":               obj{"schema": obj{"type": "object"}},
					}},
			},
			"schemas": obj{
				"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{"type": "string"}}},
				"FeatureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
					"type":           obj{"const": "FeatureCollection"},
					"features":       obj{"type": "array", "items": obj{"type": "object"}},
					"numberMatched":  obj{"type": "integer", "minimum": 0},
					"numberReturned": obj{"type": "integer", "minimum": 0},
					"timeStamp":      obj{"type": "string", "format": "date-time"},
					"links":          obj{"type": "array", "items": obj{"type": "object"}},
				}},
			},
		},
	}
}

// operationID names an operation from its method and path.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	if path == "/" {
		b.WriteString("Root")
	}
	if strings.HasSuffix(path, "/") && path != "/" {
		b.WriteString("Slash")
	}
	return b.String()
}

// openAPIBody is the document, encoded once.
var openAPIBody = sync.OnceValue(func() []byte {
	b, err := json.MarshalIndent(openAPIDocument(), "", " ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
})

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSONBytes(w, r, http.StatusOK, openAPIBody())
}
