package geo

import "slices"

// Grow makes room for n more rows, so a loader that knows roughly how many
// rows a file holds does not pay for the slice doubling as it appends.
func (b *StreetBatch) Grow(n int) {
	if n > 0 {
		b.crimes = slices.Grow(b.crimes, n)
	}
}
