package neighbourhood_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"crimemap/neighbourhood"
)

func ExampleLoadDir() {
	set, sum, err := neighbourhood.LoadDir(context.Background(), "testdata/api")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sum.Errors), "errors")

	n, err := set.Get("hampshire", "SO14")
	if err != nil {
		log.Fatal(err)
	}
	lat, _ := n.Centre.Latitude.Float()
	lng, _ := n.Centre.Longitude.Float()
	fmt.Printf("%s at %.4f,%.4f, population %s\n", n.Name, lat, lng, n.Population)

	events, _ := set.Events("hampshire", "SO14")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range neighbourhood.Upcoming(events, now) {
		fmt.Println(e.StartDate, e.Title)
	}
	priorities, _ := set.Priorities("hampshire", "SO14")
	fmt.Println(neighbourhood.SanitizeHTML(priorities[1].Issue.String()))

	b, _ := neighbourhood.Marshal(priorities[1])
	fmt.Println(string(b))
	// Output:
	// 0 errors
	// Southampton City Centre at 50.9021,-1.4032, population 21430
	// 2099-04-11T18:30:00 Drop-in at the library
	// 2099-05-02T10:00:00 Bike marking
	// <p>Cycle theft at the station</p>
	// {"action":null,"issue-date":"2017-01-20T00:00:00","action-date":null,"issue":"<p>Cycle theft at the station<script>alert(1)</script></p>"}
}
