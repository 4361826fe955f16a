package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"slices"

	"crimemap/geo"
	"crimemap/tiles"
)

// URLConfig sets the URLs WriteURLs writes.
type URLConfig struct {
	MinZoom, MaxZoom int
	PerZoom          int    // tiles per zoom and variant
	Seed             uint64 // 0 is a fixed default seed
	// Query is added to every tile URL, e.g. "v=<version>"; the month
	// variant adds from and to as well.
	Query string
	// Radius is the number of snap points, densest first, whose one-mile
	// listings are written.
	Radius int
}

// WriteURLs writes the target file of `crimemap bench -urls` for the
// server's URL layout: lines of group<TAB>path, first data-weighted tiles of
// every zoom in two variants, unfiltered (group "tiles zNN") and for the
// latest month (group "tiles zNN month"), then the one-mile listings of the
// latest month around the densest snap points, in the analyst API and in
// the data.police.uk API: the query a PostGIS-backed server is compared on.
func WriteURLs(w io.Writer, ds *geo.Dataset, cfg URLConfig) error {
	bw := bufio.NewWriter(w)
	if err := writeTileURLs(bw, ds, cfg); err != nil {
		return fmt.Errorf("write load-test URLs: %w", err)
	}
	if err := writeRadiusURLs(bw, ds, cfg.Radius); err != nil {
		return fmt.Errorf("write load-test URLs: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write load-test URLs: %w", err)
	}
	return nil
}

func writeTileURLs(w io.Writer, ds *geo.Dataset, cfg URLConfig) error {
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
			for _, t := range tiles.SampleTiles(ds, z, cfg.PerZoom, seed+uint64(len(v.group))) {
				if _, err := fmt.Fprintf(w, "%s\t/tiles/%d/%d/%d.mvt%s\n", v.group, t[0], t[1], t[2], v.query); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func writeRadiusURLs(w io.Writer, ds *geo.Dataset, n int) error {
	ps := make([]geo.PointID, ds.NumPoints())
	for p := range ps {
		ps[p] = geo.PointID(p)
	}
	size := ds.PointLen
	slices.SortFunc(ps, func(a, b geo.PointID) int { return size(b) - size(a) })
	m := ds.LatestMonth()
	for _, p := range ps[:min(max(n, 0), len(ps))] {
		lon, lat := ds.PointLonLat(p)
		if _, err := fmt.Fprintf(w, "radius 1mi month\t/v1/crimes?lat=%.6f&lng=%.6f&radius_m=1609.344&from=%s&to=%s&limit=10000\n", lat, lon, m, m); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "api crimes-street\t/api/crimes-street/all-crime?lat=%.6f&lng=%.6f&date=%s\n", lat, lon, m); err != nil {
			return err
		}
	}
	return nil
}
