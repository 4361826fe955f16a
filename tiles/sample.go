package tiles

import (
	"bufio"
	"fmt"
	"io"
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
	for p := range cum {
		_, e := ds.PointCrimes(geo.PointID(p))
		cum[p] = uint32(e)
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

// LoadTestConfig sets the tiles WriteLoadTestURLs writes.
type LoadTestConfig struct {
	MinZoom, MaxZoom int
	PerZoom          int    // tiles per zoom and variant
	Seed             uint64 // 0 is a fixed default seed
	// Query is added to every URL, e.g. "v=<version>"; the month variant
	// adds from and to as well.
	Query string
}

// WriteLoadTestURLs writes the URL file of `crimemap bench -urls`: lines of
// group<TAB>path, with data-weighted tiles of every zoom in two variants,
// unfiltered (group "tiles zNN") and for the latest month (group
// "tiles zNN month").
func WriteLoadTestURLs(w io.Writer, ds *geo.Dataset, cfg LoadTestConfig) error {
	bw := bufio.NewWriter(w)
	seed := cfg.Seed
	if seed == 0 {
		seed = 20170201
	}
	q := ""
	if cfg.Query != "" {
		q = "?" + cfg.Query
	}
	month := ""
	if m := ds.LatestMonth(); m != 0 {
		sep := "?"
		if q != "" {
			sep = "&"
		}
		month = q + sep + "from=" + m.String() + "&to=" + m.String()
	}
	for z := cfg.MinZoom; z <= cfg.MaxZoom; z++ {
		type variant struct{ group, query string }
		vs := []variant{{fmt.Sprintf("tiles z%02d", z), q}}
		if month != "" {
			vs = append(vs, variant{fmt.Sprintf("tiles z%02d month", z), month})
		}
		for _, v := range vs {
			for _, t := range SampleTiles(ds, z, cfg.PerZoom, seed+uint64(len(v.group))) {
				if _, err := fmt.Fprintf(bw, "%s\t/tiles/%d/%d/%d.mvt%s\n", v.group, t[0], t[1], t[2], v.query); err != nil {
					return fmt.Errorf("write load-test URLs: %w", err)
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write load-test URLs: %w", err)
	}
	return nil
}
