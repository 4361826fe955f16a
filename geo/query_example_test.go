package geo_test

import (
	"context"
	"fmt"
	"log/slog"

	"crimemap/geo"
	"crimemap/ingest"
)

// Example is the core query API on the bundled Hampshire month: load the
// files with ingest, then ask within an area, through a filter, for a page
// of crimes and a count.
func Example() {
	ctx := context.Background()
	ds, _, err := ingest.Load(ctx, []string{"../testdata/police-uk"}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}

	// Within 500 m of Southampton's Bargate.
	area, err := geo.NewCircle(-1.4046, 50.9025, 500)
	if err != nil {
		panic(err)
	}
	// Burglaries and shoplifting only, by the slugs the API uses.
	var f geo.Filter
	if err := ds.AddSlugs(&f, geo.ParamCategory, "burglary,shoplifting"); err != nil {
		panic(err)
	}

	// The first page of three crimes; pass pg.Next as after for the next.
	pg, err := ds.PageIn(ctx, area, &f, -1, 3)
	if err != nil {
		panic(err)
	}
	for i, c := range pg.Crimes {
		fmt.Println(ds.Month(c), ds.Categories().Term(int(ds.Category(c))).Slug, ds.PointStreet(pg.Points[i]))
	}
	fmt.Println("more:", pg.More)

	k, err := ds.Count(ctx, area, &f)
	if err != nil {
		panic(err)
	}
	shoplifting, _ := ds.Categories().BySlug("shoplifting")
	fmt.Println("total:", k.Total, "shoplifting:", k.ByCategory(geo.Category(shoplifting)))
	// Output:
	// 2017-02 shoplifting On or near Supermarket
	// 2017-02 shoplifting On or near Supermarket
	// 2017-02 shoplifting On or near Albion Place
	// more: true
	// total: 107 shoplifting: 95
}
