// Package boundary owns police force and neighbourhood boundaries: it reads
// the KML files data.police.uk publishes (one file per force, "force
// kmls/<force>.kml", and per neighbourhood, "<force>/<neighbourhood>.kml")
// into lon/lat (WGS84) multipolygons, each with an id taken from its file
// name, a display name, the exact geometry for queries and a simplified copy
// for drawing.
//
// The KML it reads is the subset those files use: Placemarks holding a
// Polygon or a MultiGeometry of Polygons, each with one outerBoundaryIs and
// any number of innerBoundaryIs LinearRings whose coordinates are
// whitespace-separated lon,lat[,alt] tuples. Every other element (styles,
// descriptions, folders) is skipped; a file without a polygon is an error.
package boundary
