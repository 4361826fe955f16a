package ingest

import (
	"strconv"
	"unsafe"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal parses a plain decimal number: an optional sign, digits, an
// optional fraction and an optional exponent. Unlike strconv.ParseFloat it
// refuses "Inf", "NaN", hex floats and underscores, which no coordinate is
// written as. It gives exactly strconv.ParseFloat's result: numbers of at most
// 15 significant digits with no exponent take the exact path (both operands
// are exact float64 values and IEEE division rounds correctly, as strconv's
// own fast path relies on); everything else goes to strconv.
func parseDecimal(b []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		mant = mant*10 + uint64(b[i]-'0')
	}
	intDigits := i - start
	fracDigits := 0
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
		}
		fracDigits = i - fs
	}
	if intDigits+fracDigits == 0 {
		return 0, false
	}
	// At most 15 digits in all, leading zeros counted: the mantissa is
	// then exact. Longer numbers, rare, go to strconv.
	if i == len(b) && intDigits+fracDigits <= 15 {
		f := float64(mant) / pow10[fracDigits]
		if neg {
			f = -f
		}
		return f, true
	}
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, false
		}
		i++
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		es := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
		if i == es || i != len(b) {
			return 0, false
		}
	}
	// strconv copies the string into any error it returns, so handing it a
	// view of the buffer is safe and saves an allocation per call.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}
