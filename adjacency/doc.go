// Package adjacency finds which areas share an edge: two neighbourhoods are
// neighbours when a stretch of one's boundary, of positive length, lies on
// the other's. Touching at a single point (a corner, a crossing) is not
// sharing an edge.
//
// The graph is built once: an R-tree of the areas' bounding boxes gives the
// candidate pairs, and for each pair the boundary segments inside the two
// boxes' overlap are compared exactly (collinear and overlapping, within
// Tolerance degrees), the second area's segments indexed in an R-tree of
// their own so a pair costs about n log n in its segments, not n².
package adjacency
