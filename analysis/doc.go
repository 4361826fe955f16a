// Package analysis owns the statistics analysts run on H3 hex counts from
// package geo: Getis-Ord Gi* hot and cold spots over a study area, and the
// change of per-cell counts between two periods.
//
// The study area of a hotspot analysis at resolution N is the set of
// resolution-N cells whose centre lies inside the requested area, together
// with every cell holding a crime counted inside the area (a crime near the
// edge can sit in a cell whose centre is outside). Cells of the study area
// without crimes count as zero. Neighbourhoods are k-rings (grid distance at
// most k, the cell itself included) cut to the study area, with binary
// weights. Nothing here knows about HTTP.
package analysis
