// Package locate finds the policing neighbourhood that holds a point, as
// data.police.uk's locate-neighbourhood answers it.
//
// Boundaries come from two places: data.police.uk's KML layout
// ("<force>/<neighbourhood>.kml", read by package boundary) and the team
// data's "<force>/<id>/boundary.json" (package neighbourhood). Where both
// give a neighbourhood a boundary the KML wins, since it carries holes and
// several parts where boundary.json is a single ring. A neighbourhood with
// team data but no boundary, and a boundary with no team data, are listed
// in the Summary; the second is located all the same.
//
// A point is inside a boundary on the exact geometry, edges and vertices
// included, a hole's edge excluded (planar.MultiPolygonContains' rule). A
// point in several boundaries (on an edge two neighbourhoods share, or
// where boundaries overlap) resolves to the one whose force id, then
// neighbourhood id, sorts first byte by byte, so the answer depends neither
// on the load order nor on the R-tree's layout.
package locate
