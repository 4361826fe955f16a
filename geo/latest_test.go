package geo

import (
	"slices"
	"testing"
)

func TestLatestMonth(t *testing.T) {
	jan, feb, mar := MakeMonth(2024, 1), MakeMonth(2024, 2), MakeMonth(2024, 3)
	rep := func(m Month, n int) []Month { return slices.Repeat([]Month{m}, n) }
	tests := []struct {
		name   string
		months []Month
		want   Month
	}{
		{"empty", nil, 0},
		{"one month", rep(jan, 3), jan},
		{"full months", slices.Concat(rep(jan, 500), rep(feb, 480)), feb},
		{"a stray row later", slices.Concat(rep(jan, 500), rep(feb, 480), rep(MakeMonth(2999, 12), 1)), feb},
		{"a small later month counts", slices.Concat(rep(jan, 500), rep(mar, 5)), mar},
		{"below the share", slices.Concat(rep(jan, 500), rep(mar, 4)), jan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sorted := slices.Compact(slices.Sorted(slices.Values(tc.months)))
			idx := make([]uint8, len(tc.months))
			for i, m := range tc.months {
				k, _ := slices.BinarySearch(sorted, m)
				idx[i] = uint8(k)
			}
			if got := latestMonth(idx, sorted); got != tc.want {
				t.Errorf("latestMonth = %s, want %s", got, tc.want)
			}
		})
	}
}
