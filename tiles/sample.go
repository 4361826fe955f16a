package tiles

import (
	"math/rand/v2"
	"slices"

	"crimemap/geo"
)

// SampleTiles draws n tiles of zoom z weighted by data: each draw picks a
// located crime uniformly and takes the tile of its snap point, so busy
// tiles come up as often as users pan over them. The same seed gives the
// same tiles.
func SampleTiles(ds *geo.Dataset, z, n int, seed uint64) [][3]int {
	located := ds.Located()
	if located == 0 || n <= 0 {
		return nil
	}
	// Cumulative crime counts by point, so a uniform crime maps to its point.
	cum := make([]uint32, ds.NumPoints())
	sum := uint32(0)
	for p := range cum {
		sum += uint32(ds.PointLen(geo.PointID(p)))
		cum[p] = sum
	}
	rng := rand.New(rand.NewPCG(seed, uint64(z)))
	out := make([][3]int, n)
	for i := range out {
		c := uint32(rng.IntN(located))
		p, _ := slices.BinarySearch(cum, c+1)
		lon, lat := ds.PointLonLat(geo.PointID(p))
		x, y := TileAt(z, lon, lat)
		out[i] = [3]int{z, x, y}
	}
	return out
}
