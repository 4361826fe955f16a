package fault_test

import (
	"fmt"

	"crimemap/fault"
)

// A domain package declares its sentinels with their kind once, wraps them
// with context as usual, and the HTTP layer reads the kind back.
func Example() {
	errNoScheme := fault.New(fault.NotFound, "no such scheme")
	err := fmt.Errorf("scheme %d: %w", 42, errNoScheme)
	fmt.Println(err)
	fmt.Println(fault.KindOf(err))
	// Output:
	// scheme 42: no such scheme
	// not found
}
