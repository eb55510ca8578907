package tflite

import "math"

// Fixed-point helpers with the exact integer semantics of TFLite's reference
// kernels (tensorflow/lite/kernels/internal/common.h, the double-rounding
// variant that TFLite Micro builds by default) and gemmlowp's fixedpoint.h.

// quantizeMultiplier splits a real multiplier into a Q31 significand and a
// power-of-two exponent: m ≈ q * 2^(shift-31), q in [2^30, 2^31).
func quantizeMultiplier(m float64) (q int32, shift int) {
	if m == 0 {
		return 0, 0
	}
	frac, exp := math.Frexp(m)
	qf := int64(math.Round(frac * (1 << 31)))
	if qf == 1<<31 {
		qf /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(qf), exp
}

// saturatingRoundingDoublingHighMul returns the high 32 bits of 2*a*b, rounded.
func saturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	return int32((ab + nudge) / (1 << 31)) // Go division truncates like C
}

// roundingDivideByPOT divides by 2^exp rounding half away from zero.
func roundingDivideByPOT(x int32, exp int) int32 {
	mask := int32((int64(1) << exp) - 1)
	rem := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exp
	if rem > threshold {
		r++
	}
	return r
}

// multiplyByQuantizedMultiplier returns round(x * q * 2^(shift-31)) the way
// TFLite does it (two roundings).
func multiplyByQuantizedMultiplier(x, q int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x*(1<<left), q), right)
}

// saturatingShiftLeft is gemmlowp's SaturatingRoundingMultiplyByPOT for a
// positive exponent.
func saturatingShiftLeft(x int32, exp int) int32 {
	threshold := int32(1)<<(31-exp) - 1
	switch {
	case x > threshold:
		return math.MaxInt32
	case x < -threshold:
		return math.MinInt32
	}
	return x << exp
}

// fpMul is gemmlowp's FixedPoint multiplication (integer bits add up).
func fpMul(a, b int32) int32 { return saturatingRoundingDoublingHighMul(a, b) }

// expOnIntervalNegQuarterTo0 is gemmlowp's
// exp_on_interval_between_negative_one_quarter_and_0_excl on Q0.31 values.
func expOnIntervalNegQuarterTo0(a int32) int32 {
	const constantTerm = 1895147668 // exp(-1/8)
	const oneThird = 715827883
	x := a + 1<<28
	x2 := fpMul(x, x)
	x3 := fpMul(x2, x)
	x4 := fpMul(x2, x2)
	x4over4 := roundingDivideByPOT(x4, 2)
	poly := roundingDivideByPOT(fpMul(x4over4+x3, oneThird)+x2, 1)
	return constantTerm + fpMul(constantTerm, x+poly)
}

// expOnNegativeValues is gemmlowp's exp_on_negative_values for an input with
// intBits integer bits (raw a <= 0); the result is Q0.31.
func expOnNegativeValues(a int32, intBits int) int32 {
	fracBits := 31 - intBits
	oneQuarter := int32(1) << (fracBits - 2)
	mask := oneQuarter - 1
	aModQuarterMinusQuarter := (a & mask) - oneQuarter
	// Rescale<0> from intBits integer bits: a saturating left shift.
	result := expOnIntervalNegQuarterTo0(saturatingShiftLeft(aModQuarterMinusQuarter, intBits))
	remainder := aModQuarterMinusQuarter - a
	barrel := [...]struct {
		exp  int
		mult int32
	}{{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308}, {2, 39332535}, {3, 720401}, {4, 242}}
	for _, b := range barrel {
		if intBits > b.exp && remainder&(int32(1)<<(fracBits+b.exp)) != 0 {
			result = fpMul(result, b.mult)
		}
	}
	if intBits > 5 {
		clamp := -(int32(1) << (36 - intBits))
		if a < clamp {
			result = 0
		}
	}
	if a == 0 {
		result = math.MaxInt32
	}
	return result
}

// oneOverOnePlusX is gemmlowp's one_over_one_plus_x_for_x_in_0_1 (Q0.31 in
// and out, Newton-Raphson in Q2.29).
func oneOverOnePlusX(a int32) int32 {
	sum := int64(a) + math.MaxInt32
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	halfDen := int32((sum + sign) / 2)
	const c48over17 = 1515870810
	const cNeg32over17 = -1010580540
	const oneQ2 = 1 << 29
	x := c48over17 + fpMul(halfDen, cNeg32over17)
	for range 3 {
		hdx := fpMul(halfDen, x)
		omh := oneQ2 - hdx
		x += saturatingShiftLeft(fpMul(x, omh), 2) // Rescale<2> from 4 integer bits
	}
	return saturatingShiftLeft(x, 1) // Rescale<0>(ExactMulByPot<-1>(x))
}

// logisticQ is gemmlowp's logistic for an input with intBits integer bits;
// the result is Q0.31.
func logisticQ(a int32, intBits int) int32 {
	if a == 0 {
		return 1 << 30
	}
	abs := a
	if a < 0 {
		abs = -a
	}
	pos := oneOverOnePlusX(expOnNegativeValues(-abs, intBits))
	if a > 0 {
		return pos
	}
	return math.MaxInt32 - pos
}
