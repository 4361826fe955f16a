package loadtest_test

import (
	"errors"
	"strings"
	"testing"

	"crimemap/internal/testsupport/datasets"
	"crimemap/loadtest"
)

func TestWriteURLs(t *testing.T) {
	ds := datasets.Southampton()
	var b strings.Builder
	err := loadtest.WriteURLs(&b, ds, loadtest.URLConfig{MinZoom: 4, MaxZoom: 5, PerZoom: 2, Query: "v=1", Radius: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := `tiles z04	/tiles/4/7/5.mvt?v=1
tiles z04	/tiles/4/7/5.mvt?v=1
tiles z04 month	/tiles/4/7/5.mvt?v=1&from=2017-02&to=2017-02
tiles z04 month	/tiles/4/7/5.mvt?v=1&from=2017-02&to=2017-02
tiles z05	/tiles/5/15/10.mvt?v=1
tiles z05	/tiles/5/15/10.mvt?v=1
tiles z05 month	/tiles/5/15/10.mvt?v=1&from=2017-02&to=2017-02
tiles z05 month	/tiles/5/15/10.mvt?v=1&from=2017-02&to=2017-02
radius 1mi month	/v1/crimes?lat=50.909700&lng=-1.404400&radius_m=1609.344&from=2017-02&to=2017-02&limit=10000
api crimes-street	/api/crimes-street/all-crime?lat=50.909700&lng=-1.404400&date=2017-02
radius 1mi month	/v1/crimes?lat=50.920000&lng=-1.395000&radius_m=1609.344&from=2017-02&to=2017-02&limit=10000
api crimes-street	/api/crimes-street/all-crime?lat=50.920000&lng=-1.395000&date=2017-02
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Every line is a target the load generator accepts.
	targets, err := loadtest.ParseTargets(strings.NewReader(want), "http://127.0.0.1:8080")
	if err != nil || len(targets) != 12 {
		t.Errorf("%d targets, %v", len(targets), err)
	}
	if err := loadtest.WriteURLs(failWriter{}, ds, loadtest.URLConfig{MaxZoom: 1, PerZoom: 1}); err == nil {
		t.Error("a failing writer gave no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
