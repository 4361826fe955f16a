// Package geo owns the immutable in-memory crime dataset and every query on it.
//
// A Dataset is built once by a Builder from batches of parsed rows (package
// ingest fills them) and never changes afterwards, so readers share it without
// locks. Coordinates are WGS84 longitude/latitude in degrees. Crimes are held
// column by column, grouped by their anonymised snap point and ordered by month
// within each point; crimes without a location follow all located ones. Snap
// points are indexed in an R-tree (github.com/tidwall/rtree) and carry their H3
// cell (github.com/uber/h3-go/v4) at FinestRes.
//
// The crime table is held in parts, runs of months (parts.go): a later
// month is built on a dataset as a part of its own (Builder.BuildOn) and
// added by Append, and street files republished with their crimes'
// outcomes moved on are taken in by Restate (restate.go). Both return a
// new dataset sharing the old one's parts, which answers as the same files
// built in one piece would, version included (version.go).
//
// H3 code is split by job: cell.go (cell index arithmetic and parsing),
// cellshape.go (a bounded cache of cell boundaries, shared by tiles and
// GeoJSON), cellgeojson.go (RFC 7946 cell geometry), hexcolumns.go (the
// per-resolution cell columns and precomputed counts), hexquery.go (the
// queries) and hexscan.go (the parallel point scans they run on).
//
// Distances are great-circle distances on a sphere of radius EarthRadius
// (the IUGG mean radius), so a radius query is exact at its boundary rather
// than a bounding box.
package geo
