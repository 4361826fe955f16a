package loadtest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"crimemap/loadtest"
)

func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tiles/20/0/0.mvt" {
			w.WriteHeader(http.StatusNoContent) // empty tile: not an error
			return
		}
		fmt.Fprint(w, "tile bytes")
	}))
	defer srv.Close()

	urls := "z0-4\t/tiles/3/4/2.mvt\nz20\t/tiles/20/0/0.mvt\n"
	targets, err := loadtest.ParseTargets(strings.NewReader(urls), srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := loadtest.Run(context.Background(), loadtest.Config{
		Targets:     targets,
		Concurrency: 2,
		Duration:    10 * time.Second,
		MaxRequests: 100,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range res.Groups {
		fmt.Printf("%s: %d requests, %d errors, %d bytes\n", g.Group, g.Requests, g.Errors, g.Bytes)
	}
	// Output:
	// z0-4: 50 requests, 0 errors, 500 bytes
	// z20: 50 requests, 0 errors, 0 bytes
}
