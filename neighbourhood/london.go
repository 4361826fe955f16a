package neighbourhood

import (
	"time"
	_ "time/tzdata" // the API's dates are UK local time, so the zone must load on any host
)

// london is the zone the API's offset-less dates are in.
var london = mustZone("Europe/London")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
