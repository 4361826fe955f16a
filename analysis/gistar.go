package analysis

import "math"

// Gi is the Getis-Ord Gi* statistic of one cell.
type Gi struct {
	Z float64 // standard score
	P float64 // two-sided p-value under the normal approximation
	// Bin is the confidence bin: +-3, +-2, +-1 for a hot (+) or cold (-)
	// spot at 99, 95 or 90 % confidence (p < 0.01, 0.05, 0.10), else 0.
	Bin int
}

// GiStar computes Gi* (Getis and Ord 1992, Ord and Getis 1995) with binary
// weights: nbrs[i] lists the indexes of the neighbours of i, i itself
// included. With n values, mean X and standard deviation S (population form,
// sqrt(sum(x^2)/n - X^2)) and W_i = len(nbrs[i]):
//
//	z_i = (sum_{j in nbrs[i]} x_j - X W_i) / (S sqrt((n W_i - W_i^2) / (n - 1)))
//
// When the denominator is zero (all values equal, fewer than two values, or
// a neighbourhood holding the whole study area) z is 0 and p is 1: there is
// no evidence of clustering either way.
func GiStar(x []float64, nbrs [][]int32) []Gi {
	n := float64(len(x))
	var sum, sum2 float64
	for _, v := range x {
		sum += v
		sum2 += v * v
	}
	out := make([]Gi, len(x))
	if len(x) < 2 {
		for i := range out {
			out[i] = Gi{P: 1}
		}
		return out
	}
	mean := sum / n
	s := math.Sqrt(math.Max(0, sum2/n-mean*mean))
	for i, nb := range nbrs {
		w := float64(len(nb))
		var lag float64
		for _, j := range nb {
			lag += x[j]
		}
		den := s * math.Sqrt((n*w-w*w)/(n-1))
		if !(den > 0) {
			out[i] = Gi{P: 1}
			continue
		}
		z := (lag - mean*w) / den
		out[i] = Gi{Z: z, P: math.Erfc(math.Abs(z) / math.Sqrt2)}
		out[i].Bin = confidenceBin(z, out[i].P)
	}
	return out
}

// confidenceBin bins a score by its p-value, signed like z.
func confidenceBin(z, p float64) int {
	b := 0
	switch {
	case p < 0.01:
		b = 3
	case p < 0.05:
		b = 2
	case p < 0.10:
		b = 1
	}
	if z < 0 {
		b = -b
	}
	return b
}
