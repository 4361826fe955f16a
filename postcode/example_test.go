package postcode_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"crimemap/postcode"
)

func ExampleDirectory_Lookup() {
	d, _, err := postcode.LoadFile(context.Background(), "testdata/onspd-sample.csv",
		postcode.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := d.Lookup(" so14  7ly ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Postcode, r.Lat, r.Lng, r.PFA, r.LSOA, r.Country)

	r, _ = d.Lookup("AB1 0AA")
	fmt.Println(r.Postcode, r.Terminated, r.TerminatedMonth)

	_, err = d.Lookup("SO14 7AA")
	fmt.Println(err, errors.Is(err, postcode.ErrNotFound))
	// Output:
	// SO14 7LY 50.902645 -1.400382 E23000030 E01017140 E92000001
	// AB1 0AA true 199606
	// SO14 7AA: postcode not found true
}
