// Package neighbourhood owns the policing-team data that data.police.uk's
// API publishes for each force: its neighbourhoods, each one's detail, team,
// events, priorities and boundary, and the forces themselves. It reads them
// from a folder laid out as the API's paths, keeps them in an immutable Set
// with lookups, writes them back in the same layout, and re-encodes every
// object with the API's field names, key order and JSON types, so a server
// can answer the API's neighbourhood endpoints byte-for-byte in shape.
//
// # Layout
//
// A folder mirrors the API's paths below /api/, each response in a file
// named after its path with ".json" added:
//
//	forces.json                    GET forces
//	forces/<force>.json            GET forces/{force}
//	<force>/neighbourhoods.json    GET {force}/neighbourhoods
//	<force>/<id>.json              GET {force}/{id}
//	<force>/<id>/people.json       GET {force}/{id}/people
//	<force>/<id>/events.json       GET {force}/{id}/events
//	<force>/<id>/priorities.json   GET {force}/{id}/priorities
//	<force>/<id>/boundary.json     GET {force}/{id}/boundary
//
// Neighbourhood ids are force-specific, may repeat across forces and may hold
// spaces or other characters a URL escapes. A force or neighbourhood id
// becomes a file or folder name by URL path escaping (url.PathEscape: a space
// is %20, a slash %2F), with a leading dot escaped as %2E so no id can name a
// hidden file or a parent folder; a name becomes an id by unescaping. The
// same rule runs both ways, in LoadDir and in the writers. As in the API, a
// neighbourhood whose id is "neighbourhoods" cannot have a detail file: its
// path is the force's list.
//
// # Bad input
//
// Every file is read on its own. A value that is not what the API publishes
// (a coordinate that is not a number, a date in another form, a string where
// an object belongs) is reported with the file and the JSON path of the
// value, counted in the Summary, and drops the smallest thing holding it: one
// person, event, priority, link or location from its list, or else the
// file's whole object. A boundary is dropped whole for one bad vertex, since
// a polygon missing a vertex is another polygon. Everything else loads.
//
// # HTML
//
// Descriptions, welcome messages, bios and priorities hold HTML as the
// forces wrote it. The types keep it raw, as the API serves it; SanitizeHTML
// makes it safe to put in a page.
package neighbourhood
